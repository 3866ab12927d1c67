"""Objective: total discounted cost over the horizon, in yuan, as a sum of reported terms.

δ_y = (1 + ρ)^-(y − y0) is the discount factor, H = 8760 h, CRF = ρ / (1 − (1 + ρ)^-L) the capital
recovery factor. Built racks are paid as annuities in the years of the horizon after they are
built (no value beyond the horizon); installed racks are sunk. τ = data volume × (tariff + tariff
per 1000 km × route km). Operating cost o[k] per rack-year is split by the fixed share s_f: the
variable part (1 − s_f) · o[k] is paid per occupied rack, the fixed part s_f · o[k] per rack in
service (space, power contract, staff). The fixed part of the installed stock is sunk unless
racks are retired early: the objective carries only what the plan changes, s_f · o[k] · (racks
built − racks retired), and the sunk rest is reported beside it (``model.results``).
Emissions come from ``quantities.emissions``: one declaration for the budget, the carbon price
and the results. A MW of green shortfall at cluster k is priced like the standard racks
(2.5 kW IT) one facility MW powers there, ρ_k = 1000 / (2.5 · PUE[k]) (320 racks at PUE 1.25).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..inputs.schema import STANDARD_RACK_KW
from . import quantities
from .blocks import CostTerm, annuity_years
from .capacity import has_ai_capacity, modular
from .family import Family
from .hourly import green_contract_cost
from .index import Index


def racks_per_facility_mw(inp: xr.Dataset) -> np.ndarray:
    """ρ_k = 1000 / (STANDARD_RACK_KW · PUE[k]): standard racks one MW of facility power runs at k."""
    return 1000.0 / (STANDARD_RACK_KW * inp["pue"].to_numpy())


def _per_k(ix: Index, inp: xr.Dataset, name: str) -> np.ndarray:
    return np.repeat(inp[name].to_numpy(), ix.Y)  # k-major, like the (cluster, year) columns


def _df_ky(ix: Index, inp: xr.Dataset) -> np.ndarray:
    return np.tile(inp["discount_factor"].to_numpy(), ix.K)


def _annuity_years(ix: Index, inp: xr.Dataset) -> np.ndarray:
    """Σ_{y ≥ y'} δ_y per (k, y'): a build in year y' is paid in every later year of the horizon."""
    return np.tile(annuity_years(inp["discount_factor"].to_numpy()), ix.K)


def capex(ix: Index, inp: xr.Dataset) -> CostTerm:
    """capex = Σ_{k,y} δ_y · CRF · capex[k] · Σ_{y'≤y} build[k,y']"""
    coef = float(inp["capital_recovery_factor"]) * _per_k(ix, inp, "capex_yuan_per_rack") * _annuity_years(ix, inp)
    return CostTerm("capex", [("build", np.arange(ix.K * ix.Y), coef)])


def capex_above_plan(ix: Index, inp: xr.Dataset) -> CostTerm:
    """capex_above_plan = Σ_{k,y} δ_y · CRF · π_plan · capex[k] · Σ_{y'≤y} build_above[k,y']"""
    coef = (float(inp["capital_recovery_factor"]) * float(inp["above_plan_capex_premium"])
            * _per_k(ix, inp, "capex_yuan_per_rack") * _annuity_years(ix, inp))
    return CostTerm("capex_above_plan", [("build_above", np.arange(ix.K * ix.Y), coef)])


def capex_ai(ix: Index, inp: xr.Dataset) -> CostTerm:
    """capex_ai = Σ_{k,y} δ_y · CRF · π_AI · capex[k] · Σ_{y'≤y} build_ai[k,y']   (AI fit-out: liquid cooling)"""
    coef = (float(inp["capital_recovery_factor"]) * float(inp["ai_capex_premium"])
            * _per_k(ix, inp, "capex_yuan_per_rack") * _annuity_years(ix, inp))
    return CostTerm("capex_ai", [("build_ai", np.arange(ix.K * ix.Y), coef)])


def electricity(ix: Index, inp: xr.Dataset) -> CostTerm:
    """electricity = Σ_{k,y} δ_y · 8760 · 1000 · (p_grid[k] · grid[k,y] + p_green[k] · green[k,y])

    At hourly resolution green power is contracted take-or-pay: the green part is
    Σ_{k,t,y} δ_y · 1000 · p_green[k] · E[k,t] · gcap[k,t,y] instead (``hourly.green_contract_cost``)."""
    scale = _df_ky(ix, inp) * float(inp.attrs["hours_per_year"]) * 1000
    ky = np.arange(ix.K * ix.Y)
    grid = ("grid", ky, scale * _per_k(ix, inp, "grid_price_yuan_per_kwh"))
    if inp.attrs.get("resolution") == "hourly":
        return CostTerm("electricity", [grid, green_contract_cost(ix, inp)])
    return CostTerm("electricity", [grid, ("green", ky, scale * _per_k(ix, inp, "green_price_yuan_per_kwh"))])


