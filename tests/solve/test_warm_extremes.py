"""A warm re-solve answers what a cold solve answers, also on extreme levers.

Regression: after the reference solve, carbon price 1e9 (costs up to 6e12 yuan per column)
made HiGHS' dual simplex stop from the old basis with "excessive dual values", status
'not set', and the app showed "No solution" while the CLI (a cold solve) found the optimum.
``HighsModel.solve`` now solves such a failed warm start again from scratch. Scenario files now
cap the carbon price at 100,000 yuan/t; the 1e9 case is built past validation (``model_copy``),
because the warm path must not depend on that cap. A change of costs alone now re-solves by primal
simplex from the kept basis, which answers the 1e9 case warm; with a bound changed too, dual simplex
still stops there, and that failed warm start is solved cold and recorded.
"""
from __future__ import annotations

import json

import pytest

from model.inputs import sources
from model.inputs.scenario import apply_changes
from model.run import Planner

CLUSTERS = ["zhangjiakou", "yrd_demo", "wuhu", "shaoguan", "tianfu", "chongqing", "horinger", "guian",
            "qingyang", "zhongwei"]
EXTREMES = {  # one Planner walks through them in this order, each a warm update of the one before
    "carbon price 1e9": lambda sc: sc.model_copy(update={"carbon_price_yuan_per_t": 1e9}),
    "carbon price 1e5 (the cap)": lambda sc: apply_changes(sc, {"carbon_price_yuan_per_t": 1e5}),
    "carbon price 0": lambda sc: apply_changes(sc, {"carbon_price_yuan_per_t": 0}),
    "demand x0.01": lambda sc: apply_changes(sc, {"demand.scale": 0.01}),
    "demand x5": lambda sc: apply_changes(sc, {"demand.scale": 5.0}),
    "every cluster out": lambda sc: apply_changes(sc, {"outages": [{"cluster": c} for c in CLUSTERS]}),
    "back to the reference": lambda sc: sc,
}


@pytest.fixture(scope="module")
def walk():
    base, _ = sources.app_scenario(sources.load_bundled("reference"))
    planner = Planner()
    planner.solve(base)
    return [(label, planner.solve(make(base)), Planner().solve(make(base))) for label, make in EXTREMES.items()]


@pytest.mark.parametrize("i", range(len(EXTREMES)), ids=list(EXTREMES))
def test_warm_equals_cold_on_extreme_levers(walk, i):
    label, warm, cold = walk[i]
    assert warm.attrs["status"] == cold.attrs["status"] == "optimal", label
    w, c = warm.attrs["objective"], cold.attrs["objective"]
    assert abs(w - c) <= 1e-6 * abs(c), (label, w, c)
    assert float(warm["unmet"].sum()) == pytest.approx(float(cold["unmet"].sum()), rel=1e-6, abs=1e-3)


def test_costs_alone_answer_warm_where_dual_simplex_stopped(walk):
    man = {label: json.loads(warm.attrs["manifest"]) for label, warm, _ in walk}
    # costs alone: primal simplex from the reference's basis (dual simplex said 'not set' here)
    assert man["carbon price 1e9"]["warm_start"] is True and man["carbon price 1e9"]["cold_retry"] is False
    assert man["demand x0.01"]["warm_start"] is True and man["demand x0.01"]["cold_retry"] is False


def test_the_failed_warm_start_is_recorded():
    """Carbon price 1e9 with demand × 1.01: a bound changed too, so dual simplex, which stops with
    'not set' from the reference's basis; solved again from scratch, the cold solve's objective."""
    base, _ = sources.app_scenario(sources.load_bundled("reference"))
    sc = apply_changes(base, {"demand.scale": 1.01}).model_copy(update={"carbon_price_yuan_per_t": 1e9})
    planner = Planner()
    planner.solve(base)
    warm, cold = planner.solve(sc), Planner().solve(sc)
    man = json.loads(warm.attrs["manifest"])
    assert man["cold_retry"] is True and man["warm_start"] is False and man["status"] == "optimal"
    assert abs(warm.attrs["objective"] - cold.attrs["objective"]) <= 1e-6 * abs(cold.attrs["objective"])


def test_every_cluster_out_leaves_no_load_at_the_clusters(walk):
    _, warm, _ = walk[list(EXTREMES).index("every cluster out")]
    _, ref, _ = walk[list(EXTREMES).index("back to the reference")]
    assert float(warm["load"].sum()) == pytest.approx(0, abs=1e-6)  # only the provinces' own stock serves
    assert float(warm["unmet"].sum()) > float(ref["unmet"].sum())
