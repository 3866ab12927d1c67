"""Write small datasets for hand-checked tests.

Defaults make costs easy to work out by hand: PUE 1, 1 kW per rack, no discounting
(rate 0, lifetime 1 → CRF 1), no transport or carbon cost, no policy floors, so serving one rack
for one year at a cluster costs 8760 kWh × its grid price.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

SETTINGS = dict(
    years=[2026], base_year=2026, discount_rate=0.0, capex_lifetime_years=1, carbon_price_yuan_per_t=0.0,
    unmet_penalty_yuan_per_rack_year=100000.0, policy_penalty_yuan_per_rack_year=50000.0,
    fibre_km_per_ms=200.0, route_factor=1.0, latency_overhead_ms=0.0,
    transport_yuan_per_tb=0.0, transport_yuan_per_tb_per_1000km=0.0,
    utilisation_floor=0.0, min_green_share=0.0, min_west_share=0.0,
)
CLUSTER = dict(hub_id="h_east", region_id="r1", city_zh="城", city_en="City", lat=30.0, lon=110.0,
               installed_racks=100.0, planned_racks=100.0, build_limit_racks_per_year=0.0, pue=1.0,
               grid_limit_mw=1000.0, grid_price_yuan_per_kwh=0.1, green_avail_mw=0.0,
               green_price_yuan_per_kwh=0.1, capex_yuan_per_rack=0.0)
REGION = dict(capital_zh="省会", capital_en="Capital", lat=30.0, lon=110.0, grid_region="central",
              co2_t_per_mwh=0.5)
WORKLOAD = dict(latency_bound_ms="", realtime="false", kw_per_rack=1.0, data_tb_per_rack_year=0.0)


def write_dataset(root: Path, clusters: dict, regions: dict, demand: dict, workloads: dict | None = None,
                  settings: dict | None = None) -> Path:
    """clusters/regions/workloads: id -> overrides of the defaults; demand: (region, workload, year) -> racks."""
    root.mkdir(parents=True, exist_ok=True)
    workloads = workloads or {"w": {}}
    pd.DataFrame([dict(hub_id="h_east", name_zh="东枢纽", name_en="East hub", role="east"),
                  dict(hub_id="h_west", name_zh="西枢纽", name_en="West hub", role="west")]
                 ).to_csv(root / "hubs.csv", index=False)
    pd.DataFrame([{"cluster_id": k, "name_zh": f"{k}集群", "name_en": k, **CLUSTER, **v} for k, v in clusters.items()]
                 ).to_csv(root / "clusters.csv", index=False)
    pd.DataFrame([{"region_id": k, "name_zh": f"{k}省", "name_en": k, **REGION, **v} for k, v in regions.items()]
                 ).to_csv(root / "regions.csv", index=False)
    pd.DataFrame([{"workload_id": k, "name_zh": f"{k}类", "name_en": k, **WORKLOAD, **v} for k, v in workloads.items()]
                 ).to_csv(root / "workloads.csv", index=False)
    pd.DataFrame([dict(region_id=r, workload_id=w, year=y, racks=v) for (r, w, y), v in demand.items()]
                 ).to_csv(root / "demand.csv", index=False)
    (root / "settings.yaml").write_text(yaml.safe_dump({**SETTINGS, **(settings or {})}))
    return root


# every green-procurement option on (data/settings.yaml has the sourced values)
GREEN_SETTINGS = dict(residual_factor_ratio=1.1, green_trade_premium_yuan_per_kwh=0.03, certificate_price_yuan_per_mwh=5.0,
                      green_trade_limit_twh_per_year=1.0, certificate_limit_twh_per_year=1.0,
                      certificates_count_for_carbon=0, pue_retrofit_target=1.3, pue_retrofit_cost_yuan_per_rack=1000.0)


def write_green(root: Path, hydro: dict, profiles: dict) -> None:
    """hydro: cluster -> (nameplate MW, yuan/kWh); profiles: region -> 12 monthly capacity factors
    (an empty mapping writes no file)."""
    if hydro:
        pd.DataFrame([dict(cluster_id=k, hydro_avail_mw=mw, hydro_price_yuan_per_kwh=p) for k, (mw, p) in hydro.items()]
                     ).to_csv(root / "green.csv", index=False)
    if profiles:
        pd.DataFrame([{"region_id": r, **{f"m{m + 1:02d}": cf for m, cf in enumerate(v)}} for r, v in profiles.items()]
                     ).to_csv(root / "hydro_profiles.csv", index=False)


def scenario_file(root: Path, dataset: Path, body: dict | None = None, name: str = "s.yaml") -> Path:
    p = root / name
    p.write_text(yaml.safe_dump({"name": "tiny", "dataset": str(dataset), **(body or {})}, allow_unicode=True))
    return p


# a province's own stock (local.csv) unless a test says otherwise: 100 racks, none retired or built
LOCAL = dict(existing_racks=100.0, retire_share_per_year=0.0, build_limit_racks_per_year=0.0, latency_ms=1.0,
             pue=1.0, grid_price_yuan_per_kwh=0.2, opex_yuan_per_rack_year=0.0, capex_yuan_per_rack=0.0)


def solve_tiny(tmp: Path, clusters: dict, regions: dict, demand: dict, workloads: dict | None = None,
               settings: dict | None = None, scenario: dict | None = None, latency: dict | None = None,
               baselines: bool = False, local: dict | None = None):
    """Write a dataset (with the provinces' own stock {region: overrides of LOCAL}, and a measured
    latency matrix {(region, cluster): ms}), solve, return results."""
    from model.inputs.scenario import load_scenario
    from model.run import solve_scenario

    ds = write_dataset(tmp / "data", clusters, regions, demand, workloads, settings)
    if local is not None:
        pd.DataFrame([{"region_id": r, **LOCAL, **v} for r, v in local.items()]).to_csv(ds / "local.csv", index=False)
    body = dict(scenario or {})
    if latency is not None:
        m = pd.Series(latency).unstack()
        m.index.name = "region_id"
        m.to_csv(tmp / "latency.csv")
        body["latency_matrix"] = str(tmp / "latency.csv")
    return solve_scenario(load_scenario(scenario_file(tmp, ds, body)), baselines=baselines)
