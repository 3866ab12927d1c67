"""The backbone between the hubs (issue 21): edges e with capacity C[e] (Tbps), background traffic
B[e], a planned maximum use u[e] and a price per TB π[e]. A chain flow between two hubs
(``lifecycle.py``) runs on the edge joining them (the direct route; no transit through a third
hub) at γ = 8 / (8760 · 3600) Tbps per TB/yr, the average rate of data sent evenly over the year.
Capacity may be added (``backbone_build``, Tbps, in service in the year paid) at a capex per
Tbps-km, annualised like the racks' capex; an edge without that cost cannot be expanded.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .blocks import Bound, CostTerm, RowBlock, Term, VarBlock, annuity_years
from .family import Family
from .index import Index
from .lifecycle import flows


def has_backbone(inp: xr.Dataset) -> bool:
    return "stage" in inp.dims and "edge" in inp.dims


def backbone_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    edges = inp["edge"].values.astype(str)
    return {"backbone_build": VarBlock("backbone_build", ("edge", "year"), [(e, y) for e in edges for y in ix.years],
                                       "Tbps added to edge e in year y")}


def backbone_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    """backbone_capacity[e,y]:  Σ_{(s,o,k) on e} f[s,o,k,y] − u[e] / γ · Σ_{y'≤y} b[e,y'] ≤ (u[e] · C[e] − B[e]) / γ
    (in TB/yr, so that the flows keep coefficient 1)"""
    f, E, Y = flows(ix, inp), inp.sizes["edge"], ix.Y
    m = f.edge >= 0
    u, gamma = inp["edge_max_use"].to_numpy(), float(inp["tbps_per_tb_year"])
    ee, t, tp = np.nonzero(np.broadcast_to(np.tril(np.ones((Y, Y), bool)), (E, Y, Y)))
    hi = np.repeat(u * inp["edge_capacity_tbps"].to_numpy() - inp["edge_background_tbps"].to_numpy(), Y) / gamma
    return RowBlock("backbone_capacity", ("edge", "year"), [(e, y) for e in inp["edge"].values.astype(str) for y in ix.years],
                    [Term("chain_flow", f.edge[m] * Y + f.year[m], f.col[m], np.ones(m.sum())),
                     Term("backbone_build", ee * Y + t, ee * Y + tp, -u[ee] / gamma)],
                    lo=np.full(E * Y, -np.inf), hi=hi)


def backbone_expansion_limit(ix: Index, inp: xr.Dataset) -> Bound:
    """backbone_expansion_limit:  b[e,y] ≤ 0 where the edge has no expansion cost, +∞ otherwise"""
    cost = inp["edge_expansion_yuan_per_tbps_km"].to_numpy()
    return Bound("backbone_expansion_limit", "backbone_build", np.repeat(np.where(np.isnan(cost), 0.0, np.inf), ix.Y))


def chain_transfer(ix: Index, inp: xr.Dataset) -> CostTerm:
    """chain_transfer = Σ_{(s,o,k) on e, y} δ_y · π[e] · f[s,o,k,y]"""
    f = flows(ix, inp)
    m = f.edge >= 0
    price = inp["edge_price_yuan_per_tb"].to_numpy()[f.edge[m]] * inp["discount_factor"].to_numpy()[f.year[m]]
    return CostTerm("chain_transfer", [("chain_flow", f.col[m], price)])


def backbone_capex(ix: Index, inp: xr.Dataset) -> CostTerm:
    """backbone_capex = Σ_{e,y} δ_y · CRF · κ[e] · km[e] · Σ_{y'≤y} b[e,y']"""
    discount = inp["discount_factor"].to_numpy()
    kappa = np.nan_to_num(inp["edge_expansion_yuan_per_tbps_km"].to_numpy()) * inp["edge_km"].to_numpy()
    coef = float(inp["capital_recovery_factor"]) * np.outer(kappa, annuity_years(discount)).ravel()
    return CostTerm("backbone_capex", [("backbone_build", np.arange(coef.size), coef)])


VARS = (Family("backbone_variables", "vars", backbone_variables, when=has_backbone),)
ROWS = (Family("backbone_capacity", "rows", backbone_capacity, when=has_backbone,
               conflict="backbone edge {edge} in {year}: chain traffic + background ≤ planned use of capacity"),)
BOUNDS = (Family("backbone_expansion_limit", "bound", backbone_expansion_limit, when=has_backbone,
                  conflict="backbone edge {edge} cannot be expanded in {year} (no expansion cost given)"),)
COSTS = (Family("chain_transfer", "cost", chain_transfer, when=has_backbone),
         Family("backbone_capex", "cost", backbone_capex, when=has_backbone))
