"""Hand instances for issue 18: builds chosen by economics (the plan is not a ceiling), fixed and
variable opex with early retirement, the fill-up ramp, and unmet work emitting at the fallback
factor. Defaults of tiny.py: PUE 1, 1 kW per rack, no discounting, CRF 1, so a rack-year at a
cluster costs 8760 kWh × 0.1 yuan = 876 yuan of electricity."""
import pandas as pd
import pytest
from tiny import LOCAL, scenario_file, solve_tiny, write_dataset

from model.inputs.scenario import load_scenario
from model.results import REASON_CAPACITY, REASON_COST, REASON_RATE
from model.run import solve_scenario


def solve(tmp_path, clusters, demand, settings=None, workloads=None, **kw):
    """One province r1 (tiny.solve_tiny; ``local``: its own stock)."""
    return solve_tiny(tmp_path, clusters, {"r1": {}}, demand, workloads=workloads, settings=settings, **kw)


def costs(res) -> dict[str, float]:
    return dict(zip(res.cost_term.values.tolist(), res["cost"].values.tolist()))


ABOVE = {"k": {"installed_racks": 100.0, "planned_racks": 150.0, "build_limit_racks_per_year": 1000.0,
               "capex_yuan_per_rack": 1000.0}}
ECONOMICS = {"site_potential_share_of_plan": 2.0, "above_plan_capex_premium": 0.5}


def test_a_build_above_the_plan_pays_the_higher_cost(tmp_path):
    # demand 200, installed 100, plan 150, potential 2 × 150 = 300: build 100 racks, 50 within the plan
    # at 1,000 and 50 beyond it at 1,000 × 1.5. capex 100 × 1,000 = 100,000; capex_above_plan 50 × 500
    # = 25,000; electricity 200 × 876 = 175,200; objective 300,200 — cheaper than 50 unmet × 100,000
    res = solve(tmp_path, ABOVE, {("r1", "w", 2026): 200.0}, ECONOMICS)
    assert float(res["build"].sum()) == pytest.approx(100.0)
    assert float(res["build_above_plan"].sum()) == pytest.approx(50.0)
    assert float(res["plan_vs_optimum"].sel(cluster="k")) == pytest.approx(50.0)
    c = costs(res)
    assert c["capex"] == pytest.approx(100_000.0) and c["capex_above_plan"] == pytest.approx(25_000.0)
    assert res.attrs["objective"] == pytest.approx(300_200.0, rel=1e-9)
    # build_potential: demand 350 needs 250 new racks, the site holds 200 more: 50 unmet, reason capacity
    full = solve(tmp_path / "full", ABOVE, {("r1", "w", 2026): 350.0}, ECONOMICS)
    assert float(full["build"].sum()) == pytest.approx(200.0)
    assert float(full["unmet"].sum()) == pytest.approx(50.0)
    assert str(full["unmet_reason"].sel(region="r1", workload="w", year=2026).item()) == REASON_CAPACITY
    # a premium above the unmet penalty: the racks beyond the plan are not worth building
    dear = solve(tmp_path / "dear", ABOVE, {("r1", "w", 2026): 200.0},
                 {**ECONOMICS, "above_plan_capex_premium": 10.0, "unmet_penalty_yuan_per_rack_year": 5000.0})
    assert float(dear["build"].sum()) == pytest.approx(50.0)
    assert float(dear["unmet"].sum()) == pytest.approx(50.0)


def test_without_the_settings_the_plan_is_the_ceiling(tmp_path):
    # a dataset without site_potential_share_of_plan keeps the old model: potential = plan
    res = solve(tmp_path, ABOVE, {("r1", "w", 2026): 200.0})
    assert float(res["build"].sum()) == pytest.approx(50.0)
    assert float(res["unmet"].sum()) == pytest.approx(50.0)


