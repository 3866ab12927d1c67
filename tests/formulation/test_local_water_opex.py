"""Hand instances for issue 10: the provinces' own stock (local.csv), its retirement, the yearly
water limit of a cluster, and the operating cost per occupied rack. Defaults of tiny.py: PUE 1,
1 kW per rack, no discounting, no transport or carbon cost, so a rack-year costs 8760 kWh × price."""
import pytest
from tiny import scenario_file, solve_tiny, write_dataset

from model.inputs.scenario import load_scenario
from model.results import REASON_CAPACITY, REASON_WATER


def solve(tmp_path, clusters, demand, workloads=None, settings=None, **kw):
    """One province r1 (tiny.solve_tiny; ``local``: its own stock)."""
    return solve_tiny(tmp_path, clusters, {"r1": {}}, demand, workloads=workloads, settings=settings, **kw)


RT = {"rt": {"latency_bound_ms": 5.0, "realtime": "true"}}


def test_local_stock_serves_realtime_work_when_no_cluster_is_admissible(tmp_path):
    # the only cluster is 10 ms away (bound 5 ms); r1's own stock is 1 ms away with 100 racks at 0.2 yuan/kWh:
    # the 50 racks are served locally for 50 × 8760 × 0.2 = 87,600 yuan, none unmet
    res = solve(tmp_path, {"k": {}}, {("r1", "rt", 2026): 50.0}, RT, local={"r1": {}}, latency={("r1", "k"): 10.0})
    assert float(res["local_served"].sum()) == pytest.approx(50.0)
    assert float(res["allocation"].sum()) == pytest.approx(0.0)
    assert float(res["unmet"].sum()) == pytest.approx(0.0, abs=1e-6)
    assert res.attrs["objective"] == pytest.approx(87_600.0, rel=1e-9)
    cost = dict(zip(res.cost_term.values, res["cost"].values))
    assert cost["local_electricity"] == pytest.approx(87_600.0, rel=1e-9)
    assert cost["local_opex"] == cost["local_carbon"] == cost["local_capex"] == pytest.approx(0.0, abs=1e-9)
    assert float(res["local_energy_mwh"].sum()) == pytest.approx(50 * 8.76)
    # without local.csv the same demand is unmet with the reason "no admissible cluster" (the old answer)
    plain = solve(tmp_path / "plain", {"k": {}}, {("r1", "rt", 2026): 50.0}, RT, latency={("r1", "k"): 10.0})
    assert float(plain["unmet"].sum()) == pytest.approx(50.0)


def test_local_costs_and_latency_by_hand(tmp_path):
    # opex 3,000 per occupied rack-year, carbon 100 yuan/t at 0.5 t/MWh (r1): 50 racks cost
    # local_electricity 87,600 + local_opex 150,000 + local_carbon 50 × 8.76 MWh × 0.5 × 100 = 21,900
    res = solve(tmp_path, {"k": {}}, {("r1", "rt", 2026): 50.0}, RT, {"carbon_price_yuan_per_t": 100.0},
                local={"r1": {"opex_yuan_per_rack_year": 3000.0}}, latency={("r1", "k"): 10.0})
    cost = dict(zip(res.cost_term.values, res["cost"].values))
    assert cost["local_opex"] == pytest.approx(150_000.0) and cost["local_carbon"] == pytest.approx(21_900.0)
    assert float(res["local_emissions_t"].sum()) == pytest.approx(219.0)
    # local_latency: a stock 6 ms from its users is beyond the 5 ms bound, so the work is unmet
    far = solve(tmp_path / "far", {"k": {}}, {("r1", "rt", 2026): 50.0}, RT, local={"r1": {"latency_ms": 6.0}},
                latency={("r1", "k"): 10.0})
    assert float(far["local_served"].sum()) == pytest.approx(0.0, abs=1e-9)
    assert str(far["unmet_reason"].sel(region="r1", workload="rt", year=2026).item()) == "no admissible cluster within the latency bound"


def test_retirement_reduces_local_capacity_on_schedule(tmp_path):
    # 100 racks retiring 25 % of the first-year stock per year: 100, 75, 50 racks in 2026-28. Demand 80 a
    # year that no cluster can serve and no growth allowed: served 80, 75, 50; unmet 0, 5, 30, "full"
    years = {"years": [2026, 2027, 2028]}
    demand = {("r1", "rt", y): 80.0 for y in (2026, 2027, 2028)}
    res = solve(tmp_path, {"k": {}}, demand, RT, years, local={"r1": {"retire_share_per_year": 0.25}},
                latency={("r1", "k"): 10.0})
    assert res["local_capacity"].sel(region="r1").values.tolist() == pytest.approx([100, 75, 50])
    assert res["local_served"].sum("workload").sel(region="r1").values.tolist() == pytest.approx([80, 75, 50])
    assert res["unmet"].sel(region="r1", workload="rt").values.tolist() == pytest.approx([0, 5, 30], abs=1e-6)
    assert str(res["unmet_reason"].sel(region="r1", workload="rt", year=2028).item()) == REASON_CAPACITY
    # a growth limit of 10 racks a year (capex 0, built from 2026): 110, 95, 80 racks, so all 80 are served
    grow = solve(tmp_path / "grow", {"k": {}}, demand, RT, years,
                 local={"r1": {"retire_share_per_year": 0.25, "build_limit_racks_per_year": 10.0}}, latency={("r1", "k"): 10.0})
    assert grow["local_served"].sum("workload").sel(region="r1").values.tolist() == pytest.approx([80, 80, 80])
    assert grow["local_capacity"].sel(region="r1").values.tolist()[-1] == pytest.approx(80.0)
    assert float(grow["local_build"].max()) <= 10.0 + 1e-9  # local_build_limit
    # local_capex: 30 racks built at 1,000 yuan (CRF 1, no discounting) are paid in the years after
    # each build: a build in year y' costs 1,000 × (number of years y ≥ y')
    paid = solve(tmp_path / "paid", {"k": {}}, demand, RT, years,
                 local={"r1": {"retire_share_per_year": 0.25, "build_limit_racks_per_year": 10.0, "capex_yuan_per_rack": 1000.0}},
                 latency={("r1", "k"): 10.0})
    b = paid["local_build"].sel(region="r1").values
    # 2028 needs 30 racks over the retired 50, at most 10 a year: built 10, 10, 10 (the only way)
    assert b.tolist() == pytest.approx([10, 10, 10], abs=1e-6)
    assert float(paid["cost"].sel(cost_term="local_capex")) == pytest.approx(1000 * (10 * 3 + 10 * 2 + 10 * 1))


