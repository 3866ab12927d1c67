"""Cluster capacity and construction.

Builds are decided by economics: the official plan ``planned_racks`` is not a ceiling. Racks up
to the plan cost ``capex``; racks beyond it (``build_above``) cost capex × (1 + premium) (cost term
``capex_above_plan``: dearer land, grid reinforcement, approvals), up to the site's physical
potential P[k] = site_potential_share_of_plan × planned[k], at most ``build_limit`` racks a year.
Racks of the installed stock may be retired early (``retire``) to save their fixed opex.

Racks fill up over time (上架 ramp): a rack can hold at most u(n) = min(u_max, u_1 + g · n) racks
of load in its (n+1)-th year in service (u_1 = ``fill_new_first_year``), and the installed stock
at most u_0(y) = min(u_max, u_inst + g · (y − y0)); a rack added (paid) in year y' enters service
ℓ = ``build_lead_years`` later and therefore holds at most u(y − y' − ℓ) of load in year y.
Settings absent from a dataset default to no ramp (u = 1), no lead time and a potential equal to
the plan.

AI classes run only on racks fitted for AI (``installed_ai_racks`` and ``build_ai``); with
``ai_racks_reserved`` those racks host AI work only and general work has the other racks.

With modular builds (optional, ``modular_builds``), capacity comes in blocks of B racks, each
block carrying a fixed cost F (cost term ``block_fixed``, annualised like capex).

a[k,y] ∈ {0, 1} is availability (0 in a scenario's outage years): a cluster in outage serves
nothing, while racks built before or during the outage count again afterwards.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import contrib
from .blocks import Bound, RowBlock, Term, VarBlock
from .family import Family
from .index import Index


def fill_installed(inp: xr.Dataset) -> np.ndarray:
    """u_0[y]: the share of the installed stock that can hold load in year y."""
    t = np.arange(inp.sizes["year"], dtype=float)
    return np.minimum(float(inp["fill_max"]), float(inp["fill_installed_first_year"]) + float(inp["fill_gain_per_year"]) * t)


def fill_new(inp: xr.Dataset) -> np.ndarray:
    """u[y, y'] (Y × Y): the share of a rack added in year y' that can hold load in year y (0 before
    it is in service, ``build_lead_years`` after y')."""
    Y = inp.sizes["year"]
    age = np.arange(Y)[:, None] - np.arange(Y)[None, :] - float(inp["build_lead_years"])
    u = np.minimum(float(inp["fill_max"]), float(inp["fill_new_first_year"]) + float(inp["fill_gain_per_year"]) * age)
    return np.where(age >= 0, u, 0.0)


def occupiable_terms(ix: Index, inp: xr.Dataset, scale: np.ndarray) -> tuple[list[Term], np.ndarray]:
    """Terms −scale[k,y] · (Σ_{y'≤y} u[y,y'] · build[k,y'] − u_0[y] · Σ_{y'≤y} retire[k,y']) for rows
    (k, y), and scale[k,y] · u_0[y] · installed[k]: the load cluster k can hold is ≤ their sum."""
    K, Y = ix.K, ix.Y
    s = scale.reshape(K, Y)
    u, u0 = fill_new(inp), fill_installed(inp)
    kk, t, tp = np.nonzero(np.broadcast_to(np.tril(np.ones((Y, Y), bool)), (K, Y, Y)))
    build = Term("build", kk * Y + t, kk * Y + tp, -(s[kk, t] * u[t, tp]))
    retire = Term("retire", kk * Y + t, kk * Y + tp, s[kk, t] * u0[t])
    return [build, retire], (s * u0[None, :] * inp["installed_racks"].to_numpy()[:, None]).ravel()


def in_service(inp: xr.Dataset, build: np.ndarray, retire: np.ndarray) -> np.ndarray:
    """(K, Y) racks in service: installed − Σ_{y'≤y} retire + Σ_{y'≤y} build (what fixed opex is paid on)."""
    return inp["installed_racks"].to_numpy()[:, None] - np.cumsum(retire, axis=1) + np.cumsum(build, axis=1)


def occupiable(inp: xr.Dataset, build: np.ndarray, retire: np.ndarray) -> np.ndarray:
    """(K, Y) the load the racks in service can hold after their fill-up (a[k,y] not applied)."""
    u0 = fill_installed(inp)
    return (u0[None, :] * (inp["installed_racks"].to_numpy()[:, None] - np.cumsum(retire, axis=1))
            + build @ fill_new(inp).T)


def cluster_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    """cluster_capacity[k,y]:  Σ_{r,w} x[r,k,w,y] − a[k,y] · (Σ_{y'≤y} u[y,y'] · build[k,y'] − u_0[y] · Σ_{y'≤y} retire[k,y'])
        ≤ a[k,y] · u_0[y] · installed[k]"""
    a = inp["available"].transpose("cluster", "year").to_numpy()
    n_x = ix.A * ix.Y
    x_row = ix.per_arc_year(ix.arc_k) * ix.Y + ix.x_year()
    terms, hi = occupiable_terms(ix, inp, a)
    return RowBlock("cluster_capacity", ("cluster", "year"),
                    ix.labels("cluster", "year"),
                    [Term("x", x_row, np.arange(n_x), np.ones(n_x)), *terms,
                     *contrib.terms("cluster_capacity", ix, inp)],  # the chains' racks (lifecycle.py)
                    lo=np.full(hi.size, -np.inf), hi=hi)


def site_potential(inp: xr.Dataset) -> np.ndarray:
    """P[k] = site_potential_share_of_plan × planned[k], never below the installed stock."""
    return np.maximum(float(inp["site_potential_share_of_plan"]) * inp["planned_racks"].to_numpy(),
                      inp["installed_racks"].to_numpy())


def build_potential(ix: Index, inp: xr.Dataset) -> RowBlock:
    """build_potential[k]:  Σ_y build[k,y] ≤ P[k] − installed[k]"""
    room = site_potential(inp) - inp["installed_racks"].to_numpy()
    n = ix.K * ix.Y
    return RowBlock("build_potential", ("cluster",), [(k,) for k in ix.clusters],
                    [Term("build", np.repeat(np.arange(ix.K), ix.Y), np.arange(n), np.ones(n))],
                    lo=np.full(ix.K, -np.inf), hi=room)


def build_plan(ix: Index, inp: xr.Dataset) -> RowBlock:
    """build_plan[k]:  Σ_y build[k,y] − Σ_y build_above[k,y] ≤ planned[k] − installed[k]"""
    room = inp["planned_racks"].to_numpy() - inp["installed_racks"].to_numpy()
    n = ix.K * ix.Y
    k_of = np.repeat(np.arange(ix.K), ix.Y)
    return RowBlock("build_plan", ("cluster",), [(k,) for k in ix.clusters],
                    [Term("build", k_of, np.arange(n), np.ones(n)), Term("build_above", k_of, np.arange(n), -np.ones(n))],
                    lo=np.full(ix.K, -np.inf), hi=room)


def above_plan_within_build(ix: Index, inp: xr.Dataset) -> RowBlock:
    """above_plan_within_build[k,y]:  build_above[k,y] − build[k,y] ≤ 0"""
    n = ix.K * ix.Y
    i = np.arange(n)
    return RowBlock("above_plan_within_build", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("build_above", i, i, np.ones(n)), Term("build", i, i, -np.ones(n))],
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def retire_limit(ix: Index, inp: xr.Dataset) -> RowBlock:
    """retire_limit[k]:  Σ_y retire[k,y] ≤ installed[k]"""
    n = ix.K * ix.Y
    return RowBlock("retire_limit", ("cluster",), [(k,) for k in ix.clusters],
                    [Term("retire", np.repeat(np.arange(ix.K), ix.Y), np.arange(n), np.ones(n))],
                    lo=np.full(ix.K, -np.inf), hi=inp["installed_racks"].to_numpy().astype(float))


def has_ai_capacity(inp: xr.Dataset) -> bool:
    """AI racks are a capacity of their own when the dataset gives installed_ai_racks and has an AI class."""
    return bool(np.isfinite(inp["installed_ai_racks"].values).any() and inp["ai_class"].values.any())


def ai_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    """build_ai[k,y] ≥ 0: of the racks built at k in year y, those fitted for AI (智算, GPU) work"""
    return {"build_ai": VarBlock("build_ai", ("cluster", "year"), ix.labels("cluster", "year"),
                                 "racks built fitted for AI")}


def ai_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    """ai_capacity[k,y]:  Σ_{(r,k,w)∈A: w∈W_AI} x[r,k,w,y] − a[k,y] · Σ_{y'≤y} u[y,y'] · build_ai[k,y'] ≤ a[k,y] · u_0[y] · installed_ai[k]

    AI classes (W_AI: physical racks denser than a standard rack) run only on racks fitted for AI;
    other work may use any rack (``cluster_capacity`` counts all)."""
    a = inp["available"].transpose("cluster", "year").to_numpy()
    arcs = np.flatnonzero(inp["ai_class"].to_numpy()[ix.arc_w])
    cols = (arcs[:, None] * ix.Y + np.arange(ix.Y)).ravel()
    rows = np.repeat(ix.arc_k[arcs], ix.Y) * ix.Y + np.tile(np.arange(ix.Y), arcs.size)
    (build, _), _ = occupiable_terms(ix, inp, a)
    hi = (a * fill_installed(inp)[None, :] * np.nan_to_num(inp["installed_ai_racks"].to_numpy())[:, None]).ravel()
    return RowBlock("ai_capacity", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("x", rows, cols, np.ones(cols.size)), Term("build_ai", build.row, build.col, build.coef)],
                    lo=np.full(hi.size, -np.inf), hi=hi)


def general_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    """general_capacity[k,y]:  Σ_{(r,k,w)∈A: w∉W_AI} x[r,k,w,y]
        − a[k,y] · (Σ_{y'≤y} u[y,y'] · (build[k,y'] − build_ai[k,y']) − u_0[y] · Σ_{y'≤y} retire[k,y'])
        ≤ a[k,y] · u_0[y] · (installed[k] − installed_ai[k])

    With ``ai_racks_reserved``, the racks fitted for AI host AI work only: general work runs on the
    other racks (GPU servers are not rented out for storage or batch processing)."""
    a = inp["available"].transpose("cluster", "year").to_numpy()
    arcs = np.flatnonzero(~inp["ai_class"].to_numpy()[ix.arc_w])
    cols = (arcs[:, None] * ix.Y + np.arange(ix.Y)).ravel()
    rows = np.repeat(ix.arc_k[arcs], ix.Y) * ix.Y + np.tile(np.arange(ix.Y), arcs.size)
    (build, retire), _ = occupiable_terms(ix, inp, a)
    general = inp["installed_racks"].to_numpy() - np.nan_to_num(inp["installed_ai_racks"].to_numpy())
    hi = (a * fill_installed(inp)[None, :] * general[:, None]).ravel()
    return RowBlock("general_capacity", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("x", rows, cols, np.ones(cols.size)), build, retire,
                     Term("build_ai", build.row, build.col, -build.coef)],
                    lo=np.full(hi.size, -np.inf), hi=hi)


