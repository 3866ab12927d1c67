"""Yearly water limit of a cluster (optional: only clusters with a finite limit get a row).

    water_limit[k,y]:   WUE[k] · H · Σ_{(r,k,w) ∈ A} kW[w] / 1000 · x[r,k,w,y] ≤ W[k]

WUE[k] is on-site water per kWh of IT energy (L/kWh), H = 8760 h, W[k] the limit in m³ per year:
IT MW × H = MWh, × 1000 kWh/MWh × WUE L/kWh ÷ 1000 L/m³ = m³, so the coefficient is WUE · H · kW / 1000.
A cluster in outage serves nothing, so its row is slack. When the row binds, demand that could only
go there is reported unmet with the reason "admissible clusters at their water limit".
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .blocks import RowBlock, Term
from .index import Index


def water_limited(inp: xr.Dataset) -> np.ndarray:
    return np.flatnonzero(np.isfinite(inp["water_limit_m3_per_year"].to_numpy()))


def water_m3_per_rack_year(ix: Index, inp: xr.Dataset) -> np.ndarray:
    """Per arc: m³ of water per rack-year served on that arc."""
    H = float(inp.attrs["hours_per_year"])
    return inp["wue_l_per_kwh"].to_numpy()[ix.arc_k] * H * inp["kw_per_rack"].to_numpy()[ix.arc_w] / 1000.0


def water_limit(ix: Index, inp: xr.Dataset) -> RowBlock:
    limited = water_limited(inp)
    pos = np.full(ix.K, -1)
    pos[limited] = np.arange(limited.size)
    keep = np.repeat(pos[ix.arc_k] >= 0, ix.Y)
    cols = np.arange(ix.A * ix.Y)[keep]
    rows = (ix.per_arc_year(pos[ix.arc_k]) * ix.Y + ix.x_year())[keep]
    coef = ix.per_arc_year(water_m3_per_rack_year(ix, inp))[keep]
    hi = np.repeat(inp["water_limit_m3_per_year"].to_numpy()[limited], ix.Y)
    return RowBlock("water_limit", ("cluster", "year"), [(ix.clusters[k], y) for k in limited for y in ix.years],
                    [Term("x", rows, cols, coef)], lo=np.full(hi.size, -np.inf), hi=hi)