def test_early_retirement_saves_the_fixed_opex(tmp_path):
    # 100 racks installed, opex 1,000 a rack-year, 60 % of it fixed (600 per rack in service), demand 40:
    # retiring the 60 idle racks saves 60 × 600 = 36,000 (opex_fixed = −36,000); the variable part is
    # 40 × 400 = 16,000; the installed stock's fixed opex, 100 × 600 = 60,000, is sunk (outside the objective)
    res = solve(tmp_path, {"k": {"opex_yuan_per_rack_year": 1000.0}}, {("r1", "w", 2026): 40.0},
                {"fixed_opex_share": 0.6})
    assert float(res["retire"].sum()) == pytest.approx(60.0)
    assert float(res["capacity"].sum()) == pytest.approx(40.0)
    assert float(res["idle"].sum()) == pytest.approx(0.0, abs=1e-6)
    c = costs(res)
    assert c["opex_fixed"] == pytest.approx(-36_000.0) and c["opex"] == pytest.approx(16_000.0)
    assert float(res["sunk_cost"].sel(sunk_term="opex_fixed_installed")) == pytest.approx(60_000.0)
    assert res.attrs["objective"] == pytest.approx(40 * 876 + 16_000 - 36_000, rel=1e-9)
    # without a fixed share nothing is retired and the idle racks are reported
    keep = solve(tmp_path / "keep", {"k": {"opex_yuan_per_rack_year": 1000.0}}, {("r1", "w", 2026): 40.0})
    assert float(keep["retire"].sum()) == pytest.approx(0.0, abs=1e-6)
    assert float(keep["idle"].sum()) == pytest.approx(60.0)


def test_the_provinces_idle_stock_is_retired_too(tmp_path):
    # r1's own stock of 100 racks (opex 1,000, 60 % fixed) serves 30 racks of work no cluster can reach:
    # 70 racks are retired, saving 70 × 600 = 42,000 (local_opex_fixed = −42,000)
    res = solve(tmp_path, {"k": {}}, {("r1", "rt", 2026): 30.0}, {"fixed_opex_share": 0.6},
                {"rt": {"latency_bound_ms": 5.0, "realtime": "true"}},
                local={"r1": {"opex_yuan_per_rack_year": 1000.0}}, latency={("r1", "k"): 10.0})
    assert float(res["local_retire"].sum()) == pytest.approx(70.0)
    assert costs(res)["local_opex_fixed"] == pytest.approx(-42_000.0)
    assert float(res["sunk_cost"].sel(sunk_term="local_opex_fixed_existing")) == pytest.approx(60_000.0)


def test_racks_fill_up_over_time(tmp_path):
    # installed 100 racks hold 70 in the first year (fill_installed_first_year 0.7); demand 100 needs 30 more,
    # and a new rack holds 0.5 in its first year: build 60 racks (capex 1,000 each: 60,000). Occupancy 100 / 160
    res = solve(tmp_path, {"k": {"installed_racks": 100.0, "planned_racks": 1000.0, "build_limit_racks_per_year": 1000.0,
                                 "capex_yuan_per_rack": 1000.0}},
                {("r1", "w", 2026): 100.0},
                {"fill_installed_first_year": 0.7, "fill_new_first_year": 0.5, "fill_gain_per_year": 0.2, "fill_max": 0.9})
    assert float(res["build"].sum()) == pytest.approx(60.0)
    assert float(res["occupiable"].sum()) == pytest.approx(100.0)
    assert float(res["utilisation"].sum()) == pytest.approx(100 / 160)
    assert costs(res)["capex"] == pytest.approx(60_000.0)


def test_unmet_work_emits_at_the_fallback_factor(tmp_path):
    # 10 racks of real-time work with no cluster within 5 ms are served outside the plan at
    # 0.5 t/MWh and PUE 1.5: 10 × 8.76 MWh × 1.5 × 0.5 = 65.7 t, priced at 100 yuan/t = 6,570
    res = solve(tmp_path, {"k": {}}, {("r1", "rt", 2026): 10.0},
                {"fallback_co2_t_per_mwh": 0.5, "fallback_pue": 1.5, "carbon_price_yuan_per_t": 100.0},
                {"rt": {"latency_bound_ms": 5.0, "realtime": "true"}}, latency={("r1", "k"): 10.0})
    assert float(res["unmet_emissions_t"].sum()) == pytest.approx(65.7)
    assert float(res["total_emissions_t"].sum()) == pytest.approx(65.7)
    assert costs(res)["unmet_carbon"] == pytest.approx(6_570.0)
    assert float(res["unmet_share"].sel(year=2026)) == pytest.approx(1.0)


