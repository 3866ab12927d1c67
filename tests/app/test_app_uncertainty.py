"""The uncertainty view (model/app/uncertainty.py) in the real app, through streamlit AppTest."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from model.reports.stochastic import builds_table
from model.studies.stochastic import load_futures, results_dataset, solve_stochastic

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.mark.slow
def test_uncertainty_view_shows_the_cli_answers_and_the_builds_table():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.session_state["tab"] = "不确定性 Uncertainty"
    at.run()
    assert not at.exception
    at.button(key="unc.solve").click().run()
    assert not at.exception and not at.error
    answers = next(df.value for df in at.dataframe if "answer 解答" in df.value.columns)
    fs = load_futures(Path(__file__).resolve().parents[2] / "data/futures/ai_demand.yaml")
    r = solve_stochastic(fs)
    vss = answers.set_index("answer 解答")["亿元"].filter(like="VSS").iloc[0]
    assert vss == f"{r.vss / 1e8:,.2f}"  # issue 22 (9): with separators, read out in words below
    assert f"VSS = EEV − RP = {r.vss / 1e8:,.2f} 亿元" in " ".join(m.value for m in at.markdown)
    builds = next(df.value for df in at.dataframe if "status 类别" in df.value.columns)
    expected = builds_table(results_dataset(r, fs))
    assert len(builds) == 10 and list(builds["status 类别"]) == list(expected["status 类别"])
    assert list(builds["hedge 对冲 (万架)"]) == [f"{v:,.2f}" for v in expected["hedge 对冲 (万架)"]]
    assert at.get("plotly_chart")
