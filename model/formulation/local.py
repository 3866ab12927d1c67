"""Existing data-center stock of each province outside the clusters ("local supply", ``local.csv``).

Variables ``local[r,w,y]`` (racks of region r's class-w work served in r's own stock),
``local_build[r,y]`` (racks added to that stock) and ``local_retire[r,y]`` (racks retired early to
save their fixed opex). The stock enters ``demand_balance`` (+ local) and the carbon budget
``emission_cap`` (its grid emissions, ``quantities.emissions``); S[r,y] = existing[r] · max(0, 1 − ρ[r] · (y − y0))
is the stock left after straight-line retirement. Opex is split like the clusters': the variable
part (1 − s_f) · o[r] per occupied rack, the fixed part s_f · o[r] per rack in service, of which
the stock's own (S[r,y]) is sunk and reported beside the objective. All local power is grid power; the stock may
claim green power bought through the grid and be retrofitted to a lower PUE (``green.py``). Every family applies only when the dataset has a
``local.csv`` with some stock or growth (and the scenario keeps ``local_supply: true``).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import contrib, quantities
from .blocks import Bound, CostTerm, RowBlock, Term, VarBlock, annuity_years
from .family import Family
from .index import Index


def has_local_supply(inp: xr.Dataset) -> bool:
    # numpy, not xarray reductions: every local family asks, on every (warm) build
    return bool((inp["local_available_racks"].values > 0).any() or (inp["local_build_limit_racks_per_year"].values > 0).any())


def local_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    return {
        "local": VarBlock("local", ("region", "workload", "year"),
                          ix.labels("region", "workload", "year"), "racks served in the province's own stock"),
        "local_build": VarBlock("local_build", ("region", "year"), ix.labels("region", "year"),
                                "racks added to the province's own stock"),
        "local_retire": VarBlock("local_retire", ("region", "year"), ix.labels("region", "year"),
                                 "racks of the province's own stock retired early"),
    }


def local_supply_term(ix: Index) -> Term:
    """+ local[r,w,y] in demand_balance[r,w,y] (rows and columns in the same (r, w, y) order)."""
    n = ix.R * ix.W * ix.Y
    return Term("local", np.arange(n), np.arange(n), np.ones(n))


def _cumulative(ix: Index, var: str, sign: float) -> Term:
    """Term sign · Σ_{y'≤y} var[r,y'] for rows (r, y)."""
    Y = ix.Y
    rr, t, tp = np.nonzero(np.broadcast_to(np.tril(np.ones((Y, Y), bool)), (ix.R, Y, Y)))
    return Term(var, rr * Y + t, rr * Y + tp, np.full(rr.size, sign))


def local_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    """local_capacity[r,y]:  Σ_w local[r,w,y] + Σ_{(r',r,w)∈M} remote[r',r,w,y] − Σ_{y'≤y} local_build[r,y'] + Σ_{y'≤y} local_retire[r,y'] ≤ S[r,y]
    (the remote term only on the national market, market.py)"""
    R, W, Y = ix.R, ix.W, ix.Y
    r, _, y = np.meshgrid(np.arange(R), np.arange(W), np.arange(Y), indexing="ij")
    hi = inp["local_available_racks"].transpose("region", "year").to_numpy().ravel()
    terms = [Term("local", (r * Y + y).ravel(), np.arange(R * W * Y), np.ones(R * W * Y)),
             _cumulative(ix, "local_build", -1.0), _cumulative(ix, "local_retire", 1.0),
             *contrib.terms("local_capacity", ix, inp)]  # the national market (market.py)
    return RowBlock("local_capacity", ("region", "year"), ix.labels("region", "year"), terms,
                    lo=np.full(R * Y, -np.inf), hi=hi)


def local_retire_limit(ix: Index, inp: xr.Dataset) -> RowBlock:
    """local_retire_limit[r,y]:  Σ_{y'≤y} local_retire[r,y'] ≤ S[r,y]"""
    hi = inp["local_available_racks"].transpose("region", "year").to_numpy().ravel()
    return RowBlock("local_retire_limit", ("region", "year"), ix.labels("region", "year"),
                    [_cumulative(ix, "local_retire", 1.0)], lo=np.full(hi.size, -np.inf), hi=hi)


def local_build_limit(ix: Index, inp: xr.Dataset) -> Bound:
    """local_build_limit:  local_build[r,y] ≤ G[r]"""
    return Bound("local_build_limit", "local_build", np.repeat(inp["local_build_limit_racks_per_year"].to_numpy(), ix.Y))


def local_latency(ix: Index, inp: xr.Dataset) -> Bound:
    """local_latency:  local[r,w,y] ≤ 0 where L_loc[r] > Lmax[w], +∞ otherwise"""
    adm = inp["local_admissible"].transpose("region", "workload").to_numpy()
    return Bound("local_latency", "local", np.repeat(np.where(adm, np.inf, 0.0).ravel(), ix.Y))


def _per_rwy(ix: Index, inp: xr.Dataset, per_rw: np.ndarray) -> np.ndarray:
    return (per_rw[:, :, None] * inp["discount_factor"].to_numpy()[None, None, :]).ravel()


def _mwh_per_rack_year(inp: xr.Dataset) -> np.ndarray:
    return float(inp.attrs["hours_per_year"]) * inp["local_pue"].to_numpy()[:, None] * inp["kw_per_rack"].to_numpy()[None, :] / 1000.0


def local_electricity(ix: Index, inp: xr.Dataset) -> CostTerm:
    """local_electricity = Σ_{r,w,y} δ_y · 8760 · PUE[r] · kW[w] · p[r] · local[r,w,y]"""
    coef = _mwh_per_rack_year(inp) * 1000 * inp["local_grid_price_yuan_per_kwh"].to_numpy()[:, None]
    return CostTerm("local_electricity", [("local", np.arange(ix.R * ix.W * ix.Y), _per_rwy(ix, inp, coef))])


def local_carbon(ix: Index, inp: xr.Dataset) -> CostTerm:
    """local_carbon = Σ_{r,w,y} δ_y · P_CO2 · e[r] · 8760 · PUE[r] · kW[w] / 1000 · local[r,w,y]"""
    coef = float(inp["carbon_price_yuan_per_t"]) * quantities.local_t_per_rack_year(inp)
    return CostTerm("local_carbon", [("local", np.arange(ix.R * ix.W * ix.Y), _per_rwy(ix, inp, coef))])


def local_opex(ix: Index, inp: xr.Dataset) -> CostTerm:
    """local_opex = Σ_{r,w,y} δ_y · (1 − s_f) · o[r] · local[r,w,y]"""
    o = (1 - float(inp["fixed_opex_share"])) * inp["local_opex_yuan_per_rack_year"].to_numpy()
    coef = np.broadcast_to(o[:, None], (ix.R, ix.W))
    return CostTerm("local_opex", [("local", np.arange(ix.R * ix.W * ix.Y), _per_rwy(ix, inp, coef))])


def local_opex_fixed(ix: Index, inp: xr.Dataset) -> CostTerm:
    """local_opex_fixed = Σ_{r,y} δ_y · s_f · o[r] · (Σ_{y'≤y} local_build[r,y'] − Σ_{y'≤y} local_retire[r,y'])"""
    annuity = annuity_years(inp["discount_factor"].to_numpy())
    coef = (float(inp["fixed_opex_share"]) * inp["local_opex_yuan_per_rack_year"].to_numpy()[:, None] * annuity[None, :]).ravel()
    ry = np.arange(ix.R * ix.Y)
    return CostTerm("local_opex_fixed", [("local_build", ry, coef), ("local_retire", ry, -coef)])


def local_capex(ix: Index, inp: xr.Dataset) -> CostTerm:
    """local_capex = Σ_{r,y} δ_y · CRF · c[r] · Σ_{y'≤y} local_build[r,y']"""
    annuity = annuity_years(inp["discount_factor"].to_numpy())
    coef = float(inp["capital_recovery_factor"]) * inp["local_capex_yuan_per_rack"].to_numpy()[:, None] * annuity[None, :]
    return CostTerm("local_capex", [("local_build", np.arange(ix.R * ix.Y), coef.ravel())])


def local_emissions(ix: Index, inp: xr.Dataset) -> quantities.Contribution:
    """tCO2 of local[r,w,y]: e[r] · 8760 · PUE_loc[r] · kW[w] / 1000, attributed to r."""
    rwy = np.arange(ix.R * ix.W * ix.Y)
    return quantities.Contribution("local", "local", "region", rwy, np.repeat(quantities.local_t_per_rack_year(inp).ravel(), ix.Y),
                                   rwy // (ix.W * ix.Y), rwy % ix.Y)


contrib.contribute("demand_balance", has_local_supply, lambda ix, inp: local_supply_term(ix))
quantities.emitter(has_local_supply, local_emissions)

FAMILIES = (
    Family("local_variables", "vars", local_variables, when=has_local_supply),
    Family("local_capacity", "rows", local_capacity, when=has_local_supply,
           conflict="the own data-center stock of {region} (after retirement and growth) in {year}"),
    Family("local_retire_limit", "rows", local_retire_limit, when=has_local_supply,
           conflict="early retirement of {region}'s own stock is at most the stock left in {year}"),
    Family("local_build_limit", "bound", local_build_limit, when=has_local_supply,
           conflict="yearly growth limit of the own data-center stock of {region} in {year}"),
    Family("local_latency", "bound", local_latency, when=has_local_supply,
           conflict="{region}'s own stock is beyond the latency bound of {workload} work ({year})"),
    Family("local_electricity", "cost", local_electricity, when=has_local_supply),
    Family("local_carbon", "cost", local_carbon, when=has_local_supply),
    Family("local_opex", "cost", local_opex, when=has_local_supply),
    Family("local_opex_fixed", "cost", local_opex_fixed, when=has_local_supply),
    Family("local_capex", "cost", local_capex, when=has_local_supply),
)
