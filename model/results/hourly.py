"""Hourly results and the two green scores of every solution.

- ``green_volume_score[k,y]``: green energy contracted over the year / consumption (capped at 1):
  what "x % green by annual volume" means.
- ``green_cfe_score[k,y]``: green energy used in the hour it was generated (or stored from green and
  discharged later) / consumption: 24/7 carbon-free matching. For an hourly solution it is read
  off the dispatch; for an annual solution it is estimated from the full-year profiles
  (``cfe_curve``: a flat load, the annual green volume generated with the shape of the cluster's
  better technology), so a planner always sees both.

Hourly dispatch (``resolution: hourly``) has dimensions cluster × year × day × hour, with
``day_weight`` telling how many days of the year each representative day stands for.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..formulation.blocks import LinearProgram
from ..formulation.hourly import HOURS_PER_DAY

KYDH = ("cluster", "year", "day", "hour")


def _safe_div(a, b):
    return np.divide(a, b, out=np.full_like(np.asarray(a, float), np.nan), where=np.asarray(b) > 1e-9)


def annual_scores(inp: xr.Dataset, grid: np.ndarray, green: np.ndarray, hydro: np.ndarray | float = 0.0,
                  claimed: np.ndarray | float = 0.0) -> dict:
    """Both scores of an annual solution (K, Y). Direct hydro counts in both (it follows the load
    month by month, ``hydro_month_use``); trades and certificates (``claimed``) in the annual volume
    only: the annual model does not check that a trade is delivered in every hour (the hourly model does)."""
    total = grid + green + hydro
    volume = _safe_div(green + hydro + claimed, total)
    wind_solar = _safe_div(green, total)
    curve = inp["cfe_curve"].to_numpy()
    ratios = inp["green_ratio"].to_numpy()
    cfe = np.array([np.interp(np.nan_to_num(wind_solar[k]), ratios, curve[k]) for k in range(grid.shape[0])])
    cfe = np.where(np.isnan(volume), np.nan, cfe + np.nan_to_num(_safe_div(hydro + 0 * grid, total)))
    return _score_vars(volume, cfe, "estimated from the full-year profiles (flat load)")


def _score_vars(volume, cfe, how: str) -> dict:
    return {
        "green_volume_score": (("cluster", "year"), volume, {"long_name": "green share by annual volume (contracted / consumed)"}),
        "green_cfe_score": (("cluster", "year"), cfe, {"long_name": f"green share matched hour by hour (24/7 CFE), {how}"}),
    }


def hourly_results(inp: xr.Dataset, lp: LinearProgram, v: np.ndarray, col_dual: np.ndarray, row_dual: np.ndarray,
                   claimed: np.ndarray | float = 0.0, traded: np.ndarray | float = 0.0) -> dict:
    """Hourly dispatch, green capacity, storage, KPIs and the hourly shadow prices."""
    K, Y, W = inp.sizes["cluster"], inp.sizes["year"], inp.sizes["workload"]
    D = inp.sizes["day"]
    T = inp.sizes["technology"]
    wgt = inp["day_weight"].to_numpy()
    hours = wgt.sum() * HOURS_PER_DAY
    it = v[lp.column_slice("it")].reshape(K, W, Y)
    grid_h = v[lp.column_slice("grid_h")].reshape(K, Y, D, HOURS_PER_DAY)
    green_h = v[lp.column_slice("green_h")].reshape(K, Y, D, HOURS_PER_DAY)
    gcap = v[lp.column_slice("gcap")].reshape(K, T, Y)
    cf = inp["capacity_factor"].transpose("cluster", "technology", "day", "hour").to_numpy()
    avail = np.einsum("kty,ktdh->kydh", gcap, cf)
    storage = "charge" in lp.variables
    ch = v[lp.column_slice("charge")].reshape(K, Y, D, HOURS_PER_DAY) if storage else np.zeros_like(grid_h)
    dis = v[lp.column_slice("discharge")].reshape(K, Y, D, HOURS_PER_DAY) if storage else np.zeros_like(grid_h)
    flex = inp["flexible"].to_numpy()
    b = float(inp["flexibility_band"])
    shape = inp["demand_shape"].to_numpy()
    load = np.where(flex[None, :, None, None, None], (1 - b) * it[:, :, :, None, None],
                    it[:, :, :, None, None] * shape[None, :, None, None, :])  # (K, W, Y, 1|D?, HOURS_PER_DAY)
    load = np.broadcast_to(load, (K, W, Y, D, HOURS_PER_DAY)).copy()
    it_flex = it[:, flex, :].sum(axis=1)  # (K, Y)
    if "shift" in lp.variables:
        shift = v[lp.column_slice("shift")].reshape(K, Y, D, HOURS_PER_DAY)
        share = _safe_div(it[:, flex, :], it_flex[:, None, :])  # each flexible class's share of the total
        load[:, flex] += np.nan_to_num(share)[:, :, :, None, None] * shift[:, None]
    pue = inp["pue"].to_numpy()[:, None, None, None]
    facility = pue * load.sum(axis=1)
    used = green_h - ch + dis
    w4 = wgt[None, None, :, None]
    consumed = (facility * w4).sum(axis=(2, 3))
    hours_per_year = float(inp.attrs["hours_per_year"])
    volume = np.minimum(1.0, _safe_div((avail * w4).sum(axis=(2, 3)) + claimed * hours_per_year, consumed))  # claims: MW × h
    cfe = _safe_div((used * w4).sum(axis=(2, 3)) + traded * hours_per_year, consumed)  # a trade: flat, delivered every hour
    flat_flex = it_flex[:, :, None, None]
    shifted = (np.maximum(0.0, load[:, flex].sum(axis=1) - flat_flex) * w4).sum(axis=(2, 3))  # MWh/yr moved
    discount = inp["discount_factor"].to_numpy()
    grid_rc = col_dual[lp.column_slice("grid_h")].reshape(K, Y, D, HOURS_PER_DAY)
    out = {
        "hourly_it_mw": (("cluster", "workload", "year", "day", "hour"), load, {"units": "MW", "long_name": "IT load by class"}),
        "hourly_facility_mw": (KYDH, facility, {"units": "MW", "long_name": "facility power (PUE × IT)"}),
        "hourly_grid_mw": (KYDH, grid_h, {"units": "MW"}),
        "hourly_green_used_mw": (KYDH, used, {"units": "MW", "long_name": "green power used (direct + from storage)"}),
        "hourly_green_available_mw": (KYDH, avail, {"units": "MW", "long_name": "contracted capacity × capacity factor"}),
        "hourly_curtailed_mw": (KYDH, np.maximum(0.0, avail - green_h), {"units": "MW"}),
        "green_capacity_mw": (("cluster", "technology", "year"), gcap, {"units": "MW nameplate", "long_name": "green capacity contracted"}),
        "curtailment_mwh": (("cluster", "year"), (np.maximum(0.0, avail - green_h) * w4).sum(axis=(2, 3)), {"units": "MWh/yr"}),
        "peak_grid_mw": (("cluster", "year"), grid_h.max(axis=(2, 3)), {"units": "MW", "long_name": "highest hourly grid draw"}),
        "flexible_shift_mwh": (("cluster", "year"), shifted, {"units": "MWh IT/yr", "long_name": "flexible IT energy moved above its flat level"}),
        # raising the connection limit relaxes the hours at the limit (reduced cost ≤ 0); hours at
        # zero grid draw (reduced cost ≥ 0) are not affected
        "mw_value": (("cluster", "year"), -np.minimum(grid_rc, 0.0).sum(axis=(2, 3)) / discount,
                     {"units": "yuan per MW-year", "long_name": "value of one more MW of grid connection (peak)"}),
        "green_mw_value": (("cluster", "year"), -np.nan_to_num(row_dual[lp.row_slice("green_potential")]).reshape(K, Y) / discount,
                           {"units": "yuan per MW-year", "long_name": "value of one more MW of green potential (nameplate)"}),
        **_score_vars(volume, cfe, "from the hourly dispatch"),
    }
    if storage:
        out.update(
            hourly_charge_mw=(KYDH, ch, {"units": "MW"}), hourly_discharge_mw=(KYDH, dis, {"units": "MW"}),
            hourly_soc_mwh=(KYDH, v[lp.column_slice("soc")].reshape(K, Y, D, HOURS_PER_DAY), {"units": "MWh"}),
            storage_power_mw=(("cluster", "year"), v[lp.column_slice("bat_p")].reshape(K, Y), {"units": "MW"}),
            storage_energy_mwh=(("cluster", "year"), v[lp.column_slice("bat_e")].reshape(K, Y), {"units": "MWh"}),
        )
    del hours
    return out


def score_totals(res: xr.Dataset) -> dict:
    """The hourly KPIs of summary.json (the two green scores are KPI columns, reports/kpis.py)."""
    out = {"resolution": res.attrs.get("resolution", "annual")}
    if "hourly_grid_mw" in res:
        out.update(representative_days=res.attrs.get("representative_days"),
                   rep_day_rmse=float(res.attrs.get("rep_day_rmse", np.nan)),
                   curtailment_mwh=float(res["curtailment_mwh"].sum()),
                   peak_grid_mw={str(k): float(v) for k, v in res["peak_grid_mw"].max("year").to_series().items()},
                   flexible_shift_mwh=float(res["flexible_shift_mwh"].sum()),
                   green_capacity_mw={str(t): float(res["green_capacity_mw"].sel(technology=t).sum("cluster").max())
                                      for t in res.technology.values})
    return out