def test_dropping_work_does_not_cut_co2(tmp_path):
    # a cluster at 0.5 t/MWh (PUE 1) emits 4.38 t per rack-year, the fallback (0.5 t/MWh, PUE 1.5) 6.57:
    # 100 racks served emit 438 t. Under a budget of 438.5 t all are served; under 400 t, dropping 9 racks
    # would have "met" the budget when unmet work was free of carbon — now every rack dropped emits more,
    # so the budget cannot be met (infeasible, the honest answer)
    clusters = {"k": {"installed_racks": 100.0}}
    settings = {"fallback_co2_t_per_mwh": 0.5, "fallback_pue": 1.5}
    ok = solve(tmp_path, clusters, {("r1", "w", 2026): 100.0}, settings, scenario={"policy": {"emission_cap_t": 438.5}})
    assert float(ok["unmet"].sum()) == pytest.approx(0.0, abs=1e-6)
    tight = solve(tmp_path / "tight", clusters, {("r1", "w", 2026): 100.0}, settings,
                  scenario={"policy": {"emission_cap_t": 400.0}})
    assert tight.attrs["status"] != "Optimal"


def test_the_decision_families_are_in_the_lp(tmp_path):
    from model.formulation import build_lp
    from model.inputs import build_inputs
    from model.inputs.dataset import load_dataset
    from model.inputs.scenario import scenario_from_dict

    ds = write_dataset(tmp_path / "data", ABOVE, {"r1": {}}, {("r1", "w", 2026): 1.0}, None, ECONOMICS)
    pd.DataFrame([{"region_id": "r1", **LOCAL}]).to_csv(ds / "local.csv", index=False)
    lp = build_lp(build_inputs(scenario_from_dict({"name": "x"}), load_dataset(ds)))
    rows, cost_terms = {rb.name for rb in lp.rows}, {c.name for c in lp.costs}
    assert {"build_plan", "above_plan_within_build", "retire_limit", "local_retire_limit"} <= rows
    assert {"capex_above_plan", "opex_fixed", "unmet_carbon", "local_opex_fixed"} <= cost_terms


def test_a_provinces_idle_stock_serves_another_provinces_ai_training(tmp_path):
    # r1 has no stock and the only cluster has no racks; r2 (10° north) has 100 idle racks at 0.2 yuan/kWh.
    # r1's 50 racks of AI training (no latency bound, 10 TB a rack-year) run in r2's stock on the national
    # market (family remote_operation): electricity 8760 × 0.2 = 1,752 plus transport 10 TB × (20 + 10 ×
    # d / 1000) yuan, d = 1,111.95 km: 311.195, so 50 × 2,063.195 = 103,159.75. r1's 10 racks of real-time
    # work cannot go (real-time stays in its province): unmet, no admissible supplier
    from model.inputs.latency import great_circle_km

    ds = write_dataset(tmp_path / "data", {"k": {"installed_racks": 0.0, "planned_racks": 0.0}},
                       {"r1": {}, "r2": {"lat": 40.0}}, {("r1", "ai", 2026): 50.0, ("r1", "rt", 2026): 10.0},
                       {"ai": {"data_tb_per_rack_year": 10.0}, "rt": {"latency_bound_ms": 5.0, "realtime": "true"}},
                       {"transport_yuan_per_tb": 20.0, "transport_yuan_per_tb_per_1000km": 10.0})
    pd.DataFrame([{"region_id": "r1", **LOCAL, "existing_racks": 0.0},
                  {"region_id": "r2", **LOCAL, "latency_ms": 1.0}]).to_csv(ds / "local.csv", index=False)
    res = solve_scenario(load_scenario(scenario_file(tmp_path, ds)))
    assert float(res["remote_served"].sel(region="r1", stock="r2", workload="ai", year=2026)) == pytest.approx(50.0)
    d = float(great_circle_km(30.0, 110.0, 40.0, 110.0))
    assert d == pytest.approx(1111.95, abs=0.01)
    assert costs(res)["remote_operation"] == pytest.approx(50 * (1752 + 10 * (20 + 10 * d / 1000)), rel=1e-9)
    assert float(res["unmet"].sel(region="r1", workload="rt").sum()) == pytest.approx(10.0)
    assert float(res["local_idle"].sel(region="r2", year=2026)) == pytest.approx(50.0)
    # the emissions belong to the host: 50 × 8.76 MWh × 0.5 t/MWh = 219 t at r2
    assert float(res["local_emissions_t"].sel(region="r2").sum()) == pytest.approx(219.0)
    assert costs(res)["remote_carbon"] == pytest.approx(0.0)  # no carbon price in tiny.py
    assert float(res["local_served"].sel(region="r1", workload="ai").sum()) == pytest.approx(50.0)


