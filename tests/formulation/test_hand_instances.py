"""Hand-sized instances whose optimum is worked out in the comments, checked to 1e-6.

Unless said otherwise (tests/tiny.py): PUE 1, 1 kW per rack, no discounting, CRF 1, no transport
or carbon cost, so one rack served for one year at a grid price of p yuan/kWh costs 8760·p yuan.
"""
import numpy as np
import pytest
from tiny import solve_tiny

from model.reports import allocation_table, summary
from model.results import REASON_CAPACITY, REASON_COST, REASON_NO_ARC, REASON_POLICY

Y = 2026
RT = {"rt": {"latency_bound_ms": 5, "realtime": "true"}}


def alloc(res, r, k, w, y=Y):
    return float(res["allocation"].sel(region=r, cluster=k, workload=w, year=y))


def test_capacity_and_latency_bind(tmp_path):
    """Clusters a (0.1 yuan/kWh, 100 racks) and b (0.2 yuan/kWh, 1000 racks); real-time work (≤ 5 ms).
    Latency: r1→a 2 ms, r1→b 3 ms; r2→a 2 ms, r2→b 8 ms (b is not admissible for r2).
    Demand r1 150, r2 60. r2 can only use a: 60 at a. a has 40 left, cheaper than b: r1 40 at a,
    the remaining 110 at b. Cost = 100·876 + 110·1752 = 87 600 + 192 720 = 280 320 yuan.
    Load-weighted latency = (60·2 + 40·2 + 110·3) / 210 = 530/210 ms."""
    res = solve_tiny(tmp_path,
                     clusters={"a": {"installed_racks": 100, "planned_racks": 100},
                               "b": {"installed_racks": 1000, "planned_racks": 1000, "grid_price_yuan_per_kwh": 0.2}},
                     regions={"r1": {}, "r2": {}},
                     demand={("r1", "rt", Y): 150, ("r2", "rt", Y): 60}, workloads=RT,
                     latency={("r1", "a"): 2, ("r1", "b"): 3, ("r2", "a"): 2, ("r2", "b"): 8})
    s = summary(res)
    assert s["status"] == "optimal"
    assert s["objective"] == pytest.approx(280_320, rel=1e-6)
    assert s["costs"]["electricity"] == pytest.approx(280_320, rel=1e-6)
    assert alloc(res, "r2", "a", "rt") == pytest.approx(60, abs=1e-6)
    assert alloc(res, "r1", "a", "rt") == pytest.approx(40, abs=1e-6)
    assert alloc(res, "r1", "b", "rt") == pytest.approx(110, abs=1e-6)
    assert not bool(res["admissible"].sel(region="r2", cluster="b", workload="rt"))
    assert s["unmet"]["total_rack_years"] == pytest.approx(0, abs=1e-6)
    assert s["latency_weighted_ms"]["rt"] == pytest.approx(530 / 210, rel=1e-6)
    assert float(res["utilisation"].sel(cluster="a", year=Y)) == pytest.approx(1.0)
    # the capacity price of a is what one more rack there saves: 1752 − 876 = 876 yuan
    assert float(res["rack_value"].sel(cluster="a", year=Y)) == pytest.approx(876, rel=1e-6)
    table = allocation_table(res)
    assert list(table.columns[:7]) == ["region", "workload", "cluster", "hub", "year", "racks", "latency_ms"]
    assert table["racks"].sum() == pytest.approx(210)


def test_power_binds_and_unmet_is_priced(tmp_path):
    """One cluster with PUE 1.25 and 2 kW racks: 1000 racks need 1000·2·1.25/1000 = 2.5 MW.
    Grid limit 2 MW at 0.1 yuan/kWh, green 0.3 MW available at 0.3 yuan/kWh: 2.3 MW serve 920 racks,
    80 racks are unmet (penalty 100 000 yuan each).
    Cost = 2·8760·1000·0.1 + 0.3·8760·1000·0.3 + 80·100 000 = 1 752 000 + 788 400 + 8 000 000."""
    res = solve_tiny(tmp_path,
                     clusters={"a": {"installed_racks": 2000, "planned_racks": 2000, "pue": 1.25, "grid_limit_mw": 2.0,
                                     "green_avail_mw": 0.3, "green_price_yuan_per_kwh": 0.3}},
                     regions={"r1": {}}, demand={("r1", "w", Y): 1000},
                     workloads={"w": {"kw_per_rack": 2.0}})
    s = summary(res)
    assert s["objective"] == pytest.approx(1_752_000 + 788_400 + 8_000_000, rel=1e-6)
    assert s["costs"]["unmet_penalty"] == pytest.approx(8_000_000, rel=1e-6)
    assert float(res["grid_mw"].sel(cluster="a", year=Y)) == pytest.approx(2.0)
    assert float(res["green_mw"].sel(cluster="a", year=Y)) == pytest.approx(0.3)
    assert alloc(res, "r1", "a", "w") == pytest.approx(920, abs=1e-6)
    assert s["unmet"]["total_rack_years"] == pytest.approx(80, abs=1e-6)
    assert s["unmet"]["by_reason"] == {REASON_CAPACITY: pytest.approx(80, abs=1e-6)}
    # emissions count grid power only: 2 MW · 8760 h · 0.5 t/MWh
    assert s["emissions_tco2"] == pytest.approx(2 * 8760 * 0.5, rel=1e-6)