def transport(ix: Index, inp: xr.Dataset) -> CostTerm:
    """transport = Σ_{(r,k,w)∈A, y} δ_y · τ[r,k,w] · x[r,k,w,y]"""
    tau = inp["transport_yuan_per_rack_year"].transpose("region", "cluster", "workload").to_numpy()
    coef = ix.per_arc_year(tau[ix.arc_r, ix.arc_k, ix.arc_w]) * np.tile(inp["discount_factor"].to_numpy(), ix.A)
    return CostTerm("transport", [("x", np.arange(ix.A * ix.Y), coef)])


def opex(ix: Index, inp: xr.Dataset) -> CostTerm:
    """opex = Σ_{(r,k,w)∈A, y} δ_y · (1 − s_f) · o[k] · x[r,k,w,y]   (the variable part, per occupied rack)"""
    o = (1 - float(inp["fixed_opex_share"])) * inp["opex_yuan_per_rack_year"].to_numpy()
    coef = ix.per_arc_year(o[ix.arc_k]) * np.tile(inp["discount_factor"].to_numpy(), ix.A)
    return CostTerm("opex", [("x", np.arange(ix.A * ix.Y), coef)])


def opex_fixed(ix: Index, inp: xr.Dataset) -> CostTerm:
    """opex_fixed = Σ_{k,y} δ_y · s_f · o[k] · (Σ_{y'≤y} build[k,y'] − Σ_{y'≤y} retire[k,y'])
    (per rack in service; the installed stock's part is sunk)"""
    coef = float(inp["fixed_opex_share"]) * _per_k(ix, inp, "opex_yuan_per_rack_year") * _annuity_years(ix, inp)
    ky = np.arange(ix.K * ix.Y)
    return CostTerm("opex_fixed", [("build", ky, coef), ("retire", ky, -coef)])


def carbon(ix: Index, inp: xr.Dataset) -> CostTerm:
    """carbon = Σ_{k,y} δ_y · P_CO2 · e[k] · 8760 · grid[k,y]"""
    return _priced(ix, inp, "carbon", "clusters")


def unmet_carbon(ix: Index, inp: xr.Dataset) -> CostTerm:
    """unmet_carbon = Σ_{r,w,y} δ_y · P_CO2 · e_fb · 8760 · PUE_fb · kW[w] / 1000 · unmet[r,w,y]   (served outside the plan)"""
    return _priced(ix, inp, "unmet_carbon", "unmet")


def _priced(ix: Index, inp: xr.Dataset, term: str, contribution: str) -> CostTerm:
    """The carbon price on one emission contribution (``quantities.emissions``), discounted."""
    c = next(c for c in quantities.emissions(ix, inp) if c.name == contribution)
    discount = inp["discount_factor"].to_numpy()
    return CostTerm(term, [(c.var, c.col, c.coef * discount[c.year] * float(inp["carbon_price_yuan_per_t"]))])


def unmet_penalty(ix: Index, inp: xr.Dataset) -> CostTerm:
    """unmet_penalty = Σ_{r,w,y} δ_y · V · λ[w] · unmet[r,w,y],  λ[w] = v[w] / V₀ (the class's value of lost load over settings.yaml's penalty)"""
    # λ: the classes' values relative to one another; V (the scenario's lever) scales them all alike
    per_wy = np.repeat(inp["unmet_value_ratio"].to_numpy(), ix.Y) * np.tile(inp["discount_factor"].to_numpy(), ix.W)
    coef = float(inp["unmet_penalty_yuan_per_rack_year"]) * np.tile(per_wy, ix.R)
    return CostTerm("unmet_penalty", [("unmet", np.arange(coef.size), coef)])


def policy_penalty(ix: Index, inp: xr.Dataset) -> CostTerm:
    """policy_penalty = Σ_y δ_y · P · (Σ_k util_short[k,y] + Σ_k ρ_k · green_short[k,y] + west_short[y])"""
    P = float(inp["policy_penalty_yuan_per_rack_year"])
    ky, df_ky = np.arange(ix.K * ix.Y), _df_ky(ix, inp)
    rho = np.repeat(racks_per_facility_mw(inp), ix.Y)
    return CostTerm("policy_penalty", [("util_short", ky, P * df_ky), ("green_short", ky, P * rho * df_ky),
                                       ("west_short", np.arange(ix.Y), P * inp["discount_factor"].to_numpy())])


def block_fixed(ix: Index, inp: xr.Dataset) -> CostTerm:
    """block_fixed = Σ_{k,y} δ_y · CRF · F · Σ_{y'≤y} blocks[k,y']"""
    coef = float(inp["capital_recovery_factor"]) * float(inp["block_fixed_cost_yuan"]) * _annuity_years(ix, inp)
    return CostTerm("block_fixed", [("blocks", np.arange(ix.K * ix.Y), coef)])


FAMILIES = (
    Family("capex", "cost", capex),
    Family("capex_above_plan", "cost", capex_above_plan),
    Family("capex_ai", "cost", capex_ai, when=has_ai_capacity),
    Family("electricity", "cost", electricity),
    Family("transport", "cost", transport),
    Family("opex", "cost", opex),
    Family("opex_fixed", "cost", opex_fixed),
    Family("carbon", "cost", carbon),
    Family("unmet_carbon", "cost", unmet_carbon),
    Family("unmet_penalty", "cost", unmet_penalty),
    Family("policy_penalty", "cost", policy_penalty),
    Family("block_fixed", "cost", block_fixed, when=modular),
)
