"""Shadow prices match finite differences: re-solve with one more rack / one more MW."""
import pytest

from model.reports import summary
from model.run import Planner
from model.inputs.scenario import apply_changes, load_scenario
from tiny import solve_tiny

Y = 2026


def test_rack_value_on_a_hand_instance(tmp_path):
    """a (876 yuan/rack-yr, 100 racks) is full, the rest is served at b (1752): one more rack at a
    saves 876 yuan; b has spare capacity, worth 0. Each extra rack of demand costs 1752 at the margin."""
    res = solve_tiny(tmp_path, clusters={"a": {}, "b": {"installed_racks": 1000, "planned_racks": 1000,
                                                        "grid_price_yuan_per_kwh": 0.2}},
                     regions={"r1": {}}, demand={("r1", "w", Y): 150})
    assert float(res["rack_value"].sel(cluster="a", year=Y)) == pytest.approx(876, rel=1e-9)
    assert float(res["rack_value"].sel(cluster="b", year=Y)) == pytest.approx(0, abs=1e-9)
    assert float(res["marginal_cost"].sel(region="r1", workload="w", year=Y)) == pytest.approx(1752, rel=1e-9)
    assert "one more standard rack at a集群 (a) in 2026 is worth ¥876 per year" in summary(res)["shadow_prices"]


def test_mw_value_on_a_hand_instance(tmp_path):
    """Grid limit 0.05 MW binds (50 racks of 1 kW); the other 30 racks are unmet at 100 000 each.
    One more MW would serve 1000 racks: each MW-year saves 1000 · (100 000 − 876) yuan, as long as
    the racks are there (capacity 1000) — the dual is the per-MW rate at the margin."""
    res = solve_tiny(tmp_path, clusters={"a": {"installed_racks": 1000, "planned_racks": 1000, "grid_limit_mw": 0.05}},
                     regions={"r1": {}}, demand={("r1", "w", Y): 80})
    assert float(res["mw_value"].sel(cluster="a", year=Y)) == pytest.approx(1000 * (100_000 - 876), rel=1e-9)


@pytest.fixture(scope="module")
def reference():
    p = Planner()
    base = load_scenario("data/scenarios/reference.yaml")
    return p, base, p.solve(base)


def test_rack_value_matches_finite_difference_on_the_reference(reference):
    p, base, res = reference
    df = res["discount_factor"]
    value = (res["rack_value"] * df).sum("year")  # discounted value of one more rack in every year
    k = str(value.idxmax("cluster").item())
    assert float(value.sel(cluster=k)) > 0
    inst, plan = (float(res[v].sel(cluster=k)) for v in ("installed_racks", "planned_racks"))
    plus = p.solve(apply_changes(base, {f"clusters.{k}": {"installed_racks": inst + 1, "planned_racks": plan + 1}}))
    fd = res.attrs["objective"] - plus.attrs["objective"]
    assert fd == pytest.approx(float(value.sel(cluster=k)), rel=1e-4)


def test_marginal_cost_matches_finite_difference_on_the_reference(reference):
    p, base, res = reference
    """Guangdong's demand × (1 + 1e-4), every class and year: Δz ≈ Σ marginal cost · ΔD · δ_y."""
    r = "guangdong"
    plus = p.solve(apply_changes(base, {"demand.region_scale": {r: 1 + 1e-4}}))
    d = res["demand"].sel(region=r)
    predicted = float((res["marginal_cost"].sel(region=r) * d * 1e-4 * res["discount_factor"]).sum())
    fd = plus.attrs["objective"] - res.attrs["objective"]
    assert fd == pytest.approx(predicted, rel=1e-4)