def test_build_limit_binds_and_builds_are_paid_from_their_year(tmp_path):
    """One cluster, 2 years, 100 racks installed, demand 100 then 150; capex 1000 yuan/rack,
    CRF 1, no discounting: a rack built in 2026 is paid in 2026 and 2027 (2000), one built in 2027
    only in 2027 (1000). At most 30 racks a year: build 30 in 2027 (limit binds) and 20 in 2026.
    Cost = 20·2000 + 30·1000 + 876·(100 + 150) = 70 000 + 219 000 = 289 000."""
    res = solve_tiny(tmp_path,
                     clusters={"a": {"installed_racks": 100, "planned_racks": 200, "build_limit_racks_per_year": 30,
                                     "capex_yuan_per_rack": 1000}},
                     regions={"r1": {}}, demand={("r1", "w", 2026): 100, ("r1", "w", 2027): 150},
                     settings={"years": [2026, 2027]})
    s = summary(res)
    assert s["objective"] == pytest.approx(289_000, rel=1e-6)
    assert s["costs"]["capex"] == pytest.approx(70_000, rel=1e-6)
    np.testing.assert_allclose(res["build"].sel(cluster="a").values, [20, 30], atol=1e-6)
    np.testing.assert_allclose(res["capacity"].sel(cluster="a").values, [120, 150], atol=1e-6)


def test_no_admissible_cluster_is_reported_not_dropped(tmp_path):
    """r2 is 20 ms from the only cluster; its 10 racks of real-time work (≤ 5 ms) are unmet with the
    reason 'no admissible cluster'. Cost = 10·876 (r1) + 10·100 000 (r2 unmet)."""
    res = solve_tiny(tmp_path, clusters={"a": {}}, regions={"r1": {}, "r2": {}},
                     demand={("r1", "rt", Y): 10, ("r2", "rt", Y): 10}, workloads=RT,
                     latency={("r1", "a"): 1, ("r2", "a"): 20})
    s = summary(res)
    assert s["objective"] == pytest.approx(8760 + 1_000_000, rel=1e-6)
    assert s["unmet"]["by_reason"] == {REASON_NO_ARC: pytest.approx(10)}
    assert str(res["unmet_reason"].sel(region="r2", workload="rt", year=Y).item()) == REASON_NO_ARC
    assert float(res["demand"].sum()) == pytest.approx(float(res["served"].sum() + res["unmet"].sum()))


def test_unmet_when_serving_costs_more_than_the_penalty(tmp_path):
    """Penalty 500 yuan/rack-year below the serving cost 876: nothing is served, reason 'costs more'."""
    res = solve_tiny(tmp_path, clusters={"a": {}}, regions={"r1": {}}, demand={("r1", "w", Y): 10},
                     settings={"unmet_penalty_yuan_per_rack_year": 500})
    s = summary(res)
    assert s["objective"] == pytest.approx(5000, rel=1e-6)
    assert s["unmet"]["by_reason"] == {REASON_COST: pytest.approx(10)}


