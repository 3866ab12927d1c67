"""Assemble the Pyomo model from the blocks: one Var per variable block, one Constraint per
row family, one Expression per cost term, and the objective as their sum.

This is the user's door (inspect, extend, write LP/MPS/NL, solve with any Pyomo solver), built on
demand; the solve path hands HiGHS the same blocks as arrays (``standard_form.from_blocks``).

Row bodies are created in one shot as ``LinearExpression`` from precomputed coefficients
(CSR-grouped with numpy), with the garbage collector paused during construction — the two
idioms that make Pyomo builds fast. Terms with coefficient 1 are the bare variable, zero
coefficients are left out of rows, upper bounds are set only where finite (docs/performance.md).
"""
from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import numpy as np
import pyomo.environ as pyo
from pyomo.core.base.set import IndexedSet, SetData
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from ..formulation.blocks import LinearProgram


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _csr(n_rows: int, row: np.ndarray, col: np.ndarray, val: np.ndarray):
    """Group the entries by row (stable: a row keeps the order of its terms). Zero coefficients
    are left out: the compiler would drop them anyway, so HiGHS receives the same matrix."""
    nz = val != 0
    row, col, val = row[nz], col[nz], val[nz]
    order = np.argsort(row, kind="stable")
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_rows), out=ptr[1:])
    return ptr, col[order], val[order]


def _linear(coefs: list[float], variables: list) -> LinearExpression:
    """Σ coefs[i] · variables[i] as one LinearExpression. A coefficient of exactly 1 is stored
    as the bare variable, as Pyomo itself does for ``x + y``: most nonzeros of this model are 1,
    and each saves a MonomialTermExpression (build time, memory and compiler time)."""
    return LinearExpression([v if c == 1.0 else MonomialTermExpression((c, v)) for c, v in zip(coefs, variables)])


def _index_set(labels: list[tuple], dims: tuple[str, ...]) -> SetData | IndexedSet:  # what pyo.Set(...) is declared to give
    return pyo.Set(initialize=labels, ordered=True, dimen=len(dims))


def to_pyomo(lp: LinearProgram) -> tuple[pyo.ConcreteModel, list, list]:
    """Return (model, columns, rows): columns[i] is the VarData of global column i, rows[j]
    the ConstraintData of global row j (the order of ``lp``)."""
    with gc_paused():
        m = pyo.ConcreteModel(name="hubplan")
        columns = []
        for name, vb in lp.variables.items():
            # lower bound 0 from the domain; upper bounds set only where they are finite (no
            # per-index bounds rule: most columns have none)
            v = pyo.Var(_index_set(vb.labels, vb.dims), doc=vb.doc,
                        domain=pyo.NonNegativeIntegers if vb.integer else pyo.NonNegativeReals)
            setattr(m, name, v)
            data = cast(list[VarData], list(v.values()))  # an indexed Var's values are its VarData
            if vb.ub is not None:
                for i in np.flatnonzero(np.isfinite(vb.ub)).tolist():
                    data[i].setub(float(vb.ub[i]))
            columns.extend(data)
        off = lp.offsets()
        rows = []
        for rb in lp.rows:
            ptr, col, val = _csr(rb.size, np.concatenate([t.row for t in rb.terms]),
                                 np.concatenate([off[t.var] + t.col for t in rb.terms]),
                                 np.concatenate([t.coef for t in rb.terms]))
            ptr_l, col_l, val_l = ptr.tolist(), col.tolist(), val.tolist()
            exprs = {}
            for i, (lab, lo, hi) in enumerate(zip(rb.labels, rb.lo.tolist(), rb.hi.tolist())):
                a, b = ptr_l[i], ptr_l[i + 1]
                body = _linear(val_l[a:b], list(map(columns.__getitem__, col_l[a:b])))
                exprs[lab] = (body == lo) if lo == hi else (body >= lo) if math.isfinite(lo) else (body <= hi)
            c = pyo.Constraint(_index_set(rb.labels, rb.dims), rule=lambda _m, *i, e=exprs: e[i])
            setattr(m, rb.name, c)
            rows.extend(c.values())
        terms = []
        for ct in lp.costs:
            cols = np.concatenate([off[v] + c for v, c, _ in ct.parts])
            coefs = np.concatenate([k for _, _, k in ct.parts])
            e = pyo.Expression(expr=_linear(coefs.tolist(), list(map(columns.__getitem__, cols.tolist()))))
            setattr(m, f"cost_{ct.name}", e)
            terms.append(e)
        m.total_cost = pyo.Objective(expr=sum(terms), sense=pyo.minimize)
    return m, columns, rows
