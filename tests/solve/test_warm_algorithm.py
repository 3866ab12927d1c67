"""The simplex chosen for a warm re-solve by what changed (model/solve/highs.py): primal simplex from
the kept basis when only column costs changed since an optimal solve (the basis stays primal
feasible), dual simplex — HiGHS's default — after any change of bounds; the option is put back
after every run, and the answer is a cold solve's."""
from __future__ import annotations

import pytest
from tiny import scenario_file, write_dataset

from model.inputs.scenario import apply_changes, load_scenario
from model.run import Planner

# Two clusters, no discounting, PUE 1, 1 kW per rack: a rack-year uses 8,760 kWh = 8.76 MWh.
# a: 0.1 yuan/kWh in r1 (1 t CO2/MWh)  → 876 yuan + 8.76 t × carbon price per rack-year
# b: 0.2 yuan/kWh in r2 (0 t CO2/MWh)  → 1,752 yuan per rack-year
# 50 racks needed in r1 (100 installed at each cluster). Carbon price 0: all at a, 50 × 876 = 43,800;
# 200 yuan/t: a costs 876 + 1,752 = 2,628 > 1,752, all at b: 50 × 1,752 = 87,600; demand × 1.5 at
# 200 yuan/t: 75 × 1,752 = 131,400.
CLUSTERS = {"a": {"region_id": "r1", "grid_price_yuan_per_kwh": 0.1},
            "b": {"region_id": "r2", "hub_id": "h_west", "grid_price_yuan_per_kwh": 0.2}}
REGIONS = {"r1": {"co2_t_per_mwh": 1.0}, "r2": {"co2_t_per_mwh": 0.0}}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("algorithm")
    ds = write_dataset(root / "data", CLUSTERS, REGIONS, {("r1", "w", 2026): 50, ("r2", "w", 2026): 0})
    return load_scenario(scenario_file(root, ds, {"name": "two clusters"}))


def strategy(planner: Planner) -> int:
    value = planner.model.highs.getOptionValue("simplex_strategy")
    return value[1] if isinstance(value, tuple) else value


def test_costs_only_primal_then_bounds_dual_option_restored(base):
    planner = Planner()
    first = planner.answer(base)
    assert first.objective == pytest.approx(43_800) and not first.solution.primal
    default = strategy(planner)

    dearer = planner.answer(apply_changes(base, {"carbon_price_yuan_per_t": 200.0}))  # costs only
    assert dearer.manifest["warm_start"] and dearer.solution.primal
    assert dearer.objective == pytest.approx(87_600)
    assert strategy(planner) == default  # put back after the run

    more = planner.answer(apply_changes(base, {"carbon_price_yuan_per_t": 200.0, "demand.scale": 1.5}))  # row bounds
    assert more.manifest["warm_start"] and not more.solution.primal
    assert more.objective == pytest.approx(131_400)
    assert strategy(planner) == default


def test_primal_warm_answer_equals_a_cold_solve(base):
    planner = Planner()
    planner.answer(base)
    sc = apply_changes(base, {"carbon_price_yuan_per_t": 200.0})
    warm, cold = planner.answer(sc), Planner().answer(sc)
    assert warm.solution.primal and not cold.solution.primal
    assert warm.objective == pytest.approx(cold.objective, rel=1e-12)
    assert warm.headline()["cost_electricity"] == pytest.approx(cold.headline()["cost_electricity"], rel=1e-12)


def test_dual_after_a_solve_that_was_not_optimal(base):
    """An infeasible solve leaves no optimal basis to continue from: a cost change after it runs
    HiGHS's default. Strict mode, 100 racks installed at each cluster: 250 racks needed is
    infeasible; 200 fills both clusters: at carbon 50, 100 × (876 + 8.76 × 50) + 100 × 1,752 =
    306,600; at carbon 100 (a cost change after an optimal solve: primal) 100 × 1,752 × 2 = 350,400."""
    planner = Planner()
    strict = apply_changes(base, {"policy.allow_unmet": False})
    assert planner.answer(apply_changes(strict, {"demand.scale": 5.0})).status == "infeasible"
    again = planner.answer(apply_changes(strict, {"demand.scale": 5.0, "carbon_price_yuan_per_t": 50.0}))
    assert again.status == "infeasible" and not again.solution.primal
    full = planner.answer(apply_changes(strict, {"demand.scale": 4.0, "carbon_price_yuan_per_t": 50.0}))
    assert full.status == "optimal" and not full.solution.primal
    assert full.objective == pytest.approx(306_600)
    dearer = planner.answer(apply_changes(strict, {"demand.scale": 4.0, "carbon_price_yuan_per_t": 100.0}))
    assert dearer.solution.primal and dearer.objective == pytest.approx(350_400)


def test_interior_point_is_left_alone(base):
    planner = Planner()
    ipm = apply_changes(base, {"solver.method": "ipm"})
    planner.answer(ipm)
    answer = planner.answer(apply_changes(ipm, {"carbon_price_yuan_per_t": 200.0}))
    assert not answer.solution.primal and answer.objective == pytest.approx(87_600)
