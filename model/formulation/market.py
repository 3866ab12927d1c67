"""One national market for the provinces' own stock (issue 18).

Variables ``remote[r,s,w,y]`` on the remote arcs M = {(r, s, w): s ≠ r, w not real-time, latency
r → s within the bound of w, s has stock} (``remote_admissible`` of the inputs): region r's
class-w work served in province s's stock outside the clusters. AI training, processing and
storage have no latency bound, so the idle stock of one province can take another's work. The
columns contribute to the rows and terms they share with the local stock: ``demand_balance`` of r,
``local_capacity`` of s, the emissions of s (``quantities.emissions``); and to their own cost terms:
the host's electricity, variable opex and the transport of the data (``remote_operation``), and
the carbon of the host's grid (``remote_carbon``).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import contrib, quantities
from .blocks import CostTerm, Term, VarBlock
from .family import Family
from .index import Index


def has_remote(inp: xr.Dataset) -> bool:
    return "remote_admissible" in inp and bool(inp["remote_admissible"].values.any())


def remote_arcs(ix: Index, inp: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(r, s, w) positions of the remote arcs, sorted by r, s, w; built once per index."""
    if "remote" not in ix.memo:
        adm = inp["remote_admissible"].transpose("region", "stock", "workload").to_numpy()
        r, s, w = np.nonzero(adm)
        ix.memo["remote"] = (r.astype(np.int64), s.astype(np.int64), w.astype(np.int64))
    return ix.memo["remote"]


def remote_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    r, s, w = remote_arcs(ix, inp)
    labels = [(ix.regions[a], ix.regions[b], ix.workloads[c], y) for a, b, c in zip(r.tolist(), s.tolist(), w.tolist())
              for y in ix.years]
    return {"remote": VarBlock("remote", ("region", "stock", "workload", "year"), labels,
                               "racks of region r's work served in province s's own stock")}


def _cols(ix: Index, inp: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per remote column (arc-major, then year): r, s, w, year position, column."""
    r, s, w = remote_arcs(ix, inp)
    n = r.size * ix.Y
    return np.repeat(r, ix.Y), np.repeat(s, ix.Y), np.repeat(w, ix.Y), np.tile(np.arange(ix.Y), r.size), np.arange(n)


def demand_term(ix: Index, inp: xr.Dataset) -> Term:
    """+ remote[r,s,w,y] in demand_balance[r,w,y]."""
    r, _, w, y, col = _cols(ix, inp)
    return Term("remote", (r * ix.W + w) * ix.Y + y, col, np.ones(col.size))


def stock_term(ix: Index, inp: xr.Dataset) -> Term:
    """+ remote[r,s,w,y] in local_capacity[s,y]."""
    _, s, _, y, col = _cols(ix, inp)
    return Term("remote", s * ix.Y + y, col, np.ones(col.size))


def host_mwh_per_rack_year(ix: Index, inp: xr.Dataset) -> np.ndarray:
    """Per remote column: 8760 · PUE_loc[s] · kW[w] / 1000 (MWh a rack-year at the host)."""
    _, s, w, _, _ = _cols(ix, inp)
    return float(inp.attrs["hours_per_year"]) * inp["local_pue"].to_numpy()[s] * inp["kw_per_rack"].to_numpy()[w] / 1000.0


def remote_operation(ix: Index, inp: xr.Dataset) -> CostTerm:
    """remote_operation = Σ_{(r,s,w)∈M, y} δ_y · (8760 · PUE[s] · kW[w] · p[s] + (1 − s_f) · o[s] + τ[r,s,w]) · remote[r,s,w,y]"""
    r, s, w, y, col = _cols(ix, inp)
    tau = inp["remote_transport_yuan_per_rack_year"].transpose("region", "stock", "workload").to_numpy()[r, s, w]
    per_rack = (host_mwh_per_rack_year(ix, inp) * 1000 * inp["local_grid_price_yuan_per_kwh"].to_numpy()[s]
                + (1 - float(inp["fixed_opex_share"])) * inp["local_opex_yuan_per_rack_year"].to_numpy()[s] + tau)
    return CostTerm("remote_operation", [("remote", col, per_rack * inp["discount_factor"].to_numpy()[y])])


def remote_carbon(ix: Index, inp: xr.Dataset) -> CostTerm:
    """remote_carbon = Σ_{(r,s,w)∈M, y} δ_y · P_CO2 · e[s] · 8760 · PUE[s] · kW[w] / 1000 · remote[r,s,w,y]"""
    _, s, _, y, col = _cols(ix, inp)
    t = host_mwh_per_rack_year(ix, inp) * inp["region_co2_t_per_mwh"].to_numpy()[s]
    return CostTerm("remote_carbon", [("remote", col, t * float(inp["carbon_price_yuan_per_t"]) * inp["discount_factor"].to_numpy()[y])])


def emissions(ix: Index, inp: xr.Dataset) -> quantities.Contribution:
    """tCO2 of remote[r,s,w,y]: e[s] · 8760 · PUE[s] · kW[w] / 1000, attributed to the host s."""
    _, s, _, y, col = _cols(ix, inp)
    return quantities.Contribution("remote", "remote", "region", col,
                                   host_mwh_per_rack_year(ix, inp) * inp["region_co2_t_per_mwh"].to_numpy()[s], s, y)


contrib.contribute("demand_balance", has_remote, demand_term)
contrib.contribute("local_capacity", has_remote, stock_term)
quantities.emitter(has_remote, emissions)

VARS = (Family("remote_variables", "vars", remote_variables, when=has_remote),)
COSTS = (Family("remote_operation", "cost", remote_operation, when=has_remote),
         Family("remote_carbon", "cost", remote_carbon, when=has_remote))
