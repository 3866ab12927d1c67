"""Assemble the Pyomo model from the blocks: one Var per variable block, one Constraint per
row family, one Expression per cost term, and the objective as their sum.

Row bodies are created in one shot as ``LinearExpression`` from precomputed coefficients
(CSR-grouped with numpy), with the garbage collector paused during construction — the two
idioms that make Pyomo builds fast (docs/performance.md).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from .blocks import LinearProgram


@contextmanager
def gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _csr(n_rows: int, row: np.ndarray, col: np.ndarray, val: np.ndarray):
    order = np.argsort(row, kind="stable")
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_rows), out=ptr[1:])
    return ptr, col[order], val[order]


def to_pyomo(lp: LinearProgram):
    """Return (model, columns, rows): columns[i] is the VarData of global column i, rows[j]
    the ConstraintData of global row j (the order of ``lp``)."""
    with gc_paused():
        m = pyo.ConcreteModel(name="hubplan")
        columns = []
        for name, vb in lp.variables.items():
            ub = np.full(vb.size, np.inf) if vb.ub is None else vb.ub
            bounds = {lab: (0.0, None if np.isinf(u) else float(u)) for lab, u in zip(vb.labels, ub)}
            v = pyo.Var(pyo.Set(initialize=vb.labels, ordered=True, dimen=len(vb.dims)),
                        domain=pyo.NonNegativeReals, bounds=lambda _m, *i, b=bounds: b[i], doc=vb.doc)
            setattr(m, name, v)
            columns.extend(v.values())
        off = lp.offsets()
        rows = []
        for rb in lp.rows:
            ptr, col, val = _csr(rb.size, np.concatenate([t.row for t in rb.terms]),
                                 np.concatenate([off[t.var] + t.col for t in rb.terms]),
                                 np.concatenate([t.coef for t in rb.terms]))
            col_l, val_l = col.tolist(), val.tolist()
            exprs = {}
            for i, lab in enumerate(rb.labels):
                a, b = ptr[i], ptr[i + 1]
                body = LinearExpression(constant=0.0, linear_coefs=val_l[a:b],
                                        linear_vars=[columns[j] for j in col_l[a:b]])
                lo, hi = float(rb.lo[i]), float(rb.hi[i])
                exprs[lab] = (body == lo) if lo == hi else (body >= lo) if np.isfinite(lo) else (body <= hi)
            c = pyo.Constraint(pyo.Set(initialize=rb.labels, ordered=True, dimen=len(rb.dims)),
                               rule=lambda _m, *i, e=exprs: e[i])
            setattr(m, rb.name, c)
            rows.extend(c.values())
        terms = []
        for ct in lp.costs:
            cols = np.concatenate([off[v] + c for v, c, _ in ct.parts])
            coefs = np.concatenate([k for _, _, k in ct.parts])
            e = pyo.Expression(expr=LinearExpression(constant=0.0, linear_coefs=coefs.tolist(),
                                                     linear_vars=[columns[j] for j in cols.tolist()]))
            setattr(m, f"cost_{ct.name}", e)
            terms.append(e)
        m.total_cost = pyo.Objective(expr=sum(terms), sense=pyo.minimize)
    return m, columns, rows