def test_carbon_price_moves_load_to_the_cleaner_grid(tmp_path):
    """Two clusters at 0.1 yuan/kWh, a in a 0.9 t/MWh province, b in a 0.1 t/MWh one, 50 racks each.
    Without a carbon price a and b cost the same; with 100 yuan/t, a rack-year at a costs
    8.76 MWh·0.9·100 = 788.4 more and at b 87.6 more: 50 racks go to b first, 30 to a.
    Emissions = 30·8.76·0.9 + 50·8.76·0.1 = 236.52 + 43.8 t."""
    res = solve_tiny(tmp_path, clusters={"a": {"installed_racks": 50, "planned_racks": 50, "region_id": "dirty"},
                                         "b": {"installed_racks": 50, "planned_racks": 50, "region_id": "clean"}},
                     regions={"dirty": {"co2_t_per_mwh": 0.9}, "clean": {"co2_t_per_mwh": 0.1}},
                     demand={("dirty", "w", Y): 40, ("clean", "w", Y): 40}, settings={"carbon_price_yuan_per_t": 100})
    s = summary(res)
    assert float(res["load"].sel(cluster="b", year=Y)) == pytest.approx(50)
    assert s["emissions_tco2"] == pytest.approx(30 * 8.76 * 0.9 + 50 * 8.76 * 0.1, rel=1e-6)
    assert s["costs"]["carbon"] == pytest.approx(100 * s["emissions_tco2"], rel=1e-6)
    assert s["objective"] == pytest.approx(80 * 876 + 100 * s["emissions_tco2"], rel=1e-6)


def test_utilisation_floor_shortfall_is_priced_and_reported(tmp_path):
    """Floor 65 % of 100 racks, only 50 racks of demand: 15 racks short at 50 000 yuan each."""
    res = solve_tiny(tmp_path, clusters={"a": {}}, regions={"r1": {}}, demand={("r1", "w", Y): 50},
                     scenario={"policy": {"utilisation_floor": 0.65}})
    s = summary(res)
    assert s["policy_shortfalls"]["utilisation_racks"] == pytest.approx(15)
    assert s["objective"] == pytest.approx(50 * 876 + 15 * 50_000, rel=1e-6)
    assert float(res["cost"].sel(cost_term="policy_penalty")) == pytest.approx(15 * 50_000, rel=1e-9)


def test_green_share_buys_green_power(tmp_path):
    """50 racks of 1 kW at PUE 1: 0.05 MW. A 60 % green share needs 0.03 MW green at 0.3 yuan/kWh
    and 0.02 MW grid at 0.1: cost = 0.03·8760·1000·0.3 + 0.02·8760·1000·0.1 = 78 840 + 17 520."""
    res = solve_tiny(tmp_path, clusters={"a": {"green_avail_mw": 1.0, "green_price_yuan_per_kwh": 0.3}},
                     regions={"r1": {}}, demand={("r1", "w", Y): 50}, scenario={"policy": {"min_green_share": 0.6}})
    assert float(res["green_mw"].sel(cluster="a", year=Y)) == pytest.approx(0.03)
    assert summary(res)["objective"] == pytest.approx(78_840 + 17_520, rel=1e-6)


def test_western_share_moves_non_realtime_work_west(tmp_path):
    """East cluster e at 0.1, west cluster wst at 0.2 yuan/kWh; 100 racks of batch work.
    A 40 % western share puts 40 racks west: cost = 60·876 + 40·1752 = 52 560 + 70 080."""
    res = solve_tiny(tmp_path, clusters={"e": {}, "wst": {"hub_id": "h_west", "grid_price_yuan_per_kwh": 0.2}},
                     regions={"r1": {}}, demand={("r1", "w", Y): 100}, scenario={"policy": {"min_west_share": 0.4}})
    assert float(res["load"].sel(cluster="wst", year=Y)) == pytest.approx(40)
    assert summary(res)["objective"] == pytest.approx(52_560 + 70_080, rel=1e-6)


def test_outage_removes_a_cluster_for_its_years(tmp_path):
    """Cheap cluster a is out in 2027: 2026 served at a (876), 2027 at b (1752)."""
    res = solve_tiny(tmp_path, clusters={"a": {}, "b": {"grid_price_yuan_per_kwh": 0.2}}, regions={"r1": {}},
                     demand={("r1", "w", 2026): 10, ("r1", "w", 2027): 10}, settings={"years": [2026, 2027]},
                     scenario={"outages": [{"cluster": "a", "years": [2027]}]})
    assert float(res["load"].sel(cluster="a", year=2027)) == pytest.approx(0, abs=1e-9)
    assert summary(res)["objective"] == pytest.approx(10 * 876 + 10 * 1752, rel=1e-6)


