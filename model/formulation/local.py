"""Existing data-center stock of each province outside the clusters ("local supply", ``local.csv``).

Variables: ``local[r,w,y]`` racks of region r's class-w work served in r's own stock;
``local_build[r,y]`` racks added to that stock in year y.

    local_supply (term of demand_balance[r,w,y]):  + local[r,w,y]
    local emissions (term of emission_cap):         + e[r] · H · PUE[r] · kW[w] / 1000 · local[r,w,y]
    local_capacity[r,y]:   Σ_w local[r,w,y] − Σ_{y' ≤ y} local_build[r,y'] ≤ S[r,y]
    local_build_limit:     local_build[r,y] ≤ G[r]                                (column bound)
    local_latency:         local[r,w,y] ≤ 0 where L_loc[r] > Lmax[w]              (column bound)

S[r,y] = existing[r] · max(0, 1 − ρ[r] · (y − y0)) is the stock left after straight-line retirement.
Costs (discounted yuan, δ_y and CRF as in objective.py; H = 8760 h; PUE, price p, opex o, capex c, grid
factor e of the province):

    local_electricity = Σ δ_y · H · PUE[r] · kW[w] · p[r] · local[r,w,y]
    local_carbon      = Σ δ_y · P_CO2 · e[r] · H · PUE[r] · kW[w] / 1000 · local[r,w,y]
    local_opex        = Σ δ_y · o[r] · local[r,w,y]
    local_capex       = Σ δ_y · CRF · c[r] · Σ_{y' ≤ y} local_build[r,y']

All local power is grid power (no green procurement is modelled outside the clusters).
"""
from __future__ import annotations

from itertools import product

import numpy as np
import xarray as xr

from .blocks import Bound, CostTerm, RowBlock, Term, VarBlock
from .index import Index


def has_local_supply(inp: xr.Dataset) -> bool:
    return bool((inp["local_available_racks"] > 0).any() or (inp["local_build_limit_racks_per_year"] > 0).any())


def local_variables(ix: Index) -> dict[str, VarBlock]:
    return {
        "local": VarBlock("local", ("region", "workload", "year"),
                          list(product(ix.regions, ix.workloads, ix.years)), "racks served in the province's own stock"),
        "local_build": VarBlock("local_build", ("region", "year"), list(product(ix.regions, ix.years)),
                                "racks added to the province's own stock"),
    }


def local_supply_term(ix: Index) -> Term:
    """+ local[r,w,y] in demand_balance[r,w,y] (same (r, w, y) order for rows and columns)."""
    n = ix.R * ix.W * ix.Y
    return Term("local", np.arange(n), np.arange(n), np.ones(n))


def local_emissions_t_per_rack_year(inp: xr.Dataset) -> np.ndarray:
    """(R, W): tCO2 per rack-year served in the province's own stock (all grid power)."""
    H = float(inp.attrs["hours_per_year"])
    return (inp["region_co2_t_per_mwh"] * inp["local_pue"]).to_numpy()[:, None] * H * inp["kw_per_rack"].to_numpy()[None, :] / 1000.0


def local_emissions_term(ix: Index, inp: xr.Dataset) -> Term:
    """Local emissions in the horizon carbon budget (the single emission_cap row)."""
    n = ix.R * ix.W * ix.Y
    return Term("local", np.zeros(n, dtype=np.int64), np.arange(n), np.repeat(local_emissions_t_per_rack_year(inp).ravel(), ix.Y))


def local_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    R, W, Y = ix.R, ix.W, ix.Y
    r, w, y = np.meshgrid(np.arange(R), np.arange(W), np.arange(Y), indexing="ij")
    rr, t, tp = np.nonzero(np.broadcast_to(np.tril(np.ones((Y, Y), bool)), (R, Y, Y)))
    hi = inp["local_available_racks"].transpose("region", "year").to_numpy().ravel()
    return RowBlock("local_capacity", ("region", "year"), list(product(ix.regions, ix.years)),
                    [Term("local", (r * Y + y).ravel(), np.arange(R * W * Y), np.ones(R * W * Y)),
                     Term("local_build", rr * Y + t, rr * Y + tp, -np.ones(rr.size))],
                    lo=np.full(R * Y, -np.inf), hi=hi)


def local_build_limit(ix: Index, inp: xr.Dataset) -> Bound:
    return Bound("local_build_limit", "local_build", np.repeat(inp["local_build_limit_racks_per_year"].to_numpy(), ix.Y))


def local_latency(ix: Index, inp: xr.Dataset) -> Bound:
    adm = inp["local_admissible"].transpose("region", "workload").to_numpy()
    return Bound("local_latency", "local", np.repeat(np.where(adm, np.inf, 0.0).ravel(), ix.Y))


def local_costs(ix: Index, inp: xr.Dataset) -> list[CostTerm]:
    df = inp["discount_factor"].to_numpy()
    H = float(inp.attrs["hours_per_year"])
    per_r = lambda v: inp[v].to_numpy()[:, None, None]  # noqa: E731
    kw = inp["kw_per_rack"].to_numpy()[None, :, None]
    d = df[None, None, :]
    mwh = H * per_r("local_pue") * kw / 1000.0  # MWh per rack-year
    shape = (ix.R, ix.W, ix.Y)
    n = ix.R * ix.W * ix.Y
    cols = np.arange(n)
    co2 = inp["region_co2_t_per_mwh"].to_numpy()[:, None, None]
    annuity = np.cumsum(df[::-1])[::-1]
    build_coef = float(inp["capital_recovery_factor"]) * inp["local_capex_yuan_per_rack"].to_numpy()[:, None] * annuity[None, :]
    return [
        CostTerm("local_electricity", [("local", cols, np.broadcast_to(d * mwh * 1000 * per_r("local_grid_price_yuan_per_kwh"), shape).ravel())]),
        CostTerm("local_carbon", [("local", cols, np.broadcast_to(d * mwh * float(inp["carbon_price_yuan_per_t"]) * co2, shape).ravel())]),
        CostTerm("local_opex", [("local", cols, np.broadcast_to(d * per_r("local_opex_yuan_per_rack_year"), shape).ravel())]),
        CostTerm("local_capex", [("local_build", np.arange(ix.R * ix.Y), build_coef.ravel())]),
    ]
