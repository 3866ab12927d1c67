"""Policy switches. The shares are soft: a priced shortfall variable keeps the model feasible
and the results report where and by how much the policy could not hold; a share of 0 switches
it off. The carbon budget is hard.

φ = utilisation floor (上架率), s_g = minimum green-power share, s_w = minimum share of
non-real-time work served in western hubs, C = carbon budget (no cap: C = 1e20, which HiGHS
treats as infinite, so the row exists and a frontier can move it without a rebuild).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import contrib, quantities
from .blocks import RowBlock, Term
from .capacity import occupiable_terms
from .family import Family
from .index import Index


def utilisation_floor(ix: Index, inp: xr.Dataset) -> RowBlock:
    """utilisation_floor[k,y]:  Σ_{r,w} x[r,k,w,y] + util_short[k,y]
        − φ · a[k,y] · Σ_{y'≤y} u[y,y'] · build[k,y'] ≥ φ · a[k,y] · u_0[y] · installed[k]

    A rack still filling up counts for the share it can hold (u, u_0: ``capacity.py``); racks
    retired early still count, so that retiring idle racks is no way round the floor."""
    fa = float(inp["utilisation_floor"]) * inp["available"].transpose("cluster", "year").to_numpy()
    n_x, n = ix.A * ix.Y, ix.K * ix.Y
    terms, lo = occupiable_terms(ix, inp, fa)
    return RowBlock("utilisation_floor", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("x", ix.per_arc_year(ix.arc_k) * ix.Y + ix.x_year(), np.arange(n_x), np.ones(n_x)),
                     *[t for t in terms if t.var == "build"], Term("util_short", np.arange(n), np.arange(n), np.ones(n))],
                    lo=lo, hi=np.full(n, np.inf))


def green_share(ix: Index, inp: xr.Dataset) -> RowBlock:
    """green_share[k,y]:  (1 − s_g) · (green[k,y] + hydro[k,y]) + trade[k,y] + gec[k,y] − s_g · grid[k,y] + green_short[k,y] ≥ 0
    (hydro = Σ_m hydro_m / 12; matched hour by hour, the hourly model: no hydro, no gec, trade as a flat block)"""
    s = float(inp["min_green_share"])
    n = ix.K * ix.Y
    i = np.arange(n)
    return RowBlock("green_share", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("green", i, i, np.full(n, 1 - s)), Term("grid", i, i, np.full(n, -s)),
                     Term("green_short", i, i, np.ones(n)),
                     *contrib.terms("green_share", ix, inp)],  # direct hydro and green claims (green.py)
                    lo=np.zeros(n), hi=np.full(n, np.inf))


def volume_matching(inp: xr.Dataset) -> bool:
    """The hourly model with the green share counted by annual volume (``green_share_volume``);
    otherwise ``green_share`` on green used holds it (annual model, or hour-by-hour matching)."""
    return inp.attrs.get("resolution") == "hourly" and inp.attrs.get("green_matching") == "annual"


def western_share(ix: Index, inp: xr.Dataset) -> RowBlock:
    """western_share[y]:  Σ_{(r,k,w)∈A: k∈K_W, w∉W_RT} x[r,k,w,y] − s_w · Σ_{(r,k,w)∈A: w∉W_RT} x[r,k,w,y] + west_short[y] ≥ 0"""
    s = float(inp["min_west_share"])
    # only non-real-time arcs enter the row; an eastern arc's coefficient −s_w stays an entry
    # when s_w = 0 so that a scenario switching the share on is a warm update
    arcs = np.flatnonzero(~inp["realtime"].to_numpy()[ix.arc_w])
    coef = inp["west"].to_numpy()[ix.arc_k[arcs]].astype(float) - s
    cols = (arcs[:, None] * ix.Y + np.arange(ix.Y)).ravel()
    return RowBlock("western_share", ("year",), [(y,) for y in ix.years],
                    [Term("x", np.tile(np.arange(ix.Y), arcs.size), cols, np.repeat(coef, ix.Y)),
                     Term("west_short", np.arange(ix.Y), np.arange(ix.Y), np.ones(ix.Y))],
                    lo=np.zeros(ix.Y), hi=np.full(ix.Y, np.inf))


NO_CAP = 1e20


def emission_cap(ix: Index, inp: xr.Dataset) -> RowBlock:
    """emission_cap:  Σ_{k,y} e[k] · 8760 · grid[k,y] + Σ_{r,w,y} e[r] · 8760 · PUE_loc[r] · kW[w] / 1000 · local[r,w,y]
        + Σ_{(r,s,w)∈M,y} e[s] · 8760 · PUE_loc[s] · kW[w] / 1000 · remote[r,s,w,y] + Σ_{r,w,y} e_fb · 8760 · PUE_fb · kW[w] / 1000 · unmet[r,w,y]
        − E_green ≤ C   (tCO2 over the horizon; the local terms only with local supply; unmet work emits at the fallback factor;
    E_green: green claimed and PUE savings, green.py)"""
    cap = float(inp["emission_cap_t"])
    terms = [Term(c.var, np.zeros(c.col.size, dtype=np.int64), c.col, c.coef) for c in quantities.emissions(ix, inp)]
    return RowBlock("emission_cap", (), [()], terms,
                    lo=np.array([-np.inf]), hi=np.array([NO_CAP if np.isnan(cap) else cap]))


FAMILIES = (
    Family("utilisation_floor", "rows", utilisation_floor, conflict="utilisation floor (上架率) of {cluster} in {year}"),
    Family("green_share", "rows", green_share, when=lambda inp: not volume_matching(inp),
           conflict="minimum green-power share at {cluster} in {year}"),
    Family("western_share", "rows", western_share, conflict="minimum western share of non-real-time work in {year}"),
    Family("emission_cap", "rows", emission_cap, conflict="carbon budget over the horizon", limits="grid",
           reason=("admissible clusters held back by a hard policy limit (carbon budget)", "可达集群受硬性政策约束（碳预算）")),
)