def ai_reserved(inp: xr.Dataset) -> bool:
    """The racks fitted for AI are kept for AI work (``ai_racks_reserved``: 1)."""
    return has_ai_capacity(inp) and bool(inp["ai_racks_reserved"])


def ai_within_build(ix: Index, inp: xr.Dataset) -> RowBlock:
    """ai_within_build[k,y]:  build_ai[k,y] − build[k,y] ≤ 0"""
    n = ix.K * ix.Y
    i = np.arange(n)
    return RowBlock("ai_within_build", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("build_ai", i, i, np.ones(n)), Term("build", i, i, -np.ones(n))],
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def build_limit(ix: Index, inp: xr.Dataset) -> Bound:
    """build_limit:  build[k,y] ≤ build_limit[k]   (a column upper bound)"""
    return Bound("build_limit", "build", np.repeat(inp["build_limit_racks_per_year"].to_numpy(), ix.Y))


def block_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    """blocks[k,y] ∈ ℤ≥0 (ℝ≥0 when relaxed): blocks of B racks built at k in year y"""
    return {"blocks": VarBlock("blocks", ("cluster", "year"), ix.labels("cluster", "year"),
                    "blocks of capacity built", integer=not bool(inp["modular_relax"]))}


def modular_build(ix: Index, inp: xr.Dataset) -> RowBlock:
    """modular_build[k,y]:  build[k,y] − B · blocks[k,y] = 0"""
    n = ix.K * ix.Y
    i = np.arange(n)
    return RowBlock("modular_build", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("build", i, i, np.ones(n)), Term("blocks", i, i, np.full(n, -float(inp["block_racks"])))],
                    lo=np.zeros(n), hi=np.zeros(n))


