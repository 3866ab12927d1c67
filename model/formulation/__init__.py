"""The formulation: inputs → a linear program of named blocks (see docs/math.md).

``ROW_FAMILIES`` and ``BOUND_FAMILIES`` list every constraint family in the order of the math
document; each is one function in its module.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import hourly, resilience
from .blocks import LinearProgram
from .capacity import block_variables, build_limit, build_potential, cluster_capacity, modular_build
from .demand import demand_balance, unmet_allowance
from .index import Index, build_index
from .objective import block_fixed_cost, cost_terms
from .policy import emission_cap, green_share, utilisation_floor, western_share
from .power import green_availability, grid_connection_limit, power_balance
from .variables import variables

ROW_FAMILIES = (demand_balance, cluster_capacity, build_potential, utilisation_floor,
                power_balance, green_share, western_share, emission_cap)
N1_FAMILIES = (resilience.n1_reroute, resilience.n1_spare_capacity, resilience.n1_spare_power)
BOUND_FAMILIES = (unmet_allowance, build_limit, grid_connection_limit, green_availability)


def build_lp(inp: xr.Dataset, ix: Index | None = None) -> LinearProgram:
    ix = ix or build_index(inp)
    if inp.attrs.get("resolution") == "hourly":
        lp = _hourly_lp(ix, inp)
    else:
        lp = LinearProgram(variables(ix), [f(ix, inp) for f in ROW_FAMILIES], cost_terms(ix, inp),
                           [f(ix, inp) for f in BOUND_FAMILIES], ix, ix.signature())
    if np.isfinite(float(inp["block_racks"])):
        lp.variables["blocks"] = block_variables(ix, inp)
        lp.rows.append(modular_build(ix, inp))
        lp.costs.append(block_fixed_cost(ix, inp))
        lp.signature += "+blocks" + ("-relaxed" if bool(inp["modular_relax"]) else "")
    if bool(inp["n_minus_1"]):
        p = resilience.pairs(ix)
        lp.variables.update(resilience.n1_variables(ix, p))
        lp.rows += [f(ix, inp, p) for f in N1_FAMILIES]
        lp.costs.append(resilience.n1_cost(ix, inp))
        lp.signature += "+n-1"
    for b in lp.bounds:
        vb = lp.variables[b.var]
        vb.ub = b.ub.copy() if vb.ub is None else np.minimum(vb.ub, b.ub)
    return lp


def _hourly_lp(ix: Index, inp: xr.Dataset) -> LinearProgram:
    """The yearly families without the yearly power rows, plus the hourly power model
    (docs/math.md, "Hourly power model"). With annual-volume matching the green share is
    counted on contracted generation (``green_share_volume``) instead of green used."""
    volume = inp.attrs.get("green_matching") == "annual"
    skip = {power_balance} | ({green_share} if volume else set())
    rows = [f(ix, inp) for f in ROW_FAMILIES if f not in skip]
    rows += [f(ix, inp) for f in hourly.HOURLY_ROWS]
    if bool(inp["flexible"].any()) and float(inp["flexibility_band"]) > 0:
        rows += [f(ix, inp) for f in hourly.SHIFT_ROWS]
    if volume:
        rows.append(hourly.green_share_volume(ix, inp))
    v = {**variables(ix), **hourly.hourly_variables(ix, inp)}
    if bool(inp["storage_on"]):
        rows += [f(ix, inp) for f in hourly.STORAGE_ROWS]
    costs = cost_terms(ix, inp)
    for i, ct in enumerate(costs):  # green energy is paid through the contracted capacity
        if ct.name == "electricity":
            costs[i] = type(ct)("electricity", [p for p in ct.parts if p[0] != "green"] + [hourly.green_contract_cost(ix, inp)])
    if bool(inp["storage_on"]):
        costs.append(hourly.storage_cost(ix, inp))
    bounds = [f(ix, inp) for f in BOUND_FAMILIES if f not in (grid_connection_limit, green_availability)]
    bounds += [f(ix, inp) for f in hourly.HOURLY_BOUNDS]
    sig = f"{ix.signature()}+hourly{inp.sizes['day']}" + ("+storage" if bool(inp["storage_on"]) else "") + \
        ("+volume" if volume else "") + f"+flex{int(inp['flexible'].sum())}"
    return LinearProgram(v, rows, costs, bounds, ix, sig)


__all__ = ["Index", "LinearProgram", "build_index", "build_lp", "ROW_FAMILIES", "BOUND_FAMILIES"]
