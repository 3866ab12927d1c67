"""The building blocks every constraint family returns.

A family function takes the index (``Index``) and the inputs and returns numbers only:
variable blocks, bounds, row blocks or cost terms. ``model.solve.assemble`` turns them into Pyomo
components; ``model.solve`` uses the same numbers to update HiGHS in place for warm re-solves,
so the math is written once.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # index.py builds the Index; the blocks only carry it
    from .index import Index


@dataclass
class VarBlock:
    """A family of nonnegative variables with labels (one tuple per column)."""
    name: str
    dims: tuple[str, ...]
    labels: list[tuple]
    doc: str = ""
    ub: np.ndarray | None = None  # set by bound functions; None: +inf
    integer: bool = False

    @property
    def size(self) -> int:
        return len(self.labels)


@dataclass
class Bound:
    """An upper bound on one variable block (a constraint implemented as a column bound)."""
    name: str
    var: str
    ub: np.ndarray


@dataclass
class Term:
    """Coefficients of one variable block in a row block: A[row[i], col[i]] = coef[i]."""
    var: str
    row: np.ndarray
    col: np.ndarray
    coef: np.ndarray


@dataclass
class RowBlock:
    """One constraint family: lo ≤ Σ terms ≤ hi, row by row (lo == hi: equality)."""
    name: str
    dims: tuple[str, ...]
    labels: list[tuple]
    terms: list[Term]
    lo: np.ndarray
    hi: np.ndarray

    @property
    def size(self) -> int:
        return len(self.labels)


@dataclass
class CostTerm:
    """One reported term of the objective: Σ coef[i] · var[col[i]] (discounted yuan)."""
    name: str
    parts: list[tuple[str, np.ndarray, np.ndarray]]  # (var, col, coef)


def annuity_years(discount_factor: np.ndarray) -> np.ndarray:
    """Σ_{y ≥ y'} δ_y per year y': what an annuity bought in year y' weighs over the rest of the horizon
    (the one place every build-and-pay term takes it from; × the capital recovery factor for capex)."""
    discount = np.asarray(discount_factor, dtype=float)
    return np.cumsum(discount[::-1])[::-1]


@dataclass
class LinearProgram:
    """The blocks in order: columns are the variable blocks one after another (``offsets``,
    ``column_slice``), rows the row blocks (``row_offsets``, ``row_slice``); solver vectors
    (``col_value``, ``row_dual``) are read by these names, never by positions counted by hand."""
    variables: dict[str, VarBlock]
    rows: list[RowBlock]
    costs: list[CostTerm]
    bounds: list[Bound] = field(default_factory=list)
    index: Index = None  # type: ignore[assignment]  # the Index the blocks were built on (build_lp always gives it)
    signature: str = ""  # hash of the index sets (arcs, years): equal structure needs equal sets

    def with_upper(self, var: str, ub: np.ndarray) -> LinearProgram:
        """A copy whose variable block ``var`` has upper bounds ``ub`` (same structure)."""
        variables = dict(self.variables)
        variables[var] = replace(variables[var], ub=ub)
        return replace(self, variables=variables)

    def with_costs(self, costs: list[CostTerm]) -> LinearProgram:
        return replace(self, costs=costs)

    def with_row_bounds(self, name: str, lo: np.ndarray, hi: np.ndarray) -> LinearProgram:
        return replace(self, rows=[replace(rb, lo=lo, hi=hi) if rb.name == name else rb for rb in self.rows])

    def offsets(self) -> dict[str, int]:
        """The first column of each variable block (columns are the blocks in order)."""
        out, n = {}, 0
        for name, vb in self.variables.items():
            out[name] = n
            n += vb.size
        return out

    def row_offsets(self) -> dict[str, int]:
        """The first row of each row block (rows are the blocks in order; names are unique per LP)."""
        out, n = {}, 0
        for rb in self.rows:
            out.setdefault(rb.name, n)
            n += rb.size
        return out

    def column_slice(self, var: str) -> slice:
        """The columns of variable block ``var``: ``col_value[lp.column_slice("grid")]`` (KeyError if none)."""
        start = self.offsets()[var]
        return slice(start, start + self.variables[var].size)

    def row_slice(self, name: str) -> slice:
        """The rows of row block ``name``: ``row_dual[lp.row_slice("demand_balance")]`` (KeyError if none)."""
        start = self.row_offsets()[name]
        return slice(start, start + self.row_block(name).size)

    def row_block(self, name: str) -> RowBlock:
        """The row block called ``name`` (KeyError if the LP has none)."""
        for rb in self.rows:
            if rb.name == name:
                return rb
        raise KeyError(name)

    def has_rows(self, name: str) -> bool:
        return any(rb.name == name for rb in self.rows)

    def activity(self, name: str, col_value: np.ndarray) -> np.ndarray:
        """Σ terms of row block ``name`` at the column values ``col_value``, row by row."""
        rb, off = self.row_block(name), self.offsets()
        out = np.zeros(rb.size)
        for t in rb.terms:
            np.add.at(out, t.row, t.coef * col_value[off[t.var] + t.col])
        return out

    @property
    def num_cols(self) -> int:
        return sum(vb.size for vb in self.variables.values())

    @property
    def num_rows(self) -> int:
        return sum(rb.size for rb in self.rows)

    def column_upper(self) -> np.ndarray:
        return np.concatenate([np.full(vb.size, np.inf) if vb.ub is None else vb.ub
                               for vb in self.variables.values()])

    def column_cost(self) -> np.ndarray:
        c = np.zeros(self.num_cols)
        off = self.offsets()
        for term in self.costs:
            for var, col, coef in term.parts:
                np.add.at(c, off[var] + col, coef)
        return c

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.concatenate([rb.lo for rb in self.rows]), np.concatenate([rb.hi for rb in self.rows]))

    def matrix_entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All nonzeros as (global row, global column, value)."""
        off, rows, cols, vals, r0 = self.offsets(), [], [], [], 0
        for rb in self.rows:
            for t in rb.terms:
                rows.append(r0 + t.row)
                cols.append(off[t.var] + t.col)
                vals.append(t.coef)
            r0 += rb.size
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)

    def structure_key(self) -> tuple:
        """Equal keys: same columns, rows and sparsity, so HiGHS can be updated in place."""
        return (self.signature, tuple((n, vb.size, vb.integer) for n, vb in self.variables.items()),
                tuple((rb.name, rb.size, tuple((t.var, t.row.size) for t in rb.terms)) for rb in self.rows))