def test_a_rack_paid_this_year_serves_from_next_year(tmp_path):
    # build_lead_years 1: 100 installed racks, demand 150 in 2026 and 2027. A rack paid in 2026 serves
    # from 2027, so 2026's extra 50 are unmet (clusters full: no build can serve that year) and 50 racks
    # are paid in 2026 for 2027 (capex 1,000 × 2 annuities, no discounting: 100,000)
    res = solve(tmp_path, {"k": {"planned_racks": 1000.0, "build_limit_racks_per_year": 1000.0, "capex_yuan_per_rack": 1000.0}},
                {("r1", "w", 2026): 150.0, ("r1", "w", 2027): 150.0}, {"build_lead_years": 1, "years": [2026, 2027]})
    assert res["build"].sel(cluster="k").values.tolist() == pytest.approx([50.0, 0.0])
    assert res["unmet"].sum(("region", "workload")).values.tolist() == pytest.approx([50.0, 0.0], abs=1e-6)
    assert str(res["unmet_reason"].sel(region="r1", workload="w", year=2026).item()) == REASON_CAPACITY
    assert costs(res)["capex"] == pytest.approx(100_000.0)


def test_work_held_back_by_the_construction_rate_says_so(tmp_path):
    # build_lead_years 1, 100 installed racks, at most 50 built a year, capex 1,000 per rack paid as an
    # annuity in every horizon year from the year it is paid (CRF 1, no discounting), unmet penalty 3,000.
    # Demand 100, 100, 200 in 2026-28. The 2028 extra 100 can be served by racks paid in 2027
    # (2 annuities + 876 electricity = 2,876 < 3,000: the 50 the rate allows are built) or in 2026
    # (3 annuities + 876 = 3,876 > 3,000: standing idle through 2027 costs more than the penalty).
    # Optimum: build [0, 50, 0], 50 unmet in 2028; cost = 50 × 2,000 capex + 50 × 3,000 penalty
    # + (100 + 100 + 150) × 876 electricity. The reason is the yearly construction rate: the build
    # limit binds in 2027, the last year whose racks serve 2028.
    years = {"build_lead_years": 1, "years": [2026, 2027, 2028], "unmet_penalty_yuan_per_rack_year": 3000.0}
    k = {"k": {"planned_racks": 1000.0, "build_limit_racks_per_year": 50.0, "capex_yuan_per_rack": 1000.0}}
    demand = {("r1", "w", 2026): 100.0, ("r1", "w", 2027): 100.0, ("r1", "w", 2028): 200.0}
    res = solve(tmp_path / "rate", k, demand, years)
    assert res["build"].sel(cluster="k").values.tolist() == pytest.approx([0.0, 50.0, 0.0], abs=1e-6)
    assert res["unmet"].sum(("region", "workload")).values.tolist() == pytest.approx([0.0, 0.0, 50.0], abs=1e-6)
    assert str(res["unmet_reason"].sel(region="r1", workload="w", year=2028).item()) == REASON_RATE
    assert res.attrs["objective"] == pytest.approx(50 * 2000 + 50 * 3000 + 350 * 876, rel=1e-9)
    # a penalty of 2,500 < 2,876: no rack is worth paying even in 2027, the limit does not bind — cost
    res = solve(tmp_path / "cost", k, demand, {**years, "unmet_penalty_yuan_per_rack_year": 2500.0})
    assert res["build"].sum().item() == pytest.approx(0.0, abs=1e-6)
    assert str(res["unmet_reason"].sel(region="r1", workload="w", year=2028).item()) == REASON_COST


