"""The formulation: inputs → a linear program of named families (see docs/math.md).

``FAMILIES`` is the registry: every variable block, constraint family, column bound and cost
term, in the order the LP holds them. Each is declared once, in its module, with the function that
builds it (``family.py``); a feature is a family whose ``when`` is true for the inputs.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import xarray as xr

from . import backbone, capacity, demand, green, hourly, lifecycle, local, local_ai, market, objective, policy, power, resilience, variables, water
from .blocks import LinearProgram
from .family import LIMITS, Family
from .index import Index, build_index
from .reads import EVERYTHING, InputsView

FAMILIES: tuple[Family, ...] = (variables.FAMILIES + local.FAMILIES[:1] + market.VARS + green.FAMILIES + demand.FAMILIES
                                + capacity.FAMILIES + power.FAMILIES + hourly.FAMILIES + policy.FAMILIES + water.FAMILIES
                                + green.ROW_FAMILIES + objective.FAMILIES + hourly.COST_FAMILIES + local.FAMILIES[1:] + market.COSTS
                                + local_ai.FAMILIES + green.COST_FAMILIES + resilience.FAMILIES
                                + lifecycle.VARS + backbone.VARS + lifecycle.ROWS + backbone.ROWS + backbone.BOUNDS
                                + lifecycle.COSTS + backbone.COSTS)
BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}


def build_lp(inp: xr.Dataset, ix: Index | None = None) -> LinearProgram:
    """The LP of the families that apply to ``inp``; bounds become column upper bounds."""
    ix = ix or build_index(inp)
    return _assemble(ix, {f.name: f.build(ix, inp) for f in FAMILIES if f.when(inp)})


@dataclass
class Built:
    """An LP with each family's block as built and the inputs it read (``reads.InputsView``;
    its ``when`` included), so that ``rebuild_lp`` redoes only what a change touches."""
    lp: LinearProgram
    blocks: dict[str, Any]  # family name → its block (families that apply only)
    reads: dict[str, frozenset[str]]  # family name → inputs read by ``when`` and ``build``


def build_lp_tracked(inp: InputsView, ix: Index | None = None) -> Built:
    """``build_lp`` on a view of the inputs, writing down what each family reads."""
    return rebuild_lp(None, inp, frozenset(), ix or build_index(_as_dataset(inp)))


def rebuild_lp(prev: Built | None, inp: InputsView, changed: frozenset[str], ix: Index | None = None) -> Built:
    """The LP of ``inp``, reusing ``prev``'s block of every family that read none of ``changed``
    (input names; ``attrs.<key>`` for attributes). Same blocks as ``build_lp(inp)``: a family's
    block depends only on what it reads (tests/solve/test_warm_answers.py checks the whole LP)."""
    if ix is None:
        if prev is None:
            raise ValueError("rebuild_lp needs the index or a previous build")
        ix = prev.lp.index
    data = _as_dataset(inp)
    blocks, reads = {}, {}
    for f in FAMILIES:
        before = prev.reads.get(f.name) if prev is not None else None
        if prev is not None and before is not None and EVERYTHING not in before and not before & changed:
            reads[f.name] = before
            if f.name in prev.blocks:
                blocks[f.name] = prev.blocks[f.name]
            continue
        inp.read.clear()
        if f.when(data):
            blocks[f.name] = f.build(ix, data)
        reads[f.name] = frozenset(inp.read)
    return Built(_assemble(ix, blocks), blocks, reads)


def _as_dataset(inp: InputsView) -> xr.Dataset:
    """The view where a family expects the inputs: it answers the Dataset's doors a family uses
    (``[]``, ``in``, ``get``, ``attrs``, ``sizes``, ``dims``, any other attribute) and notes each read."""
    return cast(xr.Dataset, inp)


def _assemble(ix: Index, blocks: dict[str, Any]) -> LinearProgram:
    lp = LinearProgram({}, [], [], [], ix, ix.signature())
    for name, block in blocks.items():
        kind = BY_NAME[name].kind
        if kind == "vars":  # copies: the bounds below set ``ub``, and a reused block must keep its own
            lp.variables.update({k: replace(vb) for k, vb in block.items()})
        elif kind == "rows":
            lp.rows.append(block)
        elif kind == "cost":
            lp.costs.append(block)
        else:
            lp.bounds.append(block)
    for b in lp.bounds:
        vb = lp.variables[b.var]
        vb.ub = b.ub.copy() if vb.ub is None else np.minimum(vb.ub, b.ub)
    return lp


__all__ = ["BY_NAME", "FAMILIES", "LIMITS", "Built", "Family", "Index", "InputsView", "LinearProgram", "build_index", "build_lp",
           "build_lp_tracked", "rebuild_lp"]
