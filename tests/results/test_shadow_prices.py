"""Shadow prices match finite differences: re-solve with one more rack / one more MW.

Sign convention (model/results/shadow.py): rack_value and mw_value are savings (positive = the
objective falls with one more unit); marginal_cost is a cost."""
import pytest
from tiny import solve_tiny

from model.inputs.scenario import apply_changes, load_scenario
from model.reports import summary
from model.run import Planner

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


def test_mw_value_is_zero_where_the_grid_sits_at_its_lower_bound(tmp_path):
    """Issue 14: green power (0.05 yuan/kWh, 1 000 MW available) is cheaper than grid (0.1), so
    grid = 0 at its lower bound and one more MW of grid connection changes nothing. The grid
    column's reduced cost is +438 000 yuan/MW-yr (the price gap × 8 760 000 kWh), which used to be
    reported as mw_value = −438 000."""
    a = {"installed_racks": 1000, "planned_racks": 1000, "green_avail_mw": 1000, "green_price_yuan_per_kwh": 0.05}
    res = solve_tiny(tmp_path / "base", clusters={"a": a}, regions={"r1": {}}, demand={("r1", "w", Y): 80})
    plus = solve_tiny(tmp_path / "plus", clusters={"a": {**a, "grid_limit_mw": 1001}}, regions={"r1": {}},
                      demand={("r1", "w", Y): 80})
    assert float(res["grid_mw"].sel(cluster="a", year=Y)) == 0
    assert res.attrs["objective"] - plus.attrs["objective"] == 0
    assert float(res["mw_value"].sel(cluster="a", year=Y)) == 0


N1_A = {}  # 100 racks at 0.1 yuan/kWh: 876 yuan per rack-year
N1_B = {"installed_racks": 50, "planned_racks": 50, "grid_price_yuan_per_kwh": 0.2}


def _n1(tmp, a=None, b=None):
    return solve_tiny(tmp, clusters={"a": {**N1_A, **(a or {})}, "b": {**N1_B, **(b or {})}}, regions={"r1": {}},
                      demand={("r1", "w", Y): 80}, scenario={"policy": {"n_minus_1": True}})


def test_rack_value_under_n_minus_1_counts_the_spare_rows(tmp_path):
    """a (100 racks, 876 yuan/rack-yr) serves all 80 racks; b (50 racks, 1 752) is idle. If a
    fails, b's 50 spare racks take 50 and 30 are an N-1 shortfall at P = 50 000 each: 80 · 876 +
    1 500 000 = 1 570 080. One more rack at b saves one shortfall rack, 50 000; one more at a saves
    nothing (b failing strands nothing). Without the N-1 spare rows rack_value[b] was 0.
    The cost of resilience is 1 500 000, all of it shortfall penalty (the plan is the same)."""
    res = _n1(tmp_path / "base")
    assert res.attrs["objective"] == pytest.approx(1_570_080, rel=1e-9)
    plus_b = _n1(tmp_path / "b", b={"installed_racks": 51, "planned_racks": 51})
    plus_a = _n1(tmp_path / "a", a={"installed_racks": 101, "planned_racks": 101})
    assert res.attrs["objective"] - plus_b.attrs["objective"] == pytest.approx(50_000, rel=1e-9)
    assert float(res["rack_value"].sel(cluster="b", year=Y)) == pytest.approx(50_000, rel=1e-9)
    assert res.attrs["objective"] - plus_a.attrs["objective"] == pytest.approx(0, abs=1e-6)
    assert float(res["rack_value"].sel(cluster="a", year=Y)) == pytest.approx(0, abs=1e-6)
    r = summary(res)["resilience"]
    assert r["cost_of_resilience"] == pytest.approx(1_500_000, rel=1e-9)
    assert r["cost_of_resilience_split"] == pytest.approx(
        {"investment_and_operating": 0, "n1_shortfall_penalty": 1_500_000, "other_penalties": 0}, abs=1e-6)


def test_mw_value_under_n_minus_1_counts_the_spare_power_rows(tmp_path):
    """b now has 1 000 racks but a 0.05 MW grid connection: if a fails, b can take 50 racks (1 kW,
    PUE 1) and 30 are short. One more MW at b would take 1 000 more: 1 000 · 50 000 = 5·10⁷ per
    MW-yr at the margin (the re-solve uses +0.01 MW: 10 racks, 500 000 yuan). b's own grid draw is 0
    (at its lower bound), so the whole value comes from the N-1 spare-power rows."""
    b = {"installed_racks": 1000, "planned_racks": 1000, "grid_limit_mw": 0.05}
    res = _n1(tmp_path / "base", b=b)
    plus = _n1(tmp_path / "plus", b={**b, "grid_limit_mw": 0.06})
    assert res.attrs["objective"] == pytest.approx(1_570_080, rel=1e-9)
    assert res.attrs["objective"] - plus.attrs["objective"] == pytest.approx(500_000, rel=1e-9)
    assert float(res["mw_value"].sel(cluster="b", year=Y)) == pytest.approx(5e7, rel=1e-9)
    assert float(res["mw_value"].sel(cluster="a", year=Y)) == pytest.approx(0, abs=1e-6)
    assert float(res["rack_value"].sel(cluster="b", year=Y)) == pytest.approx(0, abs=1e-6)


