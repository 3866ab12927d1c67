"""The data lifecycle (issue 21): chains of stages that data pass through, as flows of TB/yr.

A chain c (IoT, media, enterprise, AI corpus, backup, …) has stages s = 1, 2, … in order; each
stage handles ρ[s] TB/yr per TB/yr collected (``stage_volume_ratio``) and occupies the racks of
its class w(s) at a cluster, one standard rack per θ[s] TB/yr (``stage_tb_per_rack_year``) — or,
for a stage with a retention time R[s] (``stage_retention_years``, 东数西存 as a stock), the data
arriving in year y' stay stored where they arrived for the years y ≥ y' with y − y' < R[s], one
rack per κ[s] TB held (``stage_tb_per_rack``): storing is paid at that place for R[s] years, and
a later stage that reads the stock (``stage_reads_stock``: training re-reading its corpus) reads it
there every year, or pays to move it (data gravity). The
data collected in province r (V[c,r,y], ``chain_source_tb``) reach stage 1 at some cluster; the
output of stage s at cluster k goes on to stage s+1 at some cluster (PyPSA's Link, Calliope's
conversion_plus with one carrier, TB). f[s,o,k,y] ≥ 0 is the TB/yr of stage s arriving at cluster
k from o (a province for s = 1, else the cluster of the previous stage); it exists when o's hub
(a province's home hub) is k's hub or a backbone edge joins the two hubs, and, for a stage whose
data must stay in their province (finance, government), when k is in o's province. Chain racks come on
top of demand.csv: they contribute to ``cluster_capacity`` and ``power_balance`` (so their
electricity and carbon are the cluster's), and pay the variable opex per rack (``chain_opex``)
and the edge's price per TB moved between hubs (``chain_transfer``, ``backbone.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import contrib
from .blocks import CostTerm, RowBlock, Term, VarBlock
from .family import Family
from .index import Index


def has_chains(inp: xr.Dataset) -> bool:
    return "stage" in inp.dims


@dataclass(frozen=True)
class Flows:
    """One entry per flow column (stage-major, then origin, destination; years innermost)."""
    stage: np.ndarray  # stage position
    origin: np.ndarray  # region position (stage order 1) or cluster position
    first: np.ndarray  # bool: origin is a province
    cluster: np.ndarray  # destination cluster position
    edge: np.ndarray  # backbone edge position, −1 within one hub
    year: np.ndarray
    col: np.ndarray


def _edge_of(inp: xr.Dataset) -> dict[tuple[str, str], int]:
    if "edge" not in inp.dims:
        return {}
    a, b = inp["edge_hub_a"].values.astype(str), inp["edge_hub_b"].values.astype(str)
    return {**{(x, y): e for e, (x, y) in enumerate(zip(a, b))}, **{(y, x): e for e, (x, y) in enumerate(zip(a, b))}}


def prev_stage(inp: xr.Dataset) -> np.ndarray:
    """(S,) position of the stage before s in its chain, −1 for a first stage."""
    chain, order = inp["stage_chain"].values.astype(str), inp["stage_order"].to_numpy()
    pos = {(c, o): i for i, (c, o) in enumerate(zip(chain, order))}
    return np.array([pos.get((c, o - 1), -1) for c, o in zip(chain, order)])


def sources(inp: xr.Dataset) -> np.ndarray:
    """(S, R) bool: province r collects data of the chain of first stage s in some year."""
    chain_pos = {c: i for i, c in enumerate(inp["chain"].values.astype(str))}
    vol = inp["chain_source_tb"].transpose("chain", "region", "year").to_numpy().sum(axis=2)
    first = inp["stage_order"].to_numpy() == 1
    return np.array([vol[chain_pos[c]] > 0 for c in inp["stage_chain"].values.astype(str)]) & first[:, None]


def flows(ix: Index, inp: xr.Dataset) -> Flows:
    """The flow columns, built once per index."""
    if "flows" in ix.memo:
        return ix.memo["flows"]
    hub_k = inp["hub"].values.astype(str)
    home = inp["region_home_hub"].values.astype(str)
    edge_of, src = _edge_of(inp), sources(inp)
    region_k = np.array([ix.regions.index(r) for r in inp["cluster_region"].values.astype(str)])
    stay = inp["stage_stay_in_province"].to_numpy()
    rows = []  # (stage, origin, first, cluster, edge)
    for s, p in enumerate(prev_stage(inp)):
        origins = [(r, True, home[r], r) for r in np.flatnonzero(src[s])] if p < 0 else \
                  [(k, False, hub_k[k], region_k[k]) for k in range(ix.K)]
        for o, first, h, region in origins:
            for k in range(ix.K):
                e = -1 if hub_k[k] == h else edge_of.get((h, hub_k[k]), None)
                if e is not None and not (stay[s] and region_k[k] != region):
                    rows.append((s, o, first, k, e))
    a = np.array(rows, dtype=np.int64).reshape(-1, 5)
    Y = ix.Y
    stage, origin, first, cluster, edge = (np.repeat(a[:, i], Y) for i in range(5))
    f = Flows(stage, origin, first.astype(bool), cluster, edge, np.tile(np.arange(Y), len(a)), np.arange(len(a) * Y))
    ix.memo["flows"] = f
    return f


def chain_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    f = flows(ix, inp)
    st, rg, cl = inp["stage"].values.astype(str), ix.regions, ix.clusters
    labels = [(st[s], rg[o] if first else cl[o], cl[k], ix.years[y])
              for s, o, first, k, y in zip(f.stage.tolist(), f.origin.tolist(), f.first.tolist(), f.cluster.tolist(), f.year.tolist())]
    S_, R = np.nonzero(sources(inp))
    unmet = [(st[a], rg[b], y) for a, b in zip(S_.tolist(), R.tolist()) for y in ix.years]
    return {"chain_unmet": VarBlock("chain_unmet", ("stage", "region", "year"), unmet,
                                    "TB/yr of the first stage's data that no cluster takes (priced like unmet racks)"),
            "chain_flow": VarBlock("chain_flow", ("stage", "origin", "cluster", "year"), labels,
                                   "TB/yr of stage s arriving at cluster k from o (a province or the previous stage's cluster)")}


def chain_source(ix: Index, inp: xr.Dataset) -> RowBlock:
    """chain_source[s,r,y]:  Σ_k f[s,r,k,y] + u_c[s,r,y] = ρ[s] · V[c(s),r,y]   (s a first stage, r a province that collects data of c(s))"""
    f = flows(ix, inp)
    S_, R = np.nonzero(sources(inp))
    pos = -np.ones((inp.sizes["stage"], ix.R), dtype=np.int64)
    pos[S_, R] = np.arange(S_.size)
    m = f.first
    chain_pos = {c: i for i, c in enumerate(inp["chain"].values.astype(str))}
    c = np.array([chain_pos[x] for x in inp["stage_chain"].values.astype(str)])[S_]
    V = inp["chain_source_tb"].transpose("chain", "region", "year").to_numpy()[c, R]  # (n, Y)
    rhs = (inp["stage_volume_ratio"].to_numpy()[S_][:, None] * V).ravel()
    st = inp["stage"].values.astype(str)
    return RowBlock("chain_source", ("stage", "region", "year"),
                    [(st[s], ix.regions[r], y) for s, r in zip(S_.tolist(), R.tolist()) for y in ix.years],
                    [Term("chain_flow", pos[f.stage[m], f.origin[m]] * ix.Y + f.year[m], f.col[m], np.ones(m.sum())),
                     Term("chain_unmet", np.arange(rhs.size), np.arange(rhs.size), np.ones(rhs.size))],
                    lo=rhs, hi=rhs.copy())


def chain_stage(ix: Index, inp: xr.Dataset) -> RowBlock:
    """chain_stage[s,k,y]:  Σ_{k'} f[s,k,k',y] − ρ[s] / ρ[s−1] · Σ_o Σ_{y'∈G[s,y]} f[s−1,o,k,y'] = 0   (s not a first stage;
    G[s,y] = H[s−1,y], the stock the previous stage holds, for a stage that reads it; {y} otherwise)"""
    f, prev = flows(ix, inp), prev_stage(inp)
    later = np.flatnonzero(prev >= 0)
    pos = -np.ones(prev.size, dtype=np.int64)
    pos[later] = np.arange(later.size)
    rho = inp["stage_volume_ratio"].to_numpy()
    ratio = np.divide(rho, rho[prev], out=np.zeros_like(rho), where=(prev >= 0) & (rho[prev] > 0))
    out_m = ~f.first  # leaving cluster f.origin for stage f.stage
    row_out = (pos[f.stage[out_m]] * ix.K + f.origin[out_m]) * ix.Y + f.year[out_m]
    nxt = -np.ones(prev.size, dtype=np.int64)  # the stage after s
    nxt[prev[later]] = later
    # G[s]: which arrivals y' of the previous stage stage s reads in year y (the stock, or the year's)
    reads = inp["stage_reads_stock"].to_numpy() & (prev >= 0)
    G = np.where(reads[:, None, None], holding(inp, ix.years)[np.maximum(prev, 0)], np.eye(ix.Y, dtype=bool)[None])
    feeds = np.flatnonzero(nxt[f.stage] >= 0)  # arriving at f.cluster for stage p, feeding the next stage there
    jj, y = np.nonzero(G[nxt[f.stage[feeds]], :, f.year[feeds]])
    j = feeds[jj]
    row_in = (pos[nxt[f.stage[j]]] * ix.K + f.cluster[j]) * ix.Y + y
    n = later.size * ix.K * ix.Y
    st = inp["stage"].values.astype(str)
    return RowBlock("chain_stage", ("stage", "cluster", "year"),
                    ix.labels([st[s] for s in later.tolist()], "cluster", "year"),
                    [Term("chain_flow", row_out, f.col[out_m], np.ones(out_m.sum())),
                     Term("chain_flow", row_in, f.col[j], -ratio[nxt[f.stage[j]]])],
                    lo=np.zeros(n), hi=np.zeros(n))


def chain_copies(ix: Index, inp: xr.Dataset) -> RowBlock:
    """chain_copies[s,h,y]:  Σ_{o, k∈h} f[s,o,k,y] − 1/n[s] · Σ_{o,k} f[s,o,k,y] ≤ 0   (stages with n[s] > 1 copies, 灾备)"""
    f = flows(ix, inp)
    n_copies = inp["stage_copies"].to_numpy()
    multi = np.flatnonzero(n_copies > 1)
    pos = -np.ones(n_copies.size, dtype=np.int64)
    pos[multi] = np.arange(multi.size)
    hubs = sorted(set(inp["hub"].values.astype(str)))
    hub_pos = np.array([hubs.index(h) for h in inp["hub"].values.astype(str)])
    H, m = len(hubs), pos[f.stage] >= 0
    base = pos[f.stage[m]] * H
    every = ((base[:, None] + np.arange(H)[None, :]) * ix.Y + f.year[m][:, None]).ravel()
    coef = ((hub_pos[f.cluster[m]][:, None] == np.arange(H)[None, :]) - 1.0 / n_copies[f.stage[m]][:, None]).ravel()
    n = multi.size * H * ix.Y
    st = inp["stage"].values.astype(str)
    return RowBlock("chain_copies", ("stage", "hub", "year"),
                    [(st[s], h, y) for s in multi.tolist() for h in hubs for y in ix.years],
                    [Term("chain_flow", every, np.repeat(f.col[m], H), coef)],
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def chain_unmet_penalty(ix: Index, inp: xr.Dataset) -> CostTerm:
    """chain_unmet_penalty = Σ_{s,r,y} δ_y · V_c[s] · u_c[s,r,y],  V_c[s] = the stage's unmet price per TB, else V_pen / θ[s]"""
    S_, _ = np.nonzero(sources(inp))
    own = inp["stage_unmet_yuan_per_tb"].to_numpy()[S_]
    per_tb = np.where(np.isnan(own), float(inp["unmet_penalty_yuan_per_rack_year"]) / inp["stage_tb_per_rack_year"].to_numpy()[S_], own)
    coef = (per_tb[:, None] * inp["discount_factor"].to_numpy()[None, :]).ravel()
    return CostTerm("chain_unmet_penalty", [("chain_unmet", np.arange(coef.size), coef)])


