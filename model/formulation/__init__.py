"""The formulation: inputs → a linear program of named families (see docs/math.md).

``FAMILIES`` is the registry: every variable block, constraint family, column bound and cost
term, in the order the LP holds them. Each is declared once, in its module, with the function that
builds it (``family.py``); a feature is a family whose ``when`` is true for the inputs.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import backbone, capacity, demand, green, hourly, lifecycle, local, market, objective, policy, power, resilience, variables, water
from .blocks import LinearProgram
from .family import LIMITS, Family
from .index import Index, build_index

FAMILIES: tuple[Family, ...] = (variables.FAMILIES + local.FAMILIES[:1] + market.VARS + green.FAMILIES + demand.FAMILIES
                                + capacity.FAMILIES + power.FAMILIES + hourly.FAMILIES + policy.FAMILIES + water.FAMILIES
                                + green.ROW_FAMILIES + objective.FAMILIES + hourly.COST_FAMILIES + local.FAMILIES[1:] + market.COSTS
                                + green.COST_FAMILIES + resilience.FAMILIES
                                + lifecycle.VARS + backbone.VARS + lifecycle.ROWS + backbone.ROWS + backbone.BOUNDS
                                + lifecycle.COSTS + backbone.COSTS)
BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}


def build_lp(inp: xr.Dataset, ix: Index | None = None) -> LinearProgram:
    """The LP of the families that apply to ``inp``; bounds become column upper bounds."""
    ix = ix or build_index(inp)
    lp = LinearProgram({}, [], [], [], ix, ix.signature())
    for f in FAMILIES:
        if not f.when(inp):
            continue
        block = f.build(ix, inp)
        if f.kind == "vars":
            lp.variables.update(block)
        elif f.kind == "rows":
            lp.rows.append(block)
        elif f.kind == "cost":
            lp.costs.append(block)
        else:
            lp.bounds.append(block)
    for b in lp.bounds:
        vb = lp.variables[b.var]
        vb.ub = b.ub.copy() if vb.ub is None else np.minimum(vb.ub, b.ub)
    return lp


__all__ = ["BY_NAME", "FAMILIES", "LIMITS", "Family", "Index", "LinearProgram", "build_index", "build_lp"]