def test_results_describe_the_layer_the_stock_and_the_prices(tmp_path):
    # issue 18, item 8: results.nc holds the latency layer's own route factor, the provinces' stock and
    # its retirement rate, and says that prices are after their scale
    from pathlib import Path

    ref = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "reference.yaml"
    from model.inputs import build_inputs
    from model.inputs.scenario import apply_changes

    inp = build_inputs(apply_changes(load_scenario(ref), {"latency_layer": "ip", "electricity_price_scale": 1.5}))
    assert float(inp["latency_layer_route_factor"]) == pytest.approx(2.656)
    assert float(inp["latency_layer_overhead_ms"]) == pytest.approx(0.10)
    assert float(inp["local_existing_racks"].sel(region="beijing")) == pytest.approx(1_070_700)
    assert float(inp["local_retire_share_per_year"].sel(region="beijing")) == pytest.approx(0.05)
    assert "after" in inp["grid_price_yuan_per_kwh"].attrs["long_name"]
    # the electricity price scale reaches the provinces' own stock too
    assert float(inp["local_grid_price_yuan_per_kwh"].sel(region="beijing")) == pytest.approx(1.5 * 0.55)


def test_ai_work_needs_ai_racks(tmp_path):
    # 100 racks installed, 30 of them fitted for AI (智算). 50 racks of AI training (physical racks of 20 kW:
    # an AI class) and 40 of general work: the general work fits in the other racks, the AI work needs 20
    # more AI racks (family ai_capacity), built as AI racks (ai_within_build) at capex 1,000 + the AI fit-out
    # 0.5 × 1,000 (capex_ai): 20,000 + 10,000. Electricity 90 × 876 = 78,840; objective 108,840
    res = solve(tmp_path, {"k": {"installed_ai_racks": 30.0, "planned_racks": 1000.0, "build_limit_racks_per_year": 1000.0,
                                 "capex_yuan_per_rack": 1000.0}},
                {("r1", "ai", 2026): 50.0, ("r1", "w", 2026): 40.0}, {"ai_capex_premium": 0.5},
                {"ai": {"physical_rack_kw": 20.0}, "w": {}})
    assert float(res["build"].sum()) == pytest.approx(20.0) and float(res["build_ai"].sum()) == pytest.approx(20.0)
    assert float(res["ai_capacity_racks"].sel(cluster="k", year=2026)) == pytest.approx(50.0)
    assert costs(res)["capex_ai"] == pytest.approx(10_000.0)
    assert res.attrs["objective"] == pytest.approx(108_840.0, rel=1e-9)
    # general work is not held to the AI racks: 90 racks of general work fit in the 100 installed
    plain = solve(tmp_path / "plain", {"k": {"installed_ai_racks": 30.0}}, {("r1", "w", 2026): 90.0}, None,
                  {"ai": {"physical_rack_kw": 20.0}, "w": {}})
    assert float(plain["unmet"].sum()) == pytest.approx(0.0, abs=1e-6) and float(plain["build"].sum()) == pytest.approx(0.0)


def test_reserved_ai_racks_host_ai_work_only_and_report_their_own_density(tmp_path):
    # 100 racks installed, 30 fitted for AI at 3 PFLOPS each (pflops_per_ai_rack; the AI class's national
    # value is 1). Demand: 10 racks of AI training, 90 of general work (0.1 PFLOPS per rack), no builds.
    # With ai_racks_reserved the general work has only the 70 other racks (family general_capacity):
    # 20 unmet. Objective 80 × 876 + 20 × 100,000 = 2,070,080; compute 10 × 3 + 70 × 0.1 = 37 PFLOPS
    # = 0.037 EFLOPS. One more installed (general) rack saves 100,000 − 876 = 99,124 (rack_value).
    clusters = {"k": {"installed_ai_racks": 30.0, "pflops_per_ai_rack": 3.0}}
    demand = {("r1", "ai", 2026): 10.0, ("r1", "w", 2026): 90.0}
    workloads = {"ai": {"physical_rack_kw": 20.0, "pflops_per_rack": 1.0}, "w": {"pflops_per_rack": 0.1}}
    res = solve(tmp_path, clusters, demand, {"ai_racks_reserved": 1}, workloads)
    assert float(res["unmet"].sel(workload="w").sum()) == pytest.approx(20.0)
    assert float(res["unmet"].sel(workload="ai").sum()) == pytest.approx(0.0, abs=1e-6)
    assert str(res["unmet_reason"].sel(region="r1", workload="w", year=2026).item()) == REASON_CAPACITY
    assert res.attrs["objective"] == pytest.approx(2_070_080.0, rel=1e-9)
    assert float(res["cluster_pflops_per_rack"].sel(cluster="k", workload="ai")) == pytest.approx(3.0)
    assert float(res["eflops"].sel(workload="ai").sum()) == pytest.approx(0.030)
    assert float(res["eflops"].sum()) == pytest.approx(0.037)
    assert float(res["rack_value"].sel(cluster="k", year=2026)) == pytest.approx(99_124.0, rel=1e-6)
    # not reserved (the default): the general work takes the AI racks left over, all 100 racks serve:
    # 100 × 876 = 87,600; compute 10 × 3 + 90 × 0.1 = 39 PFLOPS
    shared = solve(tmp_path / "shared", clusters, demand, None, workloads)
    assert float(shared["unmet"].sum()) == pytest.approx(0.0, abs=1e-6)
    assert shared.attrs["objective"] == pytest.approx(87_600.0, rel=1e-9)
    assert float(shared["eflops"].sum()) == pytest.approx(0.039)


