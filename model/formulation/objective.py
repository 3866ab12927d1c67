"""Objective: total discounted cost over the horizon, in yuan, as a sum of reported terms.

With δ_y = (1 + ρ)^-(y − y0), H = 8760 h, CRF = ρ / (1 − (1 + ρ)^-L):

    capex        = Σ_{k,y} δ_y · CRF · capex[k] · Σ_{y' ≤ y} build[k,y']
    electricity  = Σ_{k,y} δ_y · H · 1000 · (p_grid[k] · grid[k,y] + p_green[k] · green[k,y])
    transport    = Σ_{r,k,w,y} δ_y · τ[r,k,w] · x[r,k,w,y]
    opex         = Σ_{r,k,w,y} δ_y · o[k] · x[r,k,w,y]       (space, staff, maintenance per occupied rack)
    carbon       = Σ_{k,y} δ_y · P_CO2 · e[k] · H · grid[k,y]
    unmet_penalty  = Σ_{r,w,y} δ_y · V · unmet[r,w,y]
    block_fixed    = Σ_{k,y} δ_y · CRF · F · Σ_{y' ≤ y} blocks[k,y']        (modular builds only)
    policy_penalty = Σ_y δ_y · P · (Σ_k util_short[k,y] + 400 · Σ_k green_short[k,y] + west_short[y])

Built racks are paid as annuities in the years of the horizon after they are built (no value
beyond the horizon). τ = data volume × (tariff + tariff per 1000 km × route km). 400 standard
racks of 2.5 kW make 1 MW, so a MW of green shortfall costs as much as 400 racks of shortfall.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .blocks import CostTerm
from .index import Index

RACKS_PER_MW = 400.0


def cost_terms(ix: Index, inp: xr.Dataset) -> list[CostTerm]:
    df = inp["discount_factor"].to_numpy()
    H = float(inp.attrs["hours_per_year"])
    n_ky, n_x = ix.K * ix.Y, ix.A * ix.Y
    ky = np.arange(n_ky)
    df_ky = np.tile(df, ix.K)
    per_k = lambda v: np.repeat(inp[v].to_numpy(), ix.Y)  # noqa: E731  (k-major, like the columns)
    # build in year y' is paid in every year y ≥ y': Σ_{y ≥ y'} δ_y
    annuity_years = np.tile(np.cumsum(df[::-1])[::-1], ix.K)
    crf = float(inp["capital_recovery_factor"])
    transport = inp["transport_yuan_per_rack_year"].transpose("region", "cluster", "workload").to_numpy()
    tau = transport[ix.arc_r, ix.arc_k, ix.arc_w]
    V = float(inp["unmet_penalty_yuan_per_rack_year"])
    P = float(inp["policy_penalty_yuan_per_rack_year"])
    unmet_df = np.tile(df, ix.R * ix.W)
    return [
        CostTerm("capex", [("build", ky, crf * per_k("capex_yuan_per_rack") * annuity_years)]),
        CostTerm("electricity", [("grid", ky, df_ky * H * 1000 * per_k("grid_price_yuan_per_kwh")),
                                 ("green", ky, df_ky * H * 1000 * per_k("green_price_yuan_per_kwh"))]),
        CostTerm("transport", [("x", np.arange(n_x), ix.per_arc_year(tau) * np.tile(df, ix.A))]),
        CostTerm("opex", [("x", np.arange(n_x), ix.per_arc_year(inp["opex_yuan_per_rack_year"].to_numpy()[ix.arc_k]) * np.tile(df, ix.A))]),
        CostTerm("carbon", [("grid", ky, df_ky * H * float(inp["carbon_price_yuan_per_t"]) * per_k("cluster_co2_t_per_mwh"))]),
        CostTerm("unmet_penalty", [("unmet", np.arange(unmet_df.size), V * unmet_df)]),
        CostTerm("policy_penalty", [("util_short", ky, P * df_ky), ("green_short", ky, P * RACKS_PER_MW * df_ky),
                                    ("west_short", np.arange(ix.Y), P * df)]),
    ]


def block_fixed_cost(ix: Index, inp: xr.Dataset) -> CostTerm:
    """Fixed cost per block, annualised like capex: coefficient CRF · F · Σ_{y ≥ y'} δ_y."""
    df = inp["discount_factor"].to_numpy()
    annuity_years = np.tile(np.cumsum(df[::-1])[::-1], ix.K)
    F = float(inp["block_fixed_cost_yuan"])
    return CostTerm("block_fixed", [("blocks", np.arange(ix.K * ix.Y), float(inp["capital_recovery_factor"]) * F * annuity_years)])
