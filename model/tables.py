"""Planner-facing tables from a results Dataset (bilingual names), shared by every report."""
from __future__ import annotations

import pandas as pd
import xarray as xr

from .results import TOL, allocation_table, summary

__all__ = ["allocation_table", "cluster_table", "unmet_table", "kpi_table", "cost_table"]


def _names(res: xr.Dataset, dim: str) -> pd.DataFrame:
    return pd.DataFrame({f"{dim}_zh": res[f"{dim}_name_zh"].values, f"{dim}_en": res[f"{dim}_name_en"].values},
                        index=pd.Index(res[dim].values, name=dim))


def cluster_table(res: xr.Dataset) -> pd.DataFrame:
    """One row per cluster and year: capacity, builds, load, utilisation, power, emissions."""
    fields = ["capacity", "build", "load", "utilisation", "utilisation_shortfall", "it_power_mw", "grid_mw",
              "green_mw", "facility_power_mw", "energy_mwh", "emissions_t", "capacity_price"]
    df = res[fields].to_dataframe()[fields].reset_index()
    df = df.merge(_names(res, "cluster").reset_index(), on="cluster")
    df.insert(1, "hub", df["cluster"].map(pd.Series(res["hub"].values, index=res.cluster.values)))
    df["hub_zh"] = df["cluster"].map(pd.Series(res["hub_name_zh"].values, index=res.cluster.values))
    return df


def unmet_table(res: xr.Dataset) -> pd.DataFrame:
    df = res[["demand", "served", "unmet", "unmet_reason"]].to_dataframe().reset_index()
    df = df[df["unmet"] > TOL]
    df = df.merge(_names(res, "region").reset_index(), on="region").merge(_names(res, "workload").reset_index(), on="workload")
    return df.sort_values(["year", "region", "workload"]).reset_index(drop=True)


def cost_table(res: xr.Dataset) -> pd.DataFrame:
    s = summary(res)
    rows = [{"term": k, "yuan": v} for k, v in s["costs"].items()]
    rows.append({"term": "total (objective)", "yuan": s["objective"]})
    return pd.DataFrame(rows)


def kpi_table(res: xr.Dataset) -> pd.DataFrame:
    s = summary(res)
    rows = [("status", s["status"], ""), ("objective", s["objective"], "yuan, discounted"),
            ("emissions", s["emissions_tco2"], "tCO2 over the horizon"),
            ("energy", s["energy_mwh"], "MWh over the horizon"),
            ("demand", s["demand_rack_years"], "rack-years"), ("served", s["served_rack_years"], "rack-years"),
            ("unmet", s["unmet"]["total_rack_years"], "rack-years"), ("built", s["built_racks"], "racks"),
            ("mean utilisation", s["utilisation_mean"], "load / capacity")]
    rows += [(f"unmet: {k}", v, "rack-years") for k, v in s["unmet"]["by_reason"].items()]
    rows += [(f"latency {w}", v, "ms, load-weighted") for w, v in s["latency_weighted_ms"].items()]
    rows += [(f"cost: {k}", v, "yuan, discounted") for k, v in s["costs"].items()]
    rows += [("scenario hash", s["scenario_hash"], ""), ("total time", s["timings"]["total_s"], "s")]
    return pd.DataFrame(rows, columns=["kpi", "value", "unit"])
