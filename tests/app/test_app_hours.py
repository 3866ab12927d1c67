"""The hours on screen (issue 22, item 4), AppTest with a real hourly solve: the hourly levers
reach the scenario, the status line names the resolution, the Hours tab draws a typical day."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.mark.slow
def test_hourly_levers_solve_and_the_typical_day():
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = "en"
    at.run()
    at.session_state["tab"] = "Hours"
    at.run()
    assert not at.exception
    assert any("solved annually" in i.value or "No results" in i.value for i in at.info)
    at.toggle(key="lv.resolution").set_value(True)
    at.number_input(key="lv.hourly.representative_days").set_value(2)
    at.slider(key="lv.hourly.flexibility_band").set_value(0.5)
    at.toggle(key="lv.hourly.storage").set_value(True)
    at.radio(key="lv.hourly.green_matching").set_value("hourly").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    sc = at.session_state["scenario"]
    assert sc.resolution == "hourly" and sc.hourly.representative_days == 2 and sc.hourly.flexibility_band == 0.5
    assert sc.hourly.storage is not None and sc.hourly.green_matching == "hourly"
    at.button(key="solve").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    status = " ".join(c.value for c in at.caption)
    assert "resolution **hourly (2 representative days)**" in status  # the resolution on every result
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any(t.startswith("Typical day — ") for t in titles) and "IT load by class on the typical day (MW)" in titles
    day = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
               if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith("Typical day"))
    assert {"green used", "grid", "facility load", "green available"} <= {t.get("name") for t in day["data"]}
    table = next(df.value for df in at.dataframe if "Green matched hour by hour (24/7)" in df.value.columns)
    assert len(table) == 10 and "Storage power (MW)" in table.columns
