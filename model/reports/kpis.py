"""The KPIs of a results Dataset: ``summary`` (the summary.json document, also the app's cards)
and the flat KPI columns of batch indexes and comparisons."""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..results.build import REASONS, TOL, manifest_of
from ..results.hourly import score_totals
from ..results.shadow import statements


def summary(res: xr.Dataset) -> dict:
    """The summary.json document (also what the app's KPI cards show)."""
    man = manifest_of(res)
    costs = {str(k): float(v) for k, v in zip(res.cost_term.values, res["cost"].values)}
    unmet = res["unmet"]
    reasons = res["unmet_reason"].values
    by_reason = {r: float(unmet.values[reasons == r].sum()) for r in REASONS if (reasons == r).any()}
    lw = res["latency_weighted_ms"]
    served = res["served"].sum(("region", "year"))
    lat_class = {}
    for w in res.workload.values:
        s = float(served.sel(workload=w))
        lat_class[str(w)] = (float((lw.sel(workload=w) * res["served"].sel(workload=w).sum("region")).sum() / s)
                             if s > TOL else None)
    return {
        "scenario": man["scenario_name"],
        "status": res.attrs["status"],
        "objective": float(res.attrs["objective"]),
        "costs": costs,
        "emissions_tco2": float(res["emissions_t"].sum()),
        "energy_mwh": float(res["energy_mwh"].sum()),
        "demand_rack_years": float(res["demand"].sum()),
        "served_rack_years": float(res["served"].sum()),
        "unmet": {"total_rack_years": float(unmet.sum()), "by_reason": by_reason,
                  "by_year": {str(y): float(unmet.sel(year=y).sum()) for y in res.year.values}},
        "built_racks": float(res["build"].sum()),
        "latency_weighted_ms": lat_class,
        "utilisation_mean": float(res["load"].sum() / res["capacity"].sum()),
        "policy_shortfalls": {"utilisation_racks": float(res["utilisation_shortfall"].sum()),
                              "green_mw": float(res["green_shortfall_mw"].sum()),
                              "west_racks": float(res["west_shortfall"].sum())},
        "green": score_totals(res),
        "conflicts": man.get("conflicts", []),
        "mip": man.get("mip"),
        "baselines": _baselines(res),
        "resilience": ({"n_minus_1": True, "cost_of_resilience": man.get("cost_of_resilience"),
                        "shortfall_rack_years": float(res["n1_shortfall"].sum()),
                        "shortfall_by_failed_cluster": {str(k): float(v) for k, v in
                                                        res["n1_shortfall"].sum("year").to_series().items()}}
                       if "n1_shortfall" in res else {"n_minus_1": False}),
        "shadow_prices": statements(res),
        "timings": man["timings"],
        "scenario_hash": man["scenario_hash"],
        "versions": man["versions"],
        "solver_options": man["solver_options"],
    }


def _baselines(res: xr.Dataset) -> dict:
    if "baseline" not in res.dims:
        return {}
    return {str(b): {"status": str(res["baseline_status"].sel(baseline=b).item()),
                     "objective": float(res["baseline_cost"].sel(baseline=b).sum()),
                     "costs": {str(t): float(v) for t, v in zip(res.cost_term.values, res["baseline_cost"].sel(baseline=b).values)},
                     "emissions_tco2": float(res["baseline_emissions_t"].sel(baseline=b)),
                     "unmet_rack_years": float(res["baseline_unmet"].sel(baseline=b)),
                     "latency_weighted_ms": {str(w): (None if np.isnan(v) else float(v)) for w, v in
                                             zip(res.workload.values, res["baseline_latency_ms"].sel(baseline=b).values)}}
            for b in res.baseline.values}


def kpis_of(res) -> dict:
    """The KPI columns of the index for one result, from its arrays (numpy, no xarray operations).

    Equal to ``kpis_from_summary(model.results.summary(res))`` (tests/test_batch.py checks it);
    ``summary`` costs ~50 ms of xarray calls, which would be a third of a warm sweep step."""
    V = res.variables

    def arr(name, *dims):
        return np.asarray(V[name].transpose(*dims).values if dims else V[name].values)

    unmet = arr("unmet", "region", "workload", "year")
    reasons = arr("unmet_reason", "region", "workload", "year")
    served = arr("served", "region", "workload", "year")
    lw = arr("latency_weighted_ms", "workload", "year")
    served_wy = served.sum(axis=0)
    lat = {}
    for i, w in enumerate(V["workload"].values):
        s = float(served_wy[i].sum())
        lat[str(w)] = float(np.nansum(lw[i] * served_wy[i]) / s) if s > TOL else None
    by_reason = {r: float(unmet[reasons == r].sum()) for r in REASONS if (reasons == r).any()}
    return {
        "objective": float(res.attrs["objective"]),
        **{f"cost_{k}": float(v) for k, v in zip(V["cost_term"].values, V["cost"].values)},
        "emissions_tco2": float(arr("emissions_t").sum()),
        "energy_mwh": float(arr("energy_mwh").sum()),
        "demand_rack_years": float(arr("demand").sum()),
        "served_rack_years": float(served.sum()),
        "unmet_rack_years": float(unmet.sum()),
        **{f"unmet: {k}": v for k, v in by_reason.items()},
        "built_racks": float(arr("build").sum()),
        "utilisation_mean": float(arr("load").sum() / arr("capacity").sum()),
        "utilisation_shortfall_racks": float(arr("utilisation_shortfall").sum()),
        "green_shortfall_mw": float(arr("green_shortfall_mw").sum()),
        "west_shortfall_racks": float(arr("west_shortfall").sum()),
        **{f"latency_{w}_ms": v for w, v in lat.items()},
    }


def kpis_from_summary(s: dict) -> dict:
    """Flat KPI columns from a summary.json (the same names as ``model.compare.kpi_row``)."""
    pol = s.get("policy_shortfalls", {})
    return {
        "objective": s.get("objective"),
        **{f"cost_{k}": v for k, v in s.get("costs", {}).items()},
        "emissions_tco2": s.get("emissions_tco2"),
        "energy_mwh": s.get("energy_mwh"),
        "demand_rack_years": s.get("demand_rack_years"),
        "served_rack_years": s.get("served_rack_years"),
        "unmet_rack_years": s.get("unmet", {}).get("total_rack_years"),
        **{f"unmet: {k}": v for k, v in s.get("unmet", {}).get("by_reason", {}).items()},
        "built_racks": s.get("built_racks"),
        "utilisation_mean": s.get("utilisation_mean"),
        "utilisation_shortfall_racks": pol.get("utilisation_racks"),
        "green_shortfall_mw": pol.get("green_mw"),
        "west_shortfall_racks": pol.get("west_racks"),
        **{f"latency_{w}_ms": v for w, v in s.get("latency_weighted_ms", {}).items()},
    }

