"""N-1 resilience (optional, ``policy.n_minus_1``): the plan must survive the loss of any single
cluster. For a failed cluster f, the load it serves is re-served by the spare capacity and power
of the other clusters, on admissible arcs only; what cannot be is a priced, reported shortfall.

Pairs P = {(f, r, k, w): (r,f,w) ∈ A, (r,k,w) ∈ A, k ≠ f}; variables reserve[f,r,k,w,y] ≥ 0
(load of r's class w moved from failed f to k) and n1_short[f,r,w,y] ≥ 0.

n1_short is priced like a policy shortfall (P per rack-year, cost term ``resilience_penalty``):
below the unmet penalty V, so load that cannot be made resilient is still served, not dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .blocks import CostTerm, RowBlock, Term, VarBlock
from .capacity import occupiable_terms
from .family import Family
from .index import Index


@dataclass
class Pairs:
    serve: np.ndarray  # arc index of (r, k, w): where the load goes
    failed: np.ndarray  # arc index of (r, f, w): where it came from
    fk: np.ndarray  # row of (f, k) among the K·(K−1) ordered cluster pairs (f-major, k ≠ f)


def pairs(ix: Index) -> Pairs:
    """The pairs P of the index, built once per index (every N-1 family uses them)."""
    if "n1_pairs" not in ix.memo:
        ix.memo["n1_pairs"] = _pairs(ix)
    return ix.memo["n1_pairs"]


def _pairs(ix: Index) -> Pairs:
    group = ix.arc_r * ix.W + ix.arc_w
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    serve, failed = [], []
    for members in np.split(order, bounds):
        a, b = np.meshgrid(members, members, indexing="ij")
        keep = a != b
        serve.append(a[keep])
        failed.append(b[keep])
    serve, failed = (np.concatenate(v) if v else np.zeros(0, np.int64) for v in (serve, failed))
    k, f = ix.arc_k[serve], ix.arc_k[failed]
    fk = f * (ix.K - 1) + np.where(k > f, k - 1, k)
    return Pairs(serve, failed, fk)


def _fk_labels(ix: Index):
    return [(ix.clusters[f], ix.clusters[k], y) for f in range(ix.K) for k in range(ix.K) if k != f for y in ix.years]


def n1_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    """reserve[f,r,k,w,y] for (f,r,k,w) ∈ P, n1_short[f,r,w,y] for (r,f,w) ∈ A (all ≥ 0)"""
    p = pairs(ix)
    lab = lambda a: (ix.regions[ix.arc_r[a]], ix.clusters[ix.arc_k[a]], ix.workloads[ix.arc_w[a]])  # noqa: E731
    reserve = [(ix.clusters[ix.arc_k[f]], *lab(s), y) for s, f in zip(p.serve, p.failed) for y in ix.years]
    short = [(ix.clusters[ix.arc_k[a]], ix.regions[ix.arc_r[a]], ix.workloads[ix.arc_w[a]], y)
             for a in range(ix.A) for y in ix.years]
    return {"reserve": VarBlock("reserve", ("failed", "region", "cluster", "workload", "year"), reserve,
                                "racks re-served at cluster after a failure"),
            "n1_short": VarBlock("n1_short", ("failed", "region", "workload", "year"), short,
                                 "racks that could not be re-served")}


def n1_reroute(ix: Index, inp: xr.Dataset) -> RowBlock:
    """n1_reroute[f,r,w,y]:  Σ_{k≠f} reserve[f,r,k,w,y] + n1_short[f,r,w,y] − x[r,f,w,y] ≥ 0"""
    p = pairs(ix)
    Y, n = ix.Y, ix.A * ix.Y
    t = np.tile(np.arange(Y), p.serve.size)
    short_labels = [(ix.clusters[ix.arc_k[a]], ix.regions[ix.arc_r[a]], ix.workloads[ix.arc_w[a]], y)
                    for a in range(ix.A) for y in ix.years]
    return RowBlock("n1_reroute", ("failed", "region", "workload", "year"), short_labels,
                    [Term("reserve", np.repeat(p.failed, Y) * Y + t, np.arange(p.serve.size * Y), np.ones(p.serve.size * Y)),
                     Term("n1_short", np.arange(n), np.arange(n), np.ones(n)),
                     Term("x", np.arange(n), np.arange(n), -np.ones(n))],
                    lo=np.zeros(n), hi=np.full(n, np.inf))


def _load_terms(ix: Index, p: Pairs, per_arc: np.ndarray) -> list[Term]:
    """Σ coef·(x at k + reserve at k after f fails) for rows (f, k, y), f-major."""
    Y, K = ix.Y, ix.K
    # x[r,k,w,y] enters the row of every f ≠ k
    f = np.repeat(np.arange(K)[None, :], ix.A, axis=0)  # (A, K)
    k = np.repeat(ix.arc_k[:, None], K, axis=1)
    a = np.repeat(np.arange(ix.A)[:, None], K, axis=1)
    keep = f != k
    f, k, a = f[keep], k[keep], a[keep]
    fk = f * (K - 1) + np.where(k > f, k - 1, k)
    t = np.tile(np.arange(Y), a.size)
    ns = p.serve.size
    ts = np.tile(np.arange(Y), ns)
    return [Term("x", np.repeat(fk, Y) * Y + t, np.repeat(a, Y) * Y + t, np.repeat(per_arc[a], Y)),
            Term("reserve", np.repeat(p.fk, Y) * Y + ts, np.arange(ns * Y), np.repeat(per_arc[p.serve], Y))]


def n1_spare_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    """n1_spare_capacity[f,k,y]:  Σ_{r,w} (x[r,k,w,y] + reserve[f,r,k,w,y])
        − a[k,y] · (Σ_{y'≤y} u[y,y'] · build[k,y'] − u_0[y] · Σ_{y'≤y} retire[k,y'])
        ≤ a[k,y] · u_0[y] · installed[k]"""
    p = pairs(ix)
    K, Y = ix.K, ix.Y
    av = inp["available"].transpose("cluster", "year").to_numpy()
    labels = _fk_labels(ix)
    terms, hi_ky = occupiable_terms(ix, inp, av)  # rows (k, y); repeated for every failed f ≠ k
    repeated = []
    for t in terms:
        kk, y = np.divmod(t.row, Y)
        f = np.tile(np.arange(K), t.row.size)
        kk, y, col, coef = (np.repeat(v, K) for v in (kk, y, t.col, t.coef))
        keep = f != kk
        repeated.append(Term(t.var, (f * (K - 1) + np.where(kk > f, kk - 1, kk))[keep] * Y + y[keep], col[keep], coef[keep]))
    k_of_row = np.array([k for f in range(K) for k in range(K) if k != f], dtype=np.int64)
    hi = hi_ky.reshape(K, Y)[k_of_row].ravel()
    return RowBlock("n1_spare_capacity", ("failed", "cluster", "year"), labels,
                    _load_terms(ix, p, np.ones(ix.A)) + repeated,
                    lo=np.full(hi.size, -np.inf), hi=hi)


def n1_spare_power(ix: Index, inp: xr.Dataset) -> RowBlock:
    """n1_spare_power[f,k,y]:  PUE[k] / 1000 · Σ_{r,w} kW[w] · (x[r,k,w,y] + reserve[f,r,k,w,y]) ≤ G[k] + S[k]"""
    p = pairs(ix)
    K = ix.K
    per_arc = inp["pue"].to_numpy()[ix.arc_k] * inp["kw_per_rack"].to_numpy()[ix.arc_w] / 1000.0
    k_of_row = np.array([k for f in range(K) for k in range(K) if k != f])
    supply = (inp["grid_limit_mw"] + inp["green_avail_avg_mw"]).to_numpy()[k_of_row]
    hi = np.repeat(supply, ix.Y)
    return RowBlock("n1_spare_power", ("failed", "cluster", "year"), _fk_labels(ix), _load_terms(ix, p, per_arc),
                    lo=np.full(hi.size, -np.inf), hi=hi)


def resilience_penalty(ix: Index, inp: xr.Dataset) -> CostTerm:
    """resilience_penalty = Σ_{f,r,w,y} δ_y · P · n1_short[f,r,w,y]"""
    discount = inp["discount_factor"].to_numpy()
    P = float(inp["policy_penalty_yuan_per_rack_year"])
    return CostTerm("resilience_penalty", [("n1_short", np.arange(ix.A * ix.Y), P * np.tile(discount, ix.A))])


def n_minus_1(inp: xr.Dataset) -> bool:
    return bool(inp["n_minus_1"])


FAMILIES = (
    Family("n1_variables", "vars", n1_variables, when=n_minus_1),
    Family("n1_reroute", "rows", n1_reroute, when=n_minus_1,
           conflict="N-1: {region}'s {workload} load at {failed} must be re-served if {failed} fails in {year}"),
    Family("n1_spare_capacity", "rows", n1_spare_capacity, when=n_minus_1,
           conflict="N-1: spare capacity of {cluster} if {failed} fails in {year}"),
    Family("n1_spare_power", "rows", n1_spare_power, when=n_minus_1,
           conflict="N-1: spare power of {cluster} if {failed} fails in {year}"),
    Family("resilience_penalty", "cost", resilience_penalty, when=n_minus_1),
)