def racks_per_tb(inp: xr.Dataset) -> np.ndarray:
    """(S,) ν[s]: standard racks per TB/yr arriving, 1 / θ[s]; with a retention time, per TB held, 1 / κ[s]."""
    held = np.isfinite(inp["stage_retention_years"].to_numpy())
    return np.where(held, 1.0 / inp["stage_tb_per_rack"].to_numpy(), 1.0 / inp["stage_tb_per_rack_year"].to_numpy())


def holding(inp: xr.Dataset, years: list[int]) -> np.ndarray:
    """(S, Y, Y') bool H: the data of stage s arriving in y' are held in y (y' ≤ y, y − y' < R[s];
    only y' = y without a retention time)."""
    yr = np.asarray(years, float)
    age = yr[:, None] - yr[None, :]
    retention = np.nan_to_num(inp["stage_retention_years"].to_numpy(), nan=1.0)
    return (age[None, :, :] >= 0) & (age[None, :, :] < retention[:, None, None])


def held(ix: Index, inp: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(flow position j, year y) of every year in which flow j's data occupy racks, built once."""
    if "held" not in ix.memo:
        f = flows(ix, inp)
        j, y = np.nonzero(holding(inp, ix.years)[f.stage, :, f.year])  # (flows, Y): years held
        ix.memo["held"] = (j, y)
    return ix.memo["held"]


def rack_term(ix: Index, inp: xr.Dataset) -> Term:
    """+ ν[s] · Σ_{y'∈H[s,y]} f[s,o,k,y'] in cluster_capacity[k,y]: the racks the stage occupies at k
    (H[s,y] = {y}, ν = 1/θ without a retention time; the years y' ≤ y with y − y' < R[s], ν = 1/κ with one)."""
    f, (j, y) = flows(ix, inp), held(ix, inp)
    return Term("chain_flow", f.cluster[j] * ix.Y + y, f.col[j], racks_per_tb(inp)[f.stage[j]])


def power_term(ix: Index, inp: xr.Dataset) -> Term:
    """− PUE[k] / 1000 · kW[w(s)] · ν[s] · Σ_{y'∈H[s,y]} f[s,o,k,y'] in power_balance[k,y]."""
    f, (j, y) = flows(ix, inp), held(ix, inp)
    w_pos = {w: i for i, w in enumerate(ix.workloads)}
    kw = inp["kw_per_rack"].to_numpy()[[w_pos[w] for w in inp["stage_workload"].values.astype(str)]]
    coef = -inp["pue"].to_numpy()[f.cluster[j]] / 1000.0 * (kw * racks_per_tb(inp))[f.stage[j]]
    return Term("chain_flow", f.cluster[j] * ix.Y + y, f.col[j], coef)


def chain_opex(ix: Index, inp: xr.Dataset) -> CostTerm:
    """chain_opex = Σ_{s,o,k,y} δ_y · (1 − s_f) · o[k] · ν[s] · Σ_{y'∈H[s,y]} f[s,o,k,y']"""
    f, (j, y) = flows(ix, inp), held(ix, inp)
    o = (1 - float(inp["fixed_opex_share"])) * inp["opex_yuan_per_rack_year"].to_numpy()[f.cluster[j]]
    coef = np.zeros(f.col.size)
    np.add.at(coef, j, o * racks_per_tb(inp)[f.stage[j]] * inp["discount_factor"].to_numpy()[y])
    return CostTerm("chain_opex", [("chain_flow", f.col, coef)])


contrib.contribute("cluster_capacity", has_chains, rack_term)
contrib.contribute("power_balance", has_chains, power_term)

VARS = (Family("chain_variables", "vars", chain_variables, when=has_chains),)
ROWS = (Family("chain_source", "rows", chain_source, when=has_chains,
               conflict="the data of {stage} collected in {region} in {year} must reach a cluster"),
        Family("chain_stage", "rows", chain_stage, when=has_chains,
               conflict="the output of the stage before {stage} at {cluster} in {year} must go on"),
        Family("chain_copies", "rows", chain_copies, when=has_chains,
               conflict="copies of {stage} in {year} must sit in different hubs"))
COSTS = (Family("chain_opex", "cost", chain_opex, when=has_chains),
         Family("chain_unmet_penalty", "cost", chain_unmet_penalty, when=has_chains))
