"""Green power as China counts it (model/formulation/green.py): hand instances whose optimum is
worked out in the comments, checked to 1e-6.

Unless said otherwise (tests/tiny.py): PUE 1, 1 kW per rack, one year, no discounting, CRF 1, so
1000 racks are 1 MW and 1 MW for a year at p yuan/kWh costs 8 760 000 · p yuan. Region r1's
average grid factor is 0.5 t/MWh; GREEN_SETTINGS make the residual factor 1.1 × 0.5 = 0.55,
trading a premium of 30 yuan/MWh, certificates 5 yuan/MWh (not counted for CO2).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tiny import GREEN_SETTINGS, scenario_file, write_dataset, write_green

from model.inputs.scenario import load_scenario
from model.reports import summary
from model.run import solve_scenario

Y = 2026
MW_YEAR = 8760.0  # MWh in a year of 1 MW


def solve(tmp_path, clusters, demand, settings=None, scenario=None, hydro=None, profiles=None, local=None):
    root = write_dataset(tmp_path / "data", clusters, {"r1": {}}, demand, settings={**GREEN_SETTINGS, **(settings or {})})
    write_green(root, hydro or {}, profiles or {})
    if local:
        pd.DataFrame([{"region_id": "r1", **local}]).to_csv(root / "local.csv", index=False)
    return solve_scenario(load_scenario(scenario_file(tmp_path, root, scenario)))


ONE_MW = {("r1", "w", Y): 1000}
ROOM = {"installed_racks": 1000, "planned_racks": 1000}


def at(res, name, **sel):
    return float(res[name].sel(year=Y, **sel))


def test_a_certificate_counts_in_the_annual_score_not_the_hourly_one(tmp_path):
    """1 MW at cluster a, no wind, solar or hydro, grid 0.1 yuan/kWh, a minimum green share of 50 %.
    Certificates (5 yuan/MWh) are cheaper than trading (30 yuan/MWh premium): 0.5 MW of
    certificates meet the share by annual volume. Cost = 876 000 (grid) + 0.5 · 8760 · 5 = 21 900.
    Annual score 0.5; hour-by-hour score 0 (a certificate is not power in any hour).
    Families: green_claims (gec ≤ grid), certificate_market, green_share, green_procurement."""
    res = solve(tmp_path, {"a": ROOM}, ONE_MW, scenario={"policy": {"min_green_share": 0.5}})
    s = summary(res)
    assert s["objective"] == pytest.approx(876_000 + 21_900, rel=1e-6)
    assert at(res, "certificate_mw", cluster="a") == pytest.approx(0.5, abs=1e-6)
    assert at(res, "green_volume_score", cluster="a") == pytest.approx(0.5, abs=1e-6)
    assert at(res, "green_cfe_score", cluster="a") == pytest.approx(0.0, abs=1e-6)
    # certificates do not count for CO2 here (certificates_count_for_carbon 0): 0.55 · 8760 t
    assert s["emissions_tco2"] == pytest.approx(0.55 * MW_YEAR, rel=1e-6)


@pytest.mark.parametrize("trade_twh, objective, traded, short", [(0.0, 876_000 + 10_000_000, 0.0, 0.5),
                                                                 (1.0, 876_000 + 131_400, 0.5, 0.0)])
def test_hour_by_hour_a_trade_counts_and_a_certificate_does_not(tmp_path, trade_twh, objective, traded, short):
    """The same 1 MW and 50 % share, matched hour by hour (resolution hourly, no wind or solar output).
    Without trading: certificates count for nothing, the whole 0.5 MW is short, priced at
    P · ρ = 50 000 · 400 per MW: 10 000 000 yuan; cost 876 000 + 10 000 000, no certificates bought.
    With trading: a trade is a flat block delivered with the grid power of every hour
    (trade_hourly_delivery: 0.5 ≤ 1 MW of grid in each hour), so 0.5 MW traded meets the share:
    cost 876 000 + 0.5 · 8760 · 30 = 1 007 400; hour-by-hour score 0.5.
    Families: green_share (hour by hour: trade only), trade_hourly_delivery."""
    cf = tmp_path / "cf.csv"
    pd.DataFrame({"hour": np.arange(8760), "a/wind": 0.0, "a/solar": 0.0}).to_csv(cf, index=False)
    res = solve(tmp_path, {"a": ROOM}, ONE_MW, settings={"green_trade_limit_twh_per_year": trade_twh}, scenario={
        "policy": {"min_green_share": 0.5}, "resolution": "hourly",
        "hourly": {"capacity_factors": str(cf), "representative_days": 1, "green_matching": "hourly"}})
    assert summary(res)["objective"] == pytest.approx(objective, rel=1e-6)
    assert at(res, "certificate_mw", cluster="a") == pytest.approx(0.0, abs=1e-6)
    assert at(res, "green_trade_mw", cluster="a") == pytest.approx(traded, abs=1e-6)
    assert at(res, "green_shortfall_mw", cluster="a") == pytest.approx(short, abs=1e-6)
    assert at(res, "green_cfe_score", cluster="a") == pytest.approx(traded, abs=1e-6)


def test_the_residual_factor_applies_to_the_grid_share_only(tmp_path):
    """1 MW at a: 0.2 MW of direct wind/solar at 0.05 yuan/kWh (cheaper than the grid at 0.1),
    0.8 MW from the grid. Carbon 100 yuan/t: a traded green MWh saves 100 · 0.55 = 55 yuan of
    carbon for a 30 yuan premium, so the model buys all trading open to it, 0.3 MW (limit
    0.002628 TWh = 0.3 MW · 8760 h). Market accounting: CO2 = 0.55 · 8760 · (0.8 − 0.3) = 2409 t;
    direct green carries none. Cost = 0.8 · 876 000 + 0.2 · 438 000 + 0.3 · 8760 · 30 + 100 · 2409
    = 700 800 + 87 600 + 78 840 + 240 900 = 1 108 140.
    Location accounting: every grid MWh at 0.5, a claim saves nothing, so no trading:
    CO2 = 0.5 · 8760 · 0.8 = 3504 t; cost = 700 800 + 87 600 + 350 400 = 1 138 800.
    Families: green_claims, green_trade_market, emission_cap (claims' term), carbon, green_carbon."""
    clusters = {"a": {**ROOM, "green_avail_mw": 0.2, "green_price_yuan_per_kwh": 0.05}}
    body = {"carbon_price_yuan_per_t": 100}
    settings = {"green_trade_limit_twh_per_year": 0.3 * MW_YEAR / 1e6}
    market = solve(tmp_path / "m", clusters, ONE_MW, settings, body)
    s = summary(market)
    assert at(market, "green_trade_mw", cluster="a") == pytest.approx(0.3, abs=1e-6)
    assert s["emissions_tco2"] == pytest.approx(2409, rel=1e-6)
    assert s["objective"] == pytest.approx(1_108_140, rel=1e-6)
    # the grid draw's carbon 100 · 0.55 · 8760 · 0.8 = 385 440, less the claims' (green_carbon) 144 540
    assert s["costs"]["carbon"] == pytest.approx(385_440, rel=1e-6)
    assert s["costs"]["green_carbon"] == pytest.approx(-144_540, rel=1e-6)
    assert float(market["grid_factor_used_t_per_mwh"].sel(cluster="a")) == pytest.approx(0.55)
    location = solve(tmp_path / "l", clusters, ONE_MW, settings, {**body, "emission_accounting": "location"})
    assert at(location, "green_trade_mw", cluster="a") == pytest.approx(0.0, abs=1e-6)
    assert summary(location)["emissions_tco2"] == pytest.approx(3504, rel=1e-6)
    assert summary(location)["objective"] == pytest.approx(1_138_800, rel=1e-6)


def test_hydro_seasonal_profile_binds_in_the_dry_season(tmp_path):
    """1 MW at a with 2 MW of direct hydro at 0.05 yuan/kWh (grid 0.1); capacity factor 0.25 in
    January–June, 0.75 in July–December (mean 0.5, so 1 MW on average would cover the load).
    Dry months: hydro ≤ 0.25 · 2 = 0.5 MW (hydro_availability binds), the grid gives 0.5.
    Wet months: 1.5 MW available but only the 1 MW load can use it (hydro_month_use binds).
    Mean hydro (6 · 0.5 + 6 · 1) / 12 = 0.75 MW, grid 0.25 MW.
    Cost = 0.75 · 438 000 + 0.25 · 876 000 = 328 500 + 219 000 = 547 500; green share 0.75.
    Families: hydro_availability, hydro_month_use, power_balance (hydro term), green_procurement."""
    res = solve(tmp_path, {"a": ROOM}, ONE_MW, hydro={"a": (2.0, 0.05)}, profiles={"r1": [0.25] * 6 + [0.75] * 6})
    assert summary(res)["objective"] == pytest.approx(547_500, rel=1e-6)
    monthly = res["hydro_monthly_mw"].sel(cluster="a", year=Y).values
    assert monthly[:6] == pytest.approx([0.5] * 6, abs=1e-6)
    assert monthly[6:] == pytest.approx([1.0] * 6, abs=1e-6)
    assert at(res, "hydro_mw", cluster="a") == pytest.approx(0.75, abs=1e-6)
    assert at(res, "grid_mw", cluster="a") == pytest.approx(0.25, abs=1e-6)
    assert at(res, "green_volume_score", cluster="a") == pytest.approx(0.75, abs=1e-6)


LOCAL = dict(existing_racks=1000, retire_share_per_year=0, build_limit_racks_per_year=0, latency_ms=1, pue=1.0,
             grid_price_yuan_per_kwh=0.1, opex_yuan_per_rack_year=0, capex_yuan_per_rack=0)


@pytest.mark.parametrize("price, buys", [(50, False), (60, True)])
def test_own_stock_buys_green_when_the_carbon_price_exceeds_the_premium_over_its_factor(tmp_path, price, buys):
    """1000 racks served in r1's own stock (PUE 1: 1 MW of grid power; no cluster room).
    A traded MWh costs 30 yuan and saves 0.55 t: worth buying when P > 30 / 0.55 = 54.5 yuan/t.
    P = 50: no trading, CO2 = 0.55 · 8760 = 4818 t, cost 876 000 + 50 · 4818 = 1 116 900.
    P = 60: 1 MW traded, CO2 0, cost 876 000 + 8760 · 30 = 1 138 800.
    Families: local_green_claims, green_trade_market (local term), local_carbon (claims' part)."""
    res = solve(tmp_path, {"a": {"installed_racks": 0, "planned_racks": 0}}, ONE_MW,
                scenario={"carbon_price_yuan_per_t": price}, local=LOCAL)
    s = summary(res)
    traded = float(res["local_green_trade_mw"].sel(region="r1", year=Y))
    assert traded == pytest.approx(1.0 if buys else 0.0, abs=1e-6)
    assert s["emissions_tco2"] == pytest.approx(0 if buys else 4818, abs=1e-6)
    assert s["objective"] == pytest.approx(1_138_800 if buys else 1_116_900, rel=1e-6)


def test_a_pue_retrofit_pays_when_its_saving_beats_its_annuity(tmp_path):
    """r1's own stock at PUE 1.5 (target 1.3: step 0.2), 1000 racks of 1 kW: 1.5 MW of grid power.
    Retrofitting a rack costs 1000 yuan (CRF 1) and saves 0.2 kW · 8760 h · 0.1 yuan = 175.2 yuan
    a year plus its CO2 at P = 0: not worth it. At a grid price of 1 yuan/kWh it saves 1752 yuan
    > 1000: all 1000 racks are retrofitted, saving 0.2 MW. Cost at 1 yuan/kWh:
    1.3 MW · 8 760 000 + 1000 · 1000 = 11 388 000 + 1 000 000 = 12 388 000; CO2 0.55 · 8760 · 1.3.
    Families: pue_retrofit_reach, pue_retrofit_load, pue_retrofit, local_green_claims (with saving)."""
    local = {**LOCAL, "pue": 1.5}
    cheap = solve(tmp_path / "c", {"a": {"installed_racks": 0, "planned_racks": 0}}, ONE_MW, local=local)
    assert float(cheap["local_retrofit"].sum()) == pytest.approx(0, abs=1e-6)
    dear = solve(tmp_path / "d", {"a": {"installed_racks": 0, "planned_racks": 0}}, ONE_MW,
                 local={**local, "grid_price_yuan_per_kwh": 1.0})
    assert float(dear["local_retrofit"].sel(region="r1", year=Y)) == pytest.approx(1000, abs=1e-6)
    assert float(dear["local_pue_saving_mw"].sel(region="r1", year=Y)) == pytest.approx(0.2, abs=1e-6)
    s = summary(dear)
    assert s["objective"] == pytest.approx(12_388_000, rel=1e-6)
    assert s["emissions_tco2"] == pytest.approx(0.55 * MW_YEAR * 1.3, rel=1e-6)


def test_bundled_data_carries_hydro_and_the_residual_factor_with_its_source():
    """The bundled dataset: 天府 takes Sichuan hydro, whose dry-season capacity factor is below the
    wet season's; the factor used is the residual one (× 0.5856 / 0.5366); both in results inputs."""
    from model.inputs import build_inputs
    from model.inputs.scenario import scenario_from_dict

    inp = build_inputs(scenario_from_dict({"name": "ref"}))
    cf = inp["hydro_cf"].sel(cluster="tianfu").values
    assert float(inp["hydro_avail_mw"].sel(cluster="tianfu")) > 0 and cf[:3].max() < cf[6:9].min()
    assert float(inp["residual_factor_ratio"]) == pytest.approx(0.5856 / 0.5366, rel=1e-3)
    assert np.allclose(inp["cluster_co2_t_per_mwh"], inp["cluster_co2_location_t_per_mwh"] * inp["residual_factor_ratio"])
    assert "residual" in inp.attrs["emission_accounting_method"]


def test_bundled_green_scenarios_set_what_they_say():
    """green_80: an 80 % share; ets_price: 151 yuan/t; green_potential_half/double: every cluster's
    wind/solar and hydro potential × 0.5 / × 2 (和林格尔 360 MW published → 180 / 720; 天府 hydro 2000 → 1000 / 4000)."""
    from model.inputs import build_inputs
    from model.inputs.scenario import SCENARIOS

    def inputs(name):
        return build_inputs(load_scenario(SCENARIOS / f"{name}.yaml"))

    assert float(inputs("green_80")["min_green_share"]) == pytest.approx(0.8)
    assert float(inputs("ets_price")["carbon_price_yuan_per_t"]) == pytest.approx(151)
    for name, scale in (("green_potential_half", 0.5), ("green_potential_double", 2.0)):
        inp = inputs(name)
        assert float(inp["green_avail_mw"].sel(cluster="horinger")) == pytest.approx(360 * scale)
        assert float(inp["hydro_avail_mw"].sel(cluster="tianfu")) == pytest.approx(2000 * scale)
