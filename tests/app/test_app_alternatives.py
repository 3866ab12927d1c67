"""The Alternatives tab (AppTest, real solves): range bars with the optimum inside, slack choice,
the verdict table and the extreme plan on the map; the numbers are the study's own."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from model.inputs import sources
from model.studies.alternatives import BY_KEY, near_optimal

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.mark.slow
def test_alternatives_tab_shows_the_ranges_and_the_extreme_plan():
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.button(key="solve").click().run()
    at.session_state["tab"] = "近优方案 Alternatives"
    at.run()
    assert not at.exception and not at.error
    assert [o for o in at.radio(key="alt.slack").options] == ["0.1 %", "1 %", "5 %"]
    at.radio(key="alt.slack").set_value(0.05)
    at.multiselect(key="alt.entries").set_value(["build_hub"])
    at.button(key="alt.run").click().run()
    assert not at.exception and not at.error
    table = next(df.value for df in at.dataframe if "verdict" in df.value.columns)
    assert len(table) == 8  # one row per hub
    assert ((table["min"] <= table["optimum"] + 1e-6) & (table["optimum"] <= table["max"] + 1e-6)).all()
    # the same numbers as the study run outside the app (万架 = 10⁴ racks)
    study = near_optimal(sources.app_scenario(sources.load_bundled("reference"))[0], 0.05, entries=(BY_KEY["build_hub"],))
    lo, hi = study.ends["build_hub:gansu"]
    row = table.set_index("aggregate").loc["build_hub:gansu"]
    assert row["min"] == pytest.approx(lo.value / 1e4, rel=1e-6) and row["max"] == pytest.approx(hi.value / 1e4, rel=1e-6)
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bars = next(c for c in charts if c["data"][0].get("type") == "bar")
    assert bars["data"][1]["name"] == "最优 optimum"  # the optimum drawn inside its range
    assert any("南海诸岛" in json.dumps(c, ensure_ascii=False) for c in charts)  # the extreme plan on the map
    at.radio(key="alt.end").set_value("max").run()
    assert not at.exception and not at.error
    assert any("亿元" in c.value for c in at.caption)
    at.button(key="alt.compare").click().run()  # the extreme plan's full results go to Compare
    assert not at.exception and not at.error
    added = [k for k in at.session_state["results"] if "max" in k and "5%" in k]
    assert len(added) == 1
    plan = at.session_state["results"][added[0]]
    assert plan.attrs["objective"] <= 1.05 * at.session_state["results"]["reference"].attrs["objective"] * (1 + 1e-9)
