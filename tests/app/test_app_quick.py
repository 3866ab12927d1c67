"""A warm lever's edit answered at once (model/app/quick.py): after a solve, the editor shows the
edited scenario's headline KPIs from a warm re-solve — the same numbers as a cold solve of it —
without a Solve; Solve keeps that answer; any other lever still waits for Solve. Real HiGHS solves."""
from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, errors, lever, new_app
from test_app_language import foreign, page_texts

from model.app.numbers import penalties
from model.inputs import sources
from model.inputs.scenario import apply_changes
from model.reports import summary
from model.reports.kpis import RACKS, TCO2, YUAN, number
from model.run import Planner

COST = "成本（不含惩罚） Cost without penalties (亿元)"


def quick_metrics(at) -> dict[str, str]:
    """The KPI cards of the Scenario tab (the quick answer's; the solved result's are above the tabs)."""
    return {m.label: m.value for m in at.tabs[0].metric}


def solved_app() -> AppTest:
    at = new_app()
    at.button(key="solve").click().run()
    assert not at.exception and not at.error, errors(at)
    assert not quick_metrics(at)  # nothing edited since the solve
    return at


@pytest.fixture(scope="module")
def cold_300() -> dict:
    """Summary of a cold solve of the reference with carbon price 300 yuan/t (no app involved)."""
    return summary(Planner().solve(apply_changes(sources.load_bundled("reference"), {"carbon_price_yuan_per_t": 300})))


def test_a_warm_lever_shows_a_cold_solves_kpis_without_solve(cold_300):
    at = solved_app()
    before = at.session_state["results"]["reference"]
    at.number_input(key=lever(at, "carbon_price_yuan_per_t")).set_value(300).run()
    assert not at.exception and not at.error, errors(at)
    m = quick_metrics(at)
    # reference at 300 yuan/t solved cold: objective − penalties, emissions and builds, as the cards print them
    assert m[COST] == number(cold_300["objective"] - penalties(cold_300), YUAN)
    assert m["排放 Emissions (MtCO2)"] == number(cold_300["emissions_tco2"], TCO2)
    assert m["新建机架 Racks built (万架)"] == number(cold_300["built_racks"], RACKS)
    caption = " ".join(c.value for c in at.tabs[0].caption)
    assert f"目标函数 Objective {number(cold_300['objective'], YUAN)} 亿元" in caption
    head = " ".join(md.value for md in at.tabs[0].markdown)
    assert "Edited scenario, answered at once: reference · 碳价300" in head
    # marked against the solved result above the tabs, which is unchanged: no Solve happened
    assert list(at.session_state["results"]) == ["reference"] and at.session_state["results"]["reference"] is before
    assert at.metric[0].value == number(summary(before)["objective"] - penalties(summary(before)), YUAN)
    assert at.tabs[0].metric[0].proto.delta.startswith("+")  # carbon costs more than at the solved 100 yuan/t
    assert any("Levers changed" in i.value for i in at.sidebar.info)  # the Solve prompt stays

    # a second edit answers again (the cards follow the lever)
    at.number_input(key=lever(at, "carbon_price_yuan_per_t")).set_value(400).run()
    assert quick_metrics(at)[COST] != m[COST]
    assert "reference · 碳价400" in " ".join(md.value for md in at.tabs[0].markdown)


def test_solve_keeps_the_warm_answer_and_the_tabs_show_its_full_results(cold_300):
    at = solved_app()
    at.number_input(key=lever(at, "carbon_price_yuan_per_t")).set_value(300).run()
    answered = at.session_state["quick"]["headline"]["objective"]
    at.session_state["tab"] = "结果 Results"  # the tabs still show the solved result in full
    at.run()
    assert not at.exception and len(at.session_state["alloc.rows"]) > 0
    assert at.session_state["current"] == "reference"
    at.button(key="solve").click().run()
    assert not at.exception and not at.error, errors(at)
    res = at.session_state["results"]["reference · 碳价300"]
    man = json.loads(res.attrs["manifest"])
    assert man["objective"] == answered  # the very answer shown, kept (its results built on Solve)
    assert man["objective"] == pytest.approx(cold_300["objective"], rel=1e-9)
    assert man["warm_start"] is True and man["timings"]["results_s"] > 0
    assert "(热启动，沿用即时结果 warm, the answer given at once)" in at.sidebar.status[0].proto.label
    assert at.session_state["quick"] is None and not quick_metrics(at)  # nothing edited since
    assert at.session_state["current"] == "reference · 碳价300"
    rows = at.session_state["alloc.rows"]  # the Results tab now reads the kept answer in full
    assert rows["racks"].sum() == pytest.approx(summary(res)["served_rack_years"], rel=1e-9)
    assert at.metric[0].value == number(cold_300["objective"] - penalties(cold_300), YUAN)


@pytest.mark.parametrize("path, value, widget", [("demand.scale", 1.1, "number_input"),
                                                  ("policy.min_green_share", 0.5, "slider"),
                                                  ("electricity_price_scale", 1.2, "number_input")])
def test_other_warm_levers_answer_as_a_cold_solve(path, value, widget):
    at = solved_app()
    getattr(at, widget)(key=lever(at, path)).set_value(value).run()
    assert not at.exception and not at.error, errors(at)
    cold = summary(Planner().solve(apply_changes(sources.load_bundled("reference"), {path: value})))
    assert at.session_state["quick"]["headline"]["objective"] == pytest.approx(cold["objective"], rel=1e-9)
    assert quick_metrics(at)[COST] == number(cold["objective"] - penalties(cold), YUAN)


def test_a_structural_lever_still_needs_solve():
    at = solved_app()
    at.number_input(key=lever(at, "latency_bounds_ms.interactive")).set_value(12).run()
    assert not at.exception and not at.error, errors(at)
    assert at.session_state["quick"] is None and not quick_metrics(at)
    assert any("answered by **Solve**" in c.value for c in at.tabs[0].caption)
    assert list(at.session_state["results"]) == ["reference"]
    at.button(key="solve").click().run()
    assert not at.exception and not at.error, errors(at)
    assert len(at.session_state["results"]) == 2


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_answer_is_shown_in_the_sessions_language(lang):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.button(key="solve").click().run()
    at.number_input(key=lever(at, "carbon_price_yuan_per_t")).set_value(300).run()
    assert not at.exception and not at.error, errors(at)
    name = at.session_state["quick"]["scenario"].name  # 'reference · 碳价300': a name, as the sidebar shows it
    panel = [t.replace(name, "") for t in page_texts(at.tabs[0])]
    assert quick_metrics(at) and not foreign(panel, lang, {"reference"})
    value = quick_metrics(at)[next(iter(quick_metrics(at)))]
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", value)  # 亿元 with separators


class _Job(dict):
    """A solve's job dict that notes, when ``solving`` turns False, whether the outcome is in."""

    def __setitem__(self, key, value):
        if key == "solving" and value is False:
            self.outcome_in = "result" in self and "solved_json" in self
        super().__setitem__(key, value)


def test_a_solve_ends_only_once_its_result_is_in():
    """A run that finds ``solving`` False draws no progress fragment, so the result must be there
    to collect by then (state.run_solve); the worker thread's answer is a real solve."""
    from model.app.state import run_solve

    sc = sources.load_bundled("reference")
    job = _Job(solving=True)
    run_solve(job, Planner(), sc, False, sc.model_dump_json(), {}, "en")
    assert job["solving"] is False and job.outcome_in
    assert job["state"] == "complete" and job["label"].startswith("Solved — optimal")