@pytest.fixture(scope="module", params=[False, pytest.param(True, marks=pytest.mark.slow)], ids=["plain", "n-1"])
def reference(request):
    """The reference, and the reference under N-1 (whose spare rows the values must include)."""
    p = Planner()
    base = apply_changes(load_scenario("data/scenarios/reference.yaml"), {"policy.n_minus_1": request.param})
    return p, base, p.solve(base, resilience_cost=False)


def _solve(p, sc):
    return p.solve(sc, resilience_cost=False).attrs["objective"]


def test_rack_value_matches_finite_difference_on_the_reference(reference):
    """Σ_y δ_y · rack_value[k,y] = the saving of one more installed (and planned) rack at k in every
    year, for the most valuable cluster, wuhu (issue 14: under N-1 its 2030 value was reported as
    −2 702 against +10 869 by the issue's finite difference; it now reports 10 869.4) and zhangjiakou (negative under N-1: the
    utilisation floor makes its extra rack a cost). Not qingyang: every installed rack there is fitted for
    AI, so its general_capacity rows have right-hand side 0 at a degenerate vertex, where HiGHS's dual
    is one subgradient (110,418 on the reference since local_ai_capacity) and +1 rack the right
    derivative (102,765 for steps 0.1 to 10). Where the rack's value has a kink the dual is a subgradient:
    it lies between the saving of one rack more and the cost of one rack less (wuhu under N-1 since
    local_ai_capacity: 142,320 right, 142,531 left and dual)."""
    p, base, res = reference
    value = (res["rack_value"] * res["discount_factor"]).sum("year")  # discounted, every year
    value = value.where(res["installed_racks"] > res["installed_ai_racks"].fillna(0), drop=True)  # clusters with general racks
    best = str(value.idxmax("cluster").item())
    assert float(value.sel(cluster=best)) > 0
    z = res.attrs["objective"]
    for k in dict.fromkeys([best, "wuhu", "zhangjiakou"]):
        inst, plan = (float(res[v].sel(cluster=k)) for v in ("installed_racks", "planned_racks"))

        def moved(d, k=k, inst=inst, plan=plan):
            return _solve(p, apply_changes(base, {f"clusters.{k}": {"installed_racks": inst + d, "planned_racks": plan + d}}))
        v, right = float(value.sel(cluster=k)), z - moved(1)
        if right != pytest.approx(v, rel=1e-6, abs=1e-3):  # a kink: the dual lies between the one-sided values
            left, tol = moved(-1) - z, 1e-6 * abs(v) + 1e-3
            assert min(left, right) - tol <= v <= max(left, right) + tol, (k, right, left, v)


def test_mw_value_matches_finite_difference_on_the_reference(reference):
    """No grid connection binds in the reference: one more MW anywhere saves nothing, and mw_value
    is 0 (issue 14: qingyang was reported at −681 459 yuan/MW-yr). Capping the cluster that draws the
    most grid at 80 % of its peak makes the limit bind; +0.01 MW then saves Σ_y δ_y · mw_value · 0.01.
    (A shadow price holds up to the next breakpoint: with a value of lost load per class, +0.1 MW at
    zhangjiakou already moves 2030 work past one and saves 0.04 % less per MW.)"""
    p, base, res = reference
    df = res["discount_factor"]
    for k in ("qingyang", "wuhu", "zhangjiakou"):
        g = float(res["grid_limit_mw"].sel(cluster=k))
        assert _solve(p, apply_changes(base, {f"clusters.{k}.grid_limit_mw": g + 1})) == pytest.approx(
            res.attrs["objective"], rel=1e-12), k
        assert float(abs(res["mw_value"].sel(cluster=k)).max()) < 1e-6, k
    peak = res["grid_mw"].max("year")
    k = str(peak.idxmax("cluster").item())
    limit = 0.8 * float(peak.sel(cluster=k))
    tight = apply_changes(base, {f"clusters.{k}.grid_limit_mw": limit})
    r = p.solve(tight, resilience_cost=False)
    value = float((r["mw_value"] * df).sum("year").sel(cluster=k))
    fd = (r.attrs["objective"] - _solve(p, apply_changes(tight, {f"clusters.{k}.grid_limit_mw": limit + 0.01}))) / 0.01
    assert value > 1e5 and fd == pytest.approx(value, rel=1e-6)


def test_marginal_cost_matches_finite_difference_on_the_reference(reference):
    """Guangdong's demand × (1 + 1e-4), every class and year: Δz ≈ Σ marginal cost · ΔD · δ_y."""
    p, base, res = reference
    r = "guangdong"
    plus = p.solve(apply_changes(base, {"demand.region_scale": {r: 1 + 1e-4}}), resilience_cost=False)
    d = res["demand"].sel(region=r)
    predicted = float((res["marginal_cost"].sel(region=r) * d * 1e-4 * res["discount_factor"]).sum())
    fd = plus.attrs["objective"] - res.attrs["objective"]
    assert fd == pytest.approx(predicted, rel=1e-4)
