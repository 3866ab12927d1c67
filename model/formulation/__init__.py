"""The formulation: inputs → a linear program of named blocks (see docs/math.md).

``ROW_FAMILIES`` and ``BOUND_FAMILIES`` list every constraint family in the order of the math
document; each is one function in its module.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import local, resilience, water
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
    lp = LinearProgram(variables(ix), [f(ix, inp) for f in ROW_FAMILIES], cost_terms(ix, inp),
                       [f(ix, inp) for f in BOUND_FAMILIES], ix, ix.signature())
    if local.has_local_supply(inp):
        lp.variables.update(local.local_variables(ix))
        next(rb for rb in lp.rows if rb.name == "demand_balance").terms.append(local.local_supply_term(ix))
        next(rb for rb in lp.rows if rb.name == "emission_cap").terms.append(local.local_emissions_term(ix, inp))
        lp.rows.append(local.local_capacity(ix, inp))
        lp.bounds += [local.local_build_limit(ix, inp), local.local_latency(ix, inp)]
        lp.costs += local.local_costs(ix, inp)
        lp.signature += "+local"
    if water.water_limited(inp).size:
        lp.rows.append(water.water_limit(ix, inp))
        lp.signature += "+water"
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


__all__ = ["Index", "LinearProgram", "build_index", "build_lp", "ROW_FAMILIES", "BOUND_FAMILIES"]
