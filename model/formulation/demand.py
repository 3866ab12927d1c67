"""Demand balance: every rack of demand is served at an admissible cluster or reported unmet.

A region with no admissible cluster for a class keeps its row, with unmet as the only column:
its demand shows up as unmet with the reason "no admissible cluster", never dropped.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import contrib
from .blocks import Bound, RowBlock, Term
from .family import Family
from .index import Index


def demand_balance(ix: Index, inp: xr.Dataset) -> RowBlock:
    """demand_balance[r,w,y]:  Σ_{k:(r,k,w)∈A} x[r,k,w,y] + local[r,w,y] + Σ_{s:(r,s,w)∈M} remote[r,s,w,y] + unmet[r,w,y] = D[r,w,y]
    (local only with local supply, remote only on the national market)"""
    D = inp["demand"].transpose("region", "workload", "year").to_numpy().ravel()
    n_x = ix.A * ix.Y
    x_row = (ix.per_arc_year(ix.arc_r * ix.W + ix.arc_w)) * ix.Y + ix.x_year()
    labels = ix.labels("region", "workload", "year")
    terms = [Term("x", x_row, np.arange(n_x), np.ones(n_x)),
             Term("unmet", np.arange(D.size), np.arange(D.size), np.ones(D.size))]
    terms += contrib.terms("demand_balance", ix, inp)  # the provinces' stock, the national market
    return RowBlock("demand_balance", ("region", "workload", "year"), labels, terms, lo=D.copy(), hi=D.copy())


def unmet_allowance(ix: Index, inp: xr.Dataset) -> Bound:
    """unmet_allowance:  unmet[r,w,y] ≤ 0 in strict mode (policy.allow_unmet: false), +∞ otherwise"""
    n = ix.R * ix.W * ix.Y
    return Bound("unmet_allowance", "unmet", np.full(n, np.inf if bool(inp["allow_unmet"]) else 0.0))


FAMILIES = (
    Family("demand_balance", "rows", demand_balance,
           conflict="demand of {region} for {workload} work in {year} must be served"),
    Family("unmet_allowance", "bound", unmet_allowance,
           conflict="strict mode: no unmet demand allowed for {region}/{workload} in {year}"),
)