def modular(inp: xr.Dataset) -> bool:
    return bool(np.isfinite(float(inp["block_racks"])))


FAMILIES = (
    Family("cluster_capacity", "rows", cluster_capacity, conflict="capacity of {cluster} in {year}", limits="racks"),
    Family("build_potential", "rows", build_potential, conflict="site potential (land and grid connection) of {cluster}",
           limits="build"),
    Family("build_plan", "rows", build_plan, conflict="racks of {cluster} beyond its plan are counted at the higher cost"),
    Family("above_plan_within_build", "rows", above_plan_within_build,
           conflict="racks beyond the plan at {cluster} in {year} are racks built that year"),
    Family("retire_limit", "rows", retire_limit, conflict="early retirement at {cluster} is at most its installed stock"),
    Family("build_limit", "bound", build_limit, conflict="yearly build limit of {cluster} in {year}", limits="build"),
    Family("ai_variables", "vars", ai_variables, when=has_ai_capacity),
    Family("ai_capacity", "rows", ai_capacity, when=has_ai_capacity, conflict="AI racks (智算) of {cluster} in {year}",
           limits="racks"),
    Family("general_capacity", "rows", general_capacity, when=ai_reserved,
           conflict="racks of {cluster} in {year} not fitted for AI (general work)", limits="racks"),
    Family("ai_within_build", "rows", ai_within_build, when=has_ai_capacity,
           conflict="AI racks built at {cluster} in {year} are racks built that year"),
    Family("blocks", "vars", block_variables, when=modular),
    Family("modular_build", "rows", modular_build, when=modular,
           conflict="builds at {cluster} in {year} come in whole blocks"),
)
