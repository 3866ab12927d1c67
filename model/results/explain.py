"""Why a strict scenario is infeasible: the conflicting constraints, named with their labels.

HiGHS computes an irreducible infeasible subsystem (IIS) of the LP it holds; each of its rows
and column bounds is mapped back to a constraint family of docs/math.md and its index (cluster,
region, workload, year), and written as a sentence a planner can read.
"""
from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import xarray as xr

from ..formulation import BY_NAME
from ..solve.highs import HighsModel


@dataclass
class Conflict:
    family: str  # constraint family (Pyomo component or bound function)
    index: dict  # its labels, e.g. {"cluster": "qingyang", "year": 2028}
    side: str  # "lower" or "upper"
    text: str
    text_zh: str  # the same conflict for the 中文 mode: the family's label, its index, the side

    def as_dict(self) -> dict:
        return {"constraint": self.family, "index": self.index, "side": self.side, "text": self.text,
                "text_zh": self.text_zh}


_SIDE_ZH = {"lower": "下限", "upper": "上限", "both": "上下限"}


def _names(inp: xr.Dataset | None, dim: str, key) -> str:
    if dim == "failed":
        dim = "cluster"
    if inp is None or dim not in ("region", "cluster", "workload"):
        return str(key)
    zh = inp[f"{dim}_name_zh"].sel({dim: key}).item()
    return f"{zh} ({key})"


def _name_zh(inp: xr.Dataset | None, dim: str, key) -> str:
    if dim == "year":
        return f"{key} 年"
    dim = "cluster" if dim == "failed" else dim
    if inp is None or dim not in ("region", "cluster", "workload"):
        return str(key)
    return str(inp[f"{dim}_name_zh"].sel({dim: key}).item())


def _describe(family: str, dims, label, side: str, inp) -> Conflict:
    index = {d: (int(v) if d == "year" else str(v)) for d, v in zip(dims, label)}
    named = {d: _names(inp, d, v) for d, v in index.items()}
    fam = BY_NAME.get(family)
    text = (fam.conflict if fam is not None else family).format(**named)
    where = "，".join(_name_zh(inp, d, v) for d, v in index.items())
    text_zh = f"{fam.label.zh if fam is not None else family}（{where}）{_SIDE_ZH.get(side, '')}"
    return Conflict(family, index, side, text, text_zh)


def explain_infeasibility(hm: HighsModel, inp: xr.Dataset | None = None) -> list[Conflict]:
    """The constraints of an irreducible infeasible subsystem, or [] if HiGHS finds none."""
    h = hm.highs
    before = h.getOptionValue("iis_strategy")
    before = before[1] if isinstance(before, tuple) else before  # highspy ≥ 1.12 returns (status, value)
    h.setOptionValue("iis_strategy", int(highspy.IisStrategy.kIisStrategyIrreducible))
    try:
        status, iis = h.getIis()
    finally:
        h.setOptionValue("iis_strategy", before)  # later solves of this model run as configured
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return []
    lp = hm.lp
    block_row = np.empty(int(hm.row_of.max()) + 1, dtype=np.int64)
    kept = np.flatnonzero(hm.row_of >= 0)
    block_row[hm.row_of[kept]] = kept
    block_col = np.empty(int(hm.col_of.max()) + 1, dtype=np.int64)
    kc = np.flatnonzero(hm.col_of >= 0)
    block_col[hm.col_of[kc]] = kc
    row_blocks = [(start, lp.row_block(name)) for name, start in lp.row_offsets().items()]
    bound_family = {b.var: b.name for b in lp.bounds}
    var_blocks = [(off, lp.variables[name]) for name, off in lp.offsets().items()]
    out = []
    for hr, bound in zip(iis.row_index_, iis.row_bound_):
        side = _side(bound)
        if side is None:
            continue
        g = block_row[hr]
        start, rb = max(((s, b) for s, b in row_blocks if s <= g), key=lambda t: t[0])
        out.append(_describe(rb.name, rb.dims, rb.labels[g - start], side, inp))
    for hc, bound in zip(iis.col_index_, iis.col_bound_):
        g = block_col[hc]
        start, vb = max(((s, v) for s, v in var_blocks if s <= g), key=lambda t: t[0])
        side = _side(bound)
        if side in (None, "lower"):  # not in the subsystem, or x ≥ 0 (every variable's own sign)
            continue
        out.append(_describe(bound_family.get(vb.name, f"upper bound of {vb.name}"), vb.dims, vb.labels[g - start], side, inp))
    return out


def _side(bound) -> str | None:
    """IisBoundStatus: 2 lower, 3 upper, 4 both; free, null or dropped: not part of the conflict."""
    return {2: "lower", 3: "upper", 4: "both"}.get(int(bound))
