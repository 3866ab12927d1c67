"""Cluster capacity and construction.

With modular builds (optional, ``modular_builds``), capacity comes in blocks of B racks, each
block carrying a fixed cost F (cost term ``block_fixed``, annualised like capex).

a[k,y] ∈ {0, 1} is availability (0 in a scenario's outage years): a cluster in outage serves
nothing, while racks built before or during the outage count again afterwards.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .blocks import Bound, RowBlock, Term, VarBlock
from .family import Family
from .index import Index


def cumulative_build_term(ix: Index, scale: np.ndarray) -> Term:
    """Term Σ_{y' ≤ y} scale[k,y] · build[k,y'] for rows (k, y), k-major."""
    K, Y = ix.K, ix.Y
    kk, t, tp = np.nonzero(np.broadcast_to(np.tril(np.ones((Y, Y), bool)), (K, Y, Y)))
    return Term("build", kk * Y + t, kk * Y + tp, scale.reshape(K, Y)[kk, t])


def cluster_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    """cluster_capacity[k,y]:  Σ_{r,w} x[r,k,w,y] − a[k,y] · Σ_{y'≤y} build[k,y'] ≤ a[k,y] · installed[k]"""
    a = inp["available"].transpose("cluster", "year").to_numpy()
    n_x = ix.A * ix.Y
    x_row = ix.per_arc_year(ix.arc_k) * ix.Y + ix.x_year()
    hi = (a * inp["installed_racks"].to_numpy()[:, None]).ravel()
    return RowBlock("cluster_capacity", ("cluster", "year"),
                    [(k, y) for k in ix.clusters for y in ix.years],
                    [Term("x", x_row, np.arange(n_x), np.ones(n_x)), cumulative_build_term(ix, -a)],
                    lo=np.full(hi.size, -np.inf), hi=hi)


def build_potential(ix: Index, inp: xr.Dataset) -> RowBlock:
    """build_potential[k]:  Σ_y build[k,y] ≤ planned[k] − installed[k]"""
    room = inp["planned_racks"].to_numpy() - inp["installed_racks"].to_numpy()
    n = ix.K * ix.Y
    return RowBlock("build_potential", ("cluster",), [(k,) for k in ix.clusters],
                    [Term("build", np.repeat(np.arange(ix.K), ix.Y), np.arange(n), np.ones(n))],
                    lo=np.full(ix.K, -np.inf), hi=room)


def build_limit(ix: Index, inp: xr.Dataset) -> Bound:
    """build_limit:  build[k,y] ≤ build_limit[k]   (a column upper bound)"""
    return Bound("build_limit", "build", np.repeat(inp["build_limit_racks_per_year"].to_numpy(), ix.Y))


def block_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    """blocks[k,y] ∈ ℤ≥0 (ℝ≥0 when relaxed): blocks of B racks built at k in year y"""
    return {"blocks": VarBlock("blocks", ("cluster", "year"), [(k, y) for k in ix.clusters for y in ix.years],
                    "blocks of capacity built", integer=not bool(inp["modular_relax"]))}


def modular_build(ix: Index, inp: xr.Dataset) -> RowBlock:
    """modular_build[k,y]:  build[k,y] − B · blocks[k,y] = 0"""
    n = ix.K * ix.Y
    i = np.arange(n)
    return RowBlock("modular_build", ("cluster", "year"), [(k, y) for k in ix.clusters for y in ix.years],
                    [Term("build", i, i, np.ones(n)), Term("blocks", i, i, np.full(n, -float(inp["block_racks"])))],
                    lo=np.zeros(n), hi=np.zeros(n))


def modular(inp: xr.Dataset) -> bool:
    return bool(np.isfinite(float(inp["block_racks"])))


FAMILIES = (
    Family("cluster_capacity", "rows", cluster_capacity, conflict="capacity of {cluster} in {year}", limits="racks"),
    Family("build_potential", "rows", build_potential, conflict="planned capacity of {cluster}", limits="build"),
    Family("build_limit", "bound", build_limit, conflict="yearly build limit of {cluster} in {year}", limits="build"),
    Family("blocks", "vars", block_variables, when=modular),
    Family("modular_build", "rows", modular_build, when=modular,
           conflict="builds at {cluster} in {year} come in whole blocks"),
)