def test_water_limit_binds_and_its_reason_shows(tmp_path):
    # WUE 2 L/kWh, 1 kW racks: 8760 kWh × 2 L = 17.52 m³ per rack-year. A limit of 525.6 m³ allows 30 of
    # the 50 racks of demand although the cluster has 100 racks; the other 20 are unmet "at their water limit"
    res = solve(tmp_path, {"k": dict(wue_l_per_kwh=2.0, water_limit_m3_per_year=525.6)}, {("r1", "w", 2026): 50.0})
    assert float(res["allocation"].sum()) == pytest.approx(30.0)
    assert float(res["water_m3"].sum()) == pytest.approx(525.6)
    assert float(res["unmet"].sum()) == pytest.approx(20.0)
    assert str(res["unmet_reason"].sel(region="r1", workload="w", year=2026).item()) == REASON_WATER
    # a scenario can lift the limit: then all 50 are served and 876 m³ used
    free = solve(tmp_path / "free", {"k": dict(wue_l_per_kwh=2.0, water_limit_m3_per_year=525.6)},
                 {("r1", "w", 2026): 50.0}, scenario={"clusters": {"k": {"water_limit_m3_per_year": 1e9}}})
    assert float(free["water_m3"].sum()) == pytest.approx(876.0)


def test_operating_cost_moves_flexible_work(tmp_path):
    # east power 0.10, west 0.11 yuan/kWh: without opex the 10 racks go east (8,760 yuan); an eastern opex of
    # 1,000 yuan per occupied rack-year (> 8760 × 0.01 = 87.6 saved on power) moves them west: 10 × 963.6
    clusters = {"east": dict(grid_price_yuan_per_kwh=0.10), "west": dict(hub_id="h_west", grid_price_yuan_per_kwh=0.11)}
    demand = {("r1", "w", 2026): 10.0}
    before = solve(tmp_path, clusters, demand)
    assert float(before["load"].sel(cluster="east", year=2026)) == pytest.approx(10.0)
    after = solve(tmp_path / "opex", {**clusters, "east": dict(grid_price_yuan_per_kwh=0.10, opex_yuan_per_rack_year=1000.0)}, demand)
    assert float(after["load"].sel(cluster="west", year=2026)) == pytest.approx(10.0)
    assert after.attrs["objective"] == pytest.approx(9_636.0, rel=1e-9)
    assert float(after["cost"].sel(cost_term="opex")) == pytest.approx(0.0, abs=1e-6)


def test_latency_layer_picks_its_calibration(tmp_path):
    """optical: route_factor 1.0 (tiny default); ip: route_factor_ip; target: 1.5 × theoretical. A
    cluster 300 km away: optical 1.5 ms, ip 2.0 × 300 / 200 + 0.5 = 3.5 ms, target 2.25 ms."""
    from model.errors import InputError
    from model.inputs import build_inputs
    from model.inputs.dataset import load_dataset
    from model.inputs.latency import great_circle_km

    km = float(great_circle_km(30.0, 110.0, 30.0 + 300 / 111.195, 110.0))
    ds = write_dataset(tmp_path / "d", {"k": {"lat": 30.0 + 300 / 111.195}}, {"r1": {}}, {("r1", "w", 2026): 1.0},
                       settings={"route_factor_ip": 2.0, "latency_overhead_ms_ip": 0.5, "route_factor_target": 1.5})
    lat = {layer: float(build_inputs(load_scenario(scenario_file(tmp_path, ds, {"latency_layer": layer})),
                                     load_dataset(ds))["latency_ms"].item()) for layer in ("optical", "ip", "target")}
    assert lat == pytest.approx({"optical": km / 200, "ip": 0.5 + 2.0 * km / 200, "target": 1.5 * km / 200})
    bare = write_dataset(tmp_path / "bare", {"k": {}}, {"r1": {}}, {("r1", "w", 2026): 1.0})
    with pytest.raises(InputError, match="field 'route_factor_ip': missing setting"):
        build_inputs(load_scenario(scenario_file(tmp_path, bare, {"latency_layer": "ip"}, name="b.yaml")), load_dataset(bare))


def test_class_eflops_sets_the_ai_path_in_compute(tmp_path):
    # 10 racks of a class at 2 PFLOPS per rack make 0.02 EFLOPS; a path of 0.04 EFLOPS doubles them to 20
    res = solve(tmp_path, {"k": {}}, {("r1", "ai", 2026): 10.0}, {"ai": {"pflops_per_rack": 2.0}},
                scenario={"demand": {"class_eflops": {"ai": {2026: 0.04}}}})
    assert float(res["demand"].sum()) == pytest.approx(20.0)
    assert float(res["eflops"].sum()) == pytest.approx(0.04)
