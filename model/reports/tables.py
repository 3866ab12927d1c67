"""Planner-facing tables from a results Dataset (bilingual names), shared by every report."""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..results import TOL
from .kpis import kpi_values, summary, with_unit

__all__ = ["allocation_table", "cluster_table", "unmet_table", "kpi_table", "cost_table", "answers_table",
           "baseline_table", "shadow_table", "region_cluster_table", "region_cluster_difference"]


def _names(res: xr.Dataset, dim: str) -> pd.DataFrame:
    return pd.DataFrame({f"{dim}_zh": res[f"{dim}_name_zh"].values, f"{dim}_en": res[f"{dim}_name_en"].values},
                        index=pd.Index(res[dim].values, name=dim))


def cluster_table(res: xr.Dataset) -> pd.DataFrame:
    """One row per cluster and year: capacity, builds, load, utilisation, power, emissions."""
    fields = ["capacity", "build", "load", "utilisation", "utilisation_shortfall", "it_power_mw", "grid_mw",
              "green_mw", "facility_power_mw", "energy_mwh", "emissions_t", "rack_value", "mw_value"]
    fields += ["n1_shortfall"] if "n1_shortfall" in res else []
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
    """The key figures of the KPI catalogue, bilingual, in stored and in planners' units."""
    rows = [(k.key, k.zh, k.en, v, k.unit.stored, with_unit(v, k.unit)) for k, v in kpi_values(res)]
    rows.append(("total_s", "总用时", "total time", summary(res)["timings"]["total_s"], "s", ""))
    return pd.DataFrame(rows, columns=["kpi", "指标", "KPI", "value", "unit", "读数 reading"])


def answers_table(res: xr.Dataset) -> pd.DataFrame:
    """Why and what it is worth: shadow prices, conflicts (strict mode), resilience, MIP gap."""
    s = summary(res)
    rows = [("shadow price", line) for line in s["shadow_prices"]]
    rows += [("conflict", f"{c['constraint']} {c['index']}: {c['text']}") for c in s["conflicts"]]
    r = s["resilience"]
    if r["n_minus_1"]:
        split = r["cost_of_resilience_split"]
        cost = (f"cost of resilience ¥{r['cost_of_resilience']:,.0f} = investment and operating "
                f"¥{split['investment_and_operating']:,.0f} + N-1 shortfall penalty ¥{split['n1_shortfall_penalty']:,.0f} "
                f"+ other penalties ¥{split['other_penalties']:,.0f} (a second solve without N-1)"
                if split else f"cost of resilience not computed ({r.get('why_not_computed')})")
        rows.append(("N-1", f"{cost}; load that cannot be re-served {r['shortfall_rack_years']:,.0f} rack-years"))
    if s["mip"]:
        rows.append(("MILP", f"gap {s['mip']['gap']:.2e}, bound {s['mip']['bound']:,.0f}; {s['mip']['duals']}"))
    return pd.DataFrame(rows, columns=["topic", "answer"])


def baseline_table(res: xr.Dataset) -> pd.DataFrame:
    """The optimum beside the rule baselines (empty when they were not evaluated)."""
    rows = []
    for name, b in summary(res)["baselines"].items():
        rows.append({"baseline": name, "status": b["status"], "cost_yuan": b["objective"], "emissions_t": b["emissions_tco2"],
                     "unmet_rack_years": b["unmet_rack_years"],
                     **{f"latency_{w}_ms": v for w, v in b["latency_weighted_ms"].items()},
                     **{f"cost_{k}": v for k, v in b["costs"].items()}})
    return pd.DataFrame(rows)


def allocation_table(res: xr.Dataset) -> pd.DataFrame:
    """Tidy allocation: one row per (region, workload, cluster, year) with racks > 0."""
    a = res["allocation"].to_series()
    a = a[a > TOL].rename("racks").reset_index()
    lat = res["latency_ms"].to_series().rename("latency_ms").reset_index()
    a = a.merge(lat, on=["region", "cluster"])
    hub = pd.Series(res["hub"].values, index=res.cluster.values)
    a["hub"] = a["cluster"].map(hub)
    names = {"region": ("region_name_zh", "region_name_en"), "cluster": ("cluster_name_zh", "cluster_name_en"),
             "workload": ("workload_name_zh", "workload_name_en")}
    for dim, (zh, en) in names.items():
        a[f"{dim}_zh"] = a[dim].map(pd.Series(res[zh].values, index=res[dim].values))
        a[f"{dim}_en"] = a[dim].map(pd.Series(res[en].values, index=res[dim].values))
    a["hub_zh"] = a["cluster"].map(pd.Series(res["hub_name_zh"].values, index=res.cluster.values))
    cols = ["region", "workload", "cluster", "hub", "year", "racks", "latency_ms",
            "region_zh", "workload_zh", "cluster_zh", "hub_zh", "region_en", "workload_en", "cluster_en"]
    return a[cols].sort_values(["year", "region", "workload", "cluster"]).reset_index(drop=True)


def shadow_table(res: xr.Dataset) -> pd.DataFrame:
    """Per cluster and year: what one more rack / MW of grid connection is worth (shadow prices,
    yuan of that year), beside what a rack costs to build per year (capex × capital recovery)."""
    df = res[["rack_value", "mw_value"]].to_dataframe()[["rack_value", "mw_value"]].reset_index()
    df = df.merge(_names(res, "cluster").reset_index(), on="cluster")
    annual = pd.Series(res["capex_yuan_per_rack"].values * float(res["capital_recovery_factor"]), index=res.cluster.values)
    df["rack_cost_per_year"] = df["cluster"].map(annual)
    df["value_to_cost"] = df["rack_value"] / df["rack_cost_per_year"]
    return df[["cluster", "cluster_zh", "cluster_en", "year", "rack_value", "rack_cost_per_year", "value_to_cost",
               "mw_value"]]


def region_cluster_table(res: xr.Dataset, year: int | None = None) -> pd.DataFrame:
    """Racks each region places at each cluster in ``year`` (default: the last), all classes,
    with totals; rows and columns named in Chinese and English."""
    year = int(res.year.values[-1]) if year is None else int(year)
    a = res["allocation"].transpose("region", "cluster", "workload", "year")  # numpy below: label selection
    at = int(np.flatnonzero(res.year.values == year)[0])  # in xarray imports dask.array (its duck-array probe)
    m = pd.DataFrame(np.nansum(a.values[..., at], axis=2), index=pd.Index(res.region.values, name="region"),
                     columns=pd.Index(res.cluster.values, name="cluster"))
    m.index = [f"{z} {e}" for z, e in zip(res["region_name_zh"].values, res["region_name_en"].values)]
    m.columns = [f"{z} {e}" for z, e in zip(res["cluster_name_zh"].values, res["cluster_name_en"].values)]
    m["合计 Total"] = m.sum(axis=1)
    m.loc["合计 Total"] = m.sum(axis=0)
    return m


def region_cluster_difference(base: xr.Dataset, other: xr.Dataset, year: int) -> pd.DataFrame:
    """``region_cluster_table`` of ``other`` minus that of ``base`` in ``year`` (racks; totals too)."""
    return region_cluster_table(other, year) - region_cluster_table(base, year)
