"""Power supply of each cluster (average MW over the year) — the annual resolution; with
``resolution: hourly`` these families give way to the hourly power model (``hourly.py``).

kW[w] is the average IT draw of an occupied standard rack of class w; × PUE gives facility power.
S[k] = G_green[k] · c[k]: the nameplate wind/solar potential ``green_avail_mw`` times the annual
mean capacity factor of the cluster's better technology (``green_cf_annual`` from the hourly
profiles; 1 for a dataset without profiles), i.e. at most the potential's mean output.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import contrib
from .blocks import Bound, RowBlock, Term
from .family import Family
from .index import Index


def it_power_term(ix: Index, inp: xr.Dataset, scale: np.ndarray) -> Term:
    """Term scale[k] · PUE[k]/1000 · kW[w] · x[r,k,w,y] for rows (k, y): facility MW at cluster k."""
    per_arc = (scale * inp["pue"].to_numpy())[ix.arc_k] * inp["kw_per_rack"].to_numpy()[ix.arc_w] / 1000.0
    n_x = ix.A * ix.Y
    return Term("x", ix.per_arc_year(ix.arc_k) * ix.Y + ix.x_year(), np.arange(n_x), ix.per_arc_year(per_arc))


def power_balance(ix: Index, inp: xr.Dataset) -> RowBlock:
    """power_balance[k,y]:  grid[k,y] + green[k,y] + Σ_m hydro_m[k,y,m] / 12 − PUE[k] / 1000 · Σ_{(r,k,w)∈A} kW[w] · x[r,k,w,y] = 0
    (hydro_m only with direct hydro)"""
    n = ix.K * ix.Y
    ones = np.ones(n)
    return RowBlock("power_balance", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("grid", np.arange(n), np.arange(n), ones), Term("green", np.arange(n), np.arange(n), ones),
                     it_power_term(ix, inp, -np.ones(ix.K)), *contrib.terms("power_balance", ix, inp)],
                    lo=np.zeros(n), hi=np.zeros(n))


def grid_connection_limit(ix: Index, inp: xr.Dataset) -> Bound:
    """grid_connection_limit:  grid[k,y] ≤ G[k]   (a column upper bound)"""
    return Bound("grid_connection_limit", "grid", np.repeat(inp["grid_limit_mw"].to_numpy(), ix.Y))


def green_availability(ix: Index, inp: xr.Dataset) -> Bound:
    """green_availability:  green[k,y] ≤ S[k]   (a column upper bound)"""
    return Bound("green_availability", "green", np.repeat(inp["green_avail_avg_mw"].to_numpy(), ix.Y))


def annual(inp: xr.Dataset) -> bool:
    return inp.attrs.get("resolution", "annual") == "annual"


FAMILIES = (
    Family("power_balance", "rows", power_balance, when=annual,
           conflict="power balance of {cluster} in {year} (PUE × IT load = grid + green)"),
    Family("grid_connection_limit", "bound", grid_connection_limit, when=annual,
           conflict="grid connection limit of {cluster} in {year}", limits="grid"),
    Family("green_availability", "bound", green_availability, when=annual,
           conflict="green-power availability at {cluster} in {year}", limits="green"),
)
