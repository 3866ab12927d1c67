"""Comparison tables across solved scenarios (used by the app's Compare view and by batch runs).

Both functions only read results Datasets (``model.results.build_results`` output) and return
plain DataFrames; numbers come from the KPI catalogue (``kpis.py``) so they match every other report.
"""
from __future__ import annotations

import pandas as pd
import xarray as xr

from ..results import TOL
from .kpis import kpi_row


def kpi_frame(results: dict[str, xr.Dataset]) -> pd.DataFrame:
    """Side-by-side KPIs: one row per scenario (index = the dict's keys, in order), one column per KPI.

    Columns: ``status, objective, cost_<term>…, emissions_tco2, energy_mwh, demand_rack_years,
    served_rack_years, unmet_rack_years, unmet: <reason>…, built_racks, utilisation_mean,
    utilisation_floor, utilisation_shortfall_racks, green_shortfall_mw, west_shortfall_racks,
    latency_<class>_ms…, scenario_hash``. Costs are discounted yuan, emissions tCO2 and latency
    load-weighted one-way ms (None/NaN where a class is not served). An unmet reason that occurs in
    no scenario has no column; where it occurs in some, the others show 0. ``.T`` gives the
    KPI-by-scenario layout the app shows.
    """
    return kpi_frame_from_rows({name: kpi_row(res) for name, res in results.items()})


def kpi_frame_from_rows(rows: dict[str, dict]) -> pd.DataFrame:
    """``kpi_frame`` from ``kpi_row`` dicts already computed (e.g. kept with stored results)."""
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "scenario"
    unmet_cols = [c for c in df.columns if c.startswith("unmet: ")]
    df[unmet_cols] = df[unmet_cols].fillna(0.0)
    return df


def _labels(res: xr.Dataset, dim: str) -> pd.DataFrame:
    return pd.DataFrame({f"{dim}_zh": res[f"{dim}_name_zh"].values, f"{dim}_en": res[f"{dim}_name_en"].values},
                        index=pd.Index(res[dim].values, name=dim))


def allocation_difference(base: xr.Dataset, other: xr.Dataset, year: int | None = None,
                          by: tuple[str, ...] = ("cluster",)) -> pd.DataFrame:
    """Allocated racks in ``year`` (default: the last year of ``base``) of ``other`` minus ``base``.

    ``by`` is ``("cluster",)`` (default) or ``("cluster", "workload")``: the allocation is summed
    over every other dimension. Returns one row per key with columns ``<by…>, base, other,
    difference`` (standard racks; ``difference = other − base``), plus bilingual names
    ``cluster_zh, cluster_en`` (and ``workload_zh, workload_en``) and ``hub``. Keys present in only
    one of the two results count as 0 in the other. Raises ValueError if ``year`` is in neither.
    """
    if year is None:
        year = int(base.year.values[-1])
    for d in by:
        if d not in ("cluster", "workload"):
            raise ValueError(f"by: expected 'cluster' and/or 'workload', got {d!r}")
    years = set(map(int, base.year.values)) | set(map(int, other.year.values))
    if int(year) not in years:
        raise ValueError(f"year {year} is in neither result (years: {sorted(years)})")

    def racks(res: xr.Dataset) -> pd.Series:
        if int(year) not in set(map(int, res.year.values)):
            return pd.Series(dtype=float)
        a = res["allocation"].sel(year=int(year))
        return a.sum([d for d in a.dims if d not in by]).to_series()

    df = pd.concat({"base": racks(base), "other": racks(other)}, axis=1).fillna(0.0)
    df.index.names = list(by)
    df["difference"] = df["other"] - df["base"]
    df.loc[df["difference"].abs() < TOL, "difference"] = 0.0
    df = df.reset_index()
    for d in by:
        names = pd.concat([_labels(other, d), _labels(base, d)])
        names = names[~names.index.duplicated()]
        df[f"{d}_zh"] = df[d].map(names[f"{d}_zh"])
        df[f"{d}_en"] = df[d].map(names[f"{d}_en"])
    hub = pd.concat([pd.Series(other["hub"].values, index=other.cluster.values),
                     pd.Series(base["hub"].values, index=base.cluster.values)])
    df.insert(1, "hub", df["cluster"].map(hub[~hub.index.duplicated()]))
    df.insert(0, "year", int(year))
    return df