def test_ai_inference_runs_on_an_ai_rack_near_its_users_and_training_goes_west(tmp_path):
    # Issue 18 (item 5): two AI classes (physical racks of 20 kW), province r1. Cluster e (east hub, 2 ms
    # from r1, 0.5 yuan/kWh) has 30 racks, 10 of them fitted for AI; cluster w (west hub, 30 ms, 0.1
    # yuan/kWh) has 20 AI racks. No builds. AI inference (20 ms bound) 10 racks, AI training (no bound)
    # 10 racks. Inference cannot reach w (30 > 20 ms): it takes e's 10 AI racks, 10 × 8,760 × 0.5 =
    # 43,800; training goes west where power is cheap, 10 × 876 = 8,760. Objective 52,560.
    clusters = {"e": {"installed_racks": 30.0, "planned_racks": 30.0, "installed_ai_racks": 10.0,
                      "grid_price_yuan_per_kwh": 0.5},
                "w": {"hub_id": "h_west", "installed_racks": 20.0, "planned_racks": 20.0, "installed_ai_racks": 20.0}}
    workloads = {"inf": {"latency_bound_ms": 20.0, "realtime": "true", "physical_rack_kw": 20.0},
                 "train": {"physical_rack_kw": 20.0}}
    latency = {("r1", "e"): 2.0, ("r1", "w"): 30.0}
    demand = {("r1", "inf", 2026): 10.0, ("r1", "train", 2026): 10.0}
    res = solve_tiny(tmp_path, clusters, {"r1": {}}, demand, workloads, latency=latency)
    alloc = res["allocation"].sel(region="r1", year=2026)
    assert float(alloc.sel(workload="inf", cluster="e")) == pytest.approx(10.0)
    assert float(alloc.sel(workload="train", cluster="w")) == pytest.approx(10.0)
    assert float(alloc.sel(workload="inf", cluster="w")) == pytest.approx(0.0, abs=1e-6)
    assert res.attrs["objective"] == pytest.approx(52_560.0, rel=1e-9)
    # 15 racks of inference: e's 10 AI racks take 10; its 20 general racks stand idle (inference is an AI
    # class) and w is too far: 5 unmet at 100,000 each. Objective 52,560 + 500,000 = 552,560
    more = solve_tiny(tmp_path / "more", clusters, {"r1": {}}, {**demand, ("r1", "inf", 2026): 15.0}, workloads,
                      latency=latency)
    assert float(more["allocation"].sel(workload="inf", cluster="e").sum()) == pytest.approx(10.0)
    assert float(more["unmet"].sel(workload="inf").sum()) == pytest.approx(5.0)
    assert more.attrs["objective"] == pytest.approx(552_560.0, rel=1e-9)
    # without its latency bound inference would follow training west as well: 20 × 876 = 17,520
    free = solve_tiny(tmp_path / "free", clusters, {"r1": {}}, demand, workloads, latency=latency,
                      scenario={"latency_bounds_ms": {"inf": "none"}})
    assert float(free["allocation"].sel(workload="inf", cluster="w").sum()) == pytest.approx(10.0)
    assert free.attrs["objective"] == pytest.approx(17_520.0, rel=1e-9)
