"""Modular builds (MILP): blocks with a fixed cost; gap and bound reported; the LP relaxation stays."""
import pytest
from tiny import solve_tiny

from model.inputs.scenario import apply_changes, load_scenario
from model.reports import summary
from model.run import Planner

SETUP = dict(clusters={"a": {"installed_racks": 100, "planned_racks": 400, "build_limit_racks_per_year": 300,
                             "capex_yuan_per_rack": 1000}},
             regions={"r1": {}}, demand={("r1", "w", 2026): 100, ("r1", "w", 2027): 175},
             settings={"years": [2026, 2027]})


def test_blocks_round_builds_up_and_carry_their_fixed_cost(tmp_path):
    """75 more racks are needed in 2027. Blocks of 50 racks with a fixed cost of 20 000 each: two
    blocks (100 racks) in 2027 — building in 2026 would pay for two years. Cost = 100·1000 capex +
    2·20 000 fixed + 876·(100 + 175) energy = 100 000 + 40 000 + 240 900 = 380 900.
    The LP relaxation builds 75 racks = 1.5 blocks: 75 000 + 30 000 + 240 900 = 345 900."""
    mip = solve_tiny(tmp_path / "mip", **SETUP,
                     scenario={"modular_builds": {"block_racks": 50, "fixed_cost_yuan_per_block": 20_000}})
    s = summary(mip)
    assert s["status"] == "optimal"
    assert s["objective"] == pytest.approx(380_900, rel=1e-9)
    assert s["costs"]["block_fixed"] == pytest.approx(40_000, rel=1e-9)
    assert mip["build"].sel(cluster="a").values.tolist() == pytest.approx([0, 100])
    assert s["mip"]["gap"] <= 1e-4 and s["mip"]["bound"] <= s["objective"] * (1 + 1e-9)
    relaxed = solve_tiny(tmp_path / "lp", **SETUP, scenario={
        "modular_builds": {"block_racks": 50, "fixed_cost_yuan_per_block": 20_000, "relax": True}})
    assert summary(relaxed)["objective"] == pytest.approx(345_900, rel=1e-9)
    assert summary(relaxed)["mip"] is None


def test_milp_shadow_prices_come_from_the_fixed_lp(tmp_path):
    mip = solve_tiny(tmp_path, **SETUP, scenario={"modular_builds": {"block_racks": 50, "fixed_cost_yuan_per_block": 20_000}})
    assert summary(mip)["mip"]["duals"] == "from the LP with the integer decisions fixed"
    # with 100 racks built in 2027 and 75 used, capacity is slack: one more rack is worth nothing
    assert float(mip["rack_value"].sel(cluster="a", year=2027)) == pytest.approx(0, abs=1e-9)


def test_block_size_one_and_no_fixed_cost_equals_the_lp_on_the_reference():
    base = load_scenario("data/scenarios/reference.yaml")
    lp = Planner().solve(base).attrs["objective"]
    mip = Planner().solve(apply_changes(base, {"modular_builds": {"block_racks": 1, "fixed_cost_yuan_per_block": 0}}))
    assert mip.attrs["status"] == "optimal"
    assert mip.attrs["objective"] == pytest.approx(lp, rel=1e-6)
