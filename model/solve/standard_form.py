"""The LP as HiGHS takes it (column-wise sparse matrix, bounds, costs), in block order.

Two doors lead to the same numbers: ``from_blocks`` builds them straight from the formulation's
blocks with numpy (the solve path), ``from_pyomo`` compiles the Pyomo model of the same blocks
with Pyomo's standard-form compiler (the door a user inspects and extends; tests prove the two
agree). Generic over blocks: any variable block or row family flows through unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..formulation.blocks import LinearProgram


@dataclass
class StandardForm:
    """min cost·x  s.t.  row_lo ≤ A x ≤ row_hi,  0 ≤ x ≤ col_upper (infinite bounds as ±inf).

    ``A`` is held column-wise (``start``, ``index``, ``value``), explicit zeros left out;
    ``pattern``/``merged`` are every (row, column) position the blocks name, zeros included, with
    duplicates summed: what warm updates compare against (``pattern.keys``; None from Pyomo)."""
    cost: np.ndarray
    col_upper: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    integer: np.ndarray
    pattern: Pattern | None
    merged: np.ndarray

    @property
    def num_cols(self) -> int:
        return self.cost.size

    @property
    def num_rows(self) -> int:
        return self.row_lo.size

    def dense(self) -> np.ndarray:
        """A as a dense array (tests, small instances)."""
        out = np.zeros((self.num_rows, self.num_cols))
        col = np.repeat(np.arange(self.num_cols), np.diff(self.start))
        out[self.index, col] = self.value
        return out


def merged_entries(lp: LinearProgram, n_rows: int, pattern: Pattern | None = None) -> tuple[Pattern, np.ndarray]:
    """The blocks' entries as a ``Pattern`` (unique column-major keys, column · n_rows + row) and
    their values summed per key. Given the pattern of an earlier LP with the very same (row,
    column) entries — a warm update — only the values are summed again (no sort)."""
    r, c, v = lp.matrix_entries()
    if pattern is None or not (np.array_equal(pattern.row, r) and np.array_equal(pattern.col, c)):
        key = c.astype(np.int64) * max(n_rows, 1) + r
        keys, inverse = np.unique(key, return_inverse=True)
        pattern = Pattern(r, c, keys, inverse)
    return pattern, np.bincount(pattern.inverse, weights=v, minlength=pattern.keys.size)


@dataclass
class Pattern:
    row: np.ndarray
    col: np.ndarray
    keys: np.ndarray
    inverse: np.ndarray


def from_blocks(lp: LinearProgram) -> StandardForm:
    lo, hi = lp.row_bounds()
    n, m = lp.num_cols, lo.size
    pattern, merged = merged_entries(lp, m)
    keys = pattern.keys
    nz = merged != 0
    col, row = np.divmod(keys[nz], max(m, 1))
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(col, minlength=n), out=start[1:])
    integer = np.concatenate([np.full(vb.size, vb.integer) for vb in lp.variables.values()])
    return StandardForm(lp.column_cost(), lp.column_upper(), lo, hi, start, row.astype(np.int32),
                        merged[nz], integer, pattern, merged)


def from_pyomo(lp: LinearProgram) -> tuple[StandardForm, np.ndarray, np.ndarray]:
    """The Pyomo model of ``lp`` compiled by Pyomo's ``LinearStandardFormCompiler`` (mixed form),
    put back in block order. Returns (form, column present, row present): the compiler leaves out
    columns no row or cost names and rows without terms; those positions hold NaN bounds/costs."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    from .assemble import to_pyomo

    model, columns, rows = to_pyomo(lp)
    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    col_of = _positions(columns, info.columns)
    row_of = _positions(rows, [r.constraint for r in info.rows])
    n, m = len(columns), len(rows)
    col_in, row_in = col_of >= 0, row_of >= 0
    block_col = np.flatnonzero(col_in)[np.argsort(col_of[col_in])]  # HiGHS-order column -> block column
    block_row = np.flatnonzero(row_in)[np.argsort(row_of[row_in])]
    cost = np.full(n, np.nan)
    cost[block_col] = np.asarray(info.c.toarray()).ravel()
    upper = np.full(n, np.nan)
    upper[block_col] = [np.inf if v.ub is None else float(v.ub) for v in info.columns]
    sense = np.array([r.bound_type for r in info.rows])
    rhs = np.asarray(info.rhs, float)
    lo, hi = np.full(m, np.nan), np.full(m, np.nan)
    # mixed form: 0 is "=", 1 is "≤ rhs", -1 is "≥ rhs"
    lo[block_row] = np.where(sense <= 0, rhs, -np.inf)
    hi[block_row] = np.where(sense >= 0, rhs, np.inf)
    A = info.A.tocoo()
    key = block_col[A.col].astype(np.int64) * max(m, 1) + block_row[A.row]
    keys, inverse = np.unique(key, return_inverse=True)
    merged = np.zeros(keys.size)
    np.add.at(merged, inverse, A.data)
    nz = merged != 0
    col, row = np.divmod(keys[nz], max(m, 1))
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(col, minlength=n), out=start[1:])
    integer = np.array([not v.is_continuous() for v in columns], dtype=bool)
    form = StandardForm(cost, upper, lo, hi, start, row.astype(np.int32), merged[nz], integer, None, merged)
    return form, col_in, row_in


def _positions(items: list, order: list) -> np.ndarray:
    """out[i] = position of items[i] in order (matched by identity), -1 where it is absent."""
    pos = dict(zip(map(id, items), range(len(items))))
    out = np.full(len(items), -1, dtype=np.int64)
    out[np.fromiter(map(pos.__getitem__, map(id, order)), np.int64, len(order))] = np.arange(len(order))
    return out


def names(lp: LinearProgram) -> tuple[list[str], list[str]]:
    """Column and row names: the family and its labels, ``build[gansu,2027]`` (whitespace → _),
    so a solution from another solver maps back to the plan."""
    def name(family: str, label: tuple) -> str:
        return "_".join(f"{family}[{','.join(map(str, label))}]".split())
    cols = [name(vb.name, lab) for vb in lp.variables.values() for lab in vb.labels]
    rows = [name(rb.name, lab) for rb in lp.rows for lab in rb.labels]
    return cols, rows
