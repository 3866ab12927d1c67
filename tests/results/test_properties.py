"""Monotonicity properties on the reference data (warm re-solves of one model)."""
import pytest

from model.inputs.scenario import apply_changes, load_scenario
from model.reports import summary
from model.run import Planner


@pytest.fixture(scope="module")
def planner():
    return Planner()


@pytest.fixture(scope="module")
def base():
    return load_scenario("data/scenarios/reference.yaml")


def solve(planner, base, **changes):
    s = summary(planner.solve(apply_changes(base, changes)))
    assert s["status"] == "optimal"
    return s


CLUSTERS = ["zhangjiakou", "shaoguan", "qingyang", "horinger"]


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_more_room_to_build_never_raises_cost(planner, base, cluster):
    """Planned capacity, build limits and grid connection: more never costs more."""
    ref = solve(planner, base)["objective"]
    more = {cluster: dict(planned_racks=1_500_000, grid_limit_mw=5000, build_limit_racks_per_year=400_000)}
    assert solve(planner, base, clusters=more)["objective"] <= ref * (1 + 1e-9)


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_more_installed_capacity_never_raises_cost_without_a_floor(planner, base, cluster):
    """Installed racks are sunk, so more can only help — unless the utilisation floor (上架率) asks
    for them to be filled: with the floor on, idle installed racks are penalised (next test)."""
    no_floor = {"policy": {"utilisation_floor": 0.0}}
    ref = solve(planner, base, **no_floor)["objective"]
    more = {cluster: dict(installed_racks=600_000, planned_racks=1_500_000)}
    assert solve(planner, base, clusters=more, **no_floor)["objective"] <= ref * (1 + 1e-9)


def test_with_the_floor_idle_installed_capacity_shows_as_a_shortfall(planner, base):
    # issue 10: demand is national (8.2M racks in 2026); scaled to a tenth so that 2M idle racks stay idle
    s = solve(planner, base, clusters={"qingyang": dict(installed_racks=2_000_000, planned_racks=2_000_000)},
              demand={"scale": 0.1})
    assert s["policy_shortfalls"]["utilisation_racks"] > 0


@pytest.mark.parametrize("bound", [15.0, 10.0, 6.0])
def test_tighter_latency_bound_never_lowers_cost(planner, base, bound):
    ref = solve(planner, base)["objective"]
    tight = solve(planner, base, latency_bounds_ms={"interactive": bound})["objective"]
    tighter = solve(planner, base, latency_bounds_ms={"interactive": bound - 3})["objective"]
    assert ref <= tight * (1 + 1e-9) and tight <= tighter * (1 + 1e-9)


def test_carbon_price_never_raises_emissions(planner, base):
    emissions = [solve(planner, base, carbon_price_yuan_per_t=p)["emissions_tco2"] for p in (0, 100, 300, 1000, 3000)]
    assert all(b <= a * (1 + 1e-7) for a, b in zip(emissions, emissions[1:])), emissions
    assert emissions[-1] < emissions[0]  # and at some price it actually bites


def test_more_demand_never_lowers_cost(planner, base):
    costs = [solve(planner, base, demand={"scale": s})["objective"] for s in (0.8, 1.0, 1.2)]
    assert costs == sorted(costs)


def test_outage_never_lowers_cost(planner, base):
    ref = solve(planner, base)["objective"]
    out = solve(planner, base, outages=[{"cluster": "shaoguan"}])["objective"]
    assert out >= ref * (1 - 1e-9)
