"""Yearly on-site water limit of a cluster (optional: only clusters with a finite limit get a row).

WUE[k] is on-site water per kWh of IT energy (L/kWh), H = 8760 h, W[k] the limit in m³ per year:
IT MW × H = MWh, × 1000 kWh/MWh × WUE L/kWh ÷ 1000 L/m³ = m³, so a rack-year of class w at k uses
WUE[k] · H · kW[w] / 1000 m³. A binding row makes the cluster full for the unmet-demand reasons
(it caps what the cluster can run as a whole, like a power limit, and names its own reason).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .blocks import RowBlock, Term
from .family import Family
from .index import Index


def water_limited(inp: xr.Dataset) -> np.ndarray:
    return np.flatnonzero(np.isfinite(inp["water_limit_m3_per_year"].to_numpy()))


def has_water_limit(inp: xr.Dataset) -> bool:
    return water_limited(inp).size > 0


def water_m3_per_rack_year(inp: xr.Dataset) -> np.ndarray:
    """(K, W): m³ of water per rack-year of class w served at cluster k."""
    hours_per_year = float(inp.attrs["hours_per_year"])
    return inp["wue_l_per_kwh"].to_numpy()[:, None] * hours_per_year * inp["kw_per_rack"].to_numpy()[None, :] / 1000.0


def water_limit(ix: Index, inp: xr.Dataset) -> RowBlock:
    """water_limit[k,y]:  WUE[k] · 8760 · Σ_{(r,k,w)∈A} kW[w] / 1000 · x[r,k,w,y] ≤ W[k]   (clusters with a limit)"""
    limited = water_limited(inp)
    pos = np.full(ix.K, -1)
    pos[limited] = np.arange(limited.size)
    keep = np.repeat(pos[ix.arc_k] >= 0, ix.Y)
    cols = np.arange(ix.A * ix.Y)[keep]
    rows = (ix.per_arc_year(pos[ix.arc_k]) * ix.Y + ix.x_year())[keep]
    coef = ix.per_arc_year(water_m3_per_rack_year(inp)[ix.arc_k, ix.arc_w])[keep]
    hi = np.repeat(inp["water_limit_m3_per_year"].to_numpy()[limited], ix.Y)
    return RowBlock("water_limit", ("cluster", "year"), [(ix.clusters[k], y) for k in limited for y in ix.years],
                    [Term("x", rows, cols, coef)], lo=np.full(hi.size, -np.inf), hi=hi)


FAMILIES = (
    Family("water_limit", "rows", water_limit, when=has_water_limit, limits="power",
           reason=("admissible clusters at their water limit", "可达集群已达用水上限"),
           conflict="yearly water limit of {cluster} in {year}"),
)