def test_discounting_and_transport(tmp_path):
    """Rate 10 %: 2027 costs are × 1/1.1. Transport: 2 TB/rack-yr × (20 + 10 · route km/1000) yuan/TB,
    route km = 1.0 × great-circle distance; region and cluster 1 degree of latitude apart (111.19 km)."""
    res = solve_tiny(tmp_path, clusters={"a": {"lat": 31.0}}, regions={"r1": {}},
                     demand={("r1", "w", 2026): 10, ("r1", "w", 2027): 10},
                     workloads={"w": {"data_tb_per_rack_year": 2}},
                     settings={"years": [2026, 2027], "discount_rate": 0.1, "transport_yuan_per_tb": 20,
                               "transport_yuan_per_tb_per_1000km": 10})
    km = 6371.0 * np.radians(1.0)
    tau = 2 * (20 + 10 * km / 1000)
    s = summary(res)
    assert s["costs"]["transport"] == pytest.approx(10 * tau * (1 + 1 / 1.1), rel=1e-9)
    assert s["costs"]["electricity"] == pytest.approx(8760 * (1 + 1 / 1.1), rel=1e-9)


def test_green_shortfall_is_priced_per_rack_at_the_clusters_pue(tmp_path):
    """Issue 14: a MW of green shortfall was priced as 400 racks whatever the PUE. 100 racks of
    1 kW at PUE 1.5 draw 0.15 MW; no green power, a 50 % green share: 0.075 MW short. One facility
    MW at PUE 1.5 runs 1000 / (2.5 · 1.5) = 266.67 standard racks, so the penalty is
    50 000 · 0.075 · 266.67 = 1 000 000 yuan (it was 50 000 · 0.075 · 400 = 1 500 000)."""
    res = solve_tiny(tmp_path, clusters={"a": {"pue": 1.5}}, regions={"r1": {}}, demand={("r1", "w", Y): 100},
                     scenario={"policy": {"min_green_share": 0.5}})
    assert float(res["green_shortfall_mw"].sel(cluster="a", year=Y)) == pytest.approx(0.075, rel=1e-9)
    assert float(res["cost"].sel(cost_term="policy_penalty")) == pytest.approx(1_000_000, rel=1e-9)
    assert res.attrs["objective"] == pytest.approx(0.15 * 8_760_000 * 0.1 + 1_000_000, rel=1e-9)


# -- unmet reasons under a binding hard policy row (issue 14) -------------------------------------
CAP_T = 60 * 8.76 * 0.9  # the grid power of 60 racks of 1 kW at a (0.9 tCO2/MWh), one year


def test_unmet_held_back_by_a_binding_carbon_budget(tmp_path):
    """a has 100 racks, 1 000 MW of grid and no green power; the carbon budget allows 60 racks'
    grid power: 40 racks are unmet although a has room. Reason: the hard policy limit, not cost
    (serving costs 876 < penalty 100 000) and not capacity (racks and grid connection are free).
    Without the budget everything is served."""
    clusters = {"a": {"region_id": "dirty"}}
    regions = {"dirty": {"co2_t_per_mwh": 0.9}}
    res = solve_tiny(tmp_path / "cap", clusters=clusters, regions=regions, demand={("dirty", "w", Y): 100},
                     scenario={"policy": {"emission_cap_t": CAP_T}})
    s = summary(res)
    assert s["unmet"]["total_rack_years"] == pytest.approx(40, rel=1e-9)
    assert s["unmet"]["by_reason"] == {REASON_POLICY: pytest.approx(40, rel=1e-9)}
    free = solve_tiny(tmp_path / "free", clusters=clusters, regions=regions, demand={("dirty", "w", Y): 100})
    assert summary(free)["unmet"]["total_rack_years"] == pytest.approx(0, abs=1e-9)


def test_carbon_budget_is_not_blamed_where_a_clean_cluster_could_serve_at_a_cost(tmp_path):
    """As above, but a clean cluster b (0 tCO2/MWh, 1 000 free racks) is also admissible; its power
    costs 5 yuan/kWh = 43 800 per rack-year, above the unmet penalty of 30 000. The budget does not
    limit b, so the 40 unmet racks are blamed on cost."""
    res = solve_tiny(tmp_path, clusters={"a": {"region_id": "dirty"},
                                         "b": {"region_id": "clean", "installed_racks": 1000, "planned_racks": 1000,
                                               "grid_price_yuan_per_kwh": 5.0}},
                     regions={"dirty": {"co2_t_per_mwh": 0.9}, "clean": {"co2_t_per_mwh": 0.0}},
                     demand={("dirty", "w", Y): 100}, settings={"unmet_penalty_yuan_per_rack_year": 30_000},
                     scenario={"policy": {"emission_cap_t": CAP_T}})
    s = summary(res)
    assert float(res["load"].sel(cluster="b", year=Y)) == pytest.approx(0, abs=1e-9)
    assert s["unmet"]["by_reason"] == {REASON_COST: pytest.approx(40, rel=1e-9)}
