"""Hand the LP to HiGHS (highspy) straight from the blocks and solve; update HiGHS in place for
warm re-solves.

The matrix, bounds and costs go from the formulation's blocks to ``Highs.passModel`` as numpy
arrays (``standard_form.from_blocks``): no Pyomo model is built on the solve path. The Pyomo
model of the same blocks (``assemble.to_pyomo``) is the door a user inspects, extends, writes
and solves with any Pyomo solver; it is built on demand (``HighsModel.model``) and
tests/solve/test_two_doors.py proves both doors hold the same LP. HiGHS holds every block column and
row in block order, so results, duals and updates address HiGHS by block position.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import highspy
import numpy as np

from ..errors import InputError
from ..formulation.blocks import LinearProgram
from ..inputs.scenario import SolverOptions
from .standard_form import StandardForm, from_blocks, merged_entries, names

if TYPE_CHECKING:
    import pyomo.environ as pyo

_MS = highspy.HighsModelStatus
PRIMAL = 4  # HiGHS simplex_strategy: primal simplex
STATUS_WORDS = {
    _MS.kOptimal: "optimal",
    _MS.kInfeasible: "infeasible",
    _MS.kUnboundedOrInfeasible: "infeasible or unbounded",
    _MS.kUnbounded: "unbounded",
    _MS.kTimeLimit: "time limit",
    _MS.kIterationLimit: "iteration limit",
    _MS.kObjectiveBound: "objective bound reached",
    _MS.kModelEmpty: "empty model",
    _MS.kSolveError: "solver error",
    _MS.kInterrupt: "interrupted",
}


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance. HiGHS prints its banner from C++ when it is created, before any
    option can be set, so standard output (file descriptor 1) is pointed at /dev/null meanwhile."""
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return h


def _coefficients_changed(old: LinearProgram, new: LinearProgram) -> bool:
    """Whether a matrix entry of ``new`` may differ from ``old``'s: a row block rebuilt with other
    terms. Row blocks a lever change reused (``formulation.rebuild_lp``) are the same objects."""
    if len(old.rows) != len(new.rows):
        return True
    for a, b in zip(old.rows, new.rows):
        if a is b or a.terms is b.terms:
            continue
        if len(a.terms) != len(b.terms) or not all(
                s.var == t.var and np.array_equal(s.row, t.row) and np.array_equal(s.col, t.col) and np.array_equal(s.coef, t.coef)
                for s, t in zip(a.terms, b.terms)):
            return True
    return False


class StructureChanged(Exception):
    """The new LP has other columns, rows or sparsity: rebuild instead of updating."""


class SolverError(RuntimeError):
    """HiGHS refused a call (a model or an option it cannot take)."""


def checked(status, what: str) -> None:
    """Raise SolverError unless a HiGHS call returned kOk (or a warning)."""
    if status == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS refused {what}")


@dataclass
class Solution:
    status: str  # plain words, e.g. "optimal", "time limit (incumbent)"
    optimal: bool
    has_solution: bool
    objective: float
    col_value: np.ndarray  # in block order (LinearProgram.offsets)
    row_dual: np.ndarray  # in block order; NaN where the row was dropped by the compiler
    col_dual: np.ndarray  # reduced costs in block order (the value of relaxing a column bound)
    iterations: int
    timings: dict = field(default_factory=dict)
    mip_gap: float = float("nan")  # relative gap of a MILP solve (NaN for an LP)
    mip_bound: float = float("nan")  # best lower bound of a MILP solve
    duals: str = "from the LP"  # where the duals come from, or why there are none
    cold_retry: bool = False  # the warm start failed and HiGHS solved again from scratch
    primal: bool = False  # re-solved by primal simplex from the kept basis (only costs had changed)


class HighsModel:
    """The blocks' LP in one HiGHS instance, re-solvable after in-place updates.

    ``col_of``/``row_of`` map block positions to HiGHS positions; HiGHS holds every block column
    and row in block order, so both are the identity (kept for callers that map explicitly)."""

    def __init__(self, lp: LinearProgram, options: SolverOptions):
        t0 = time.perf_counter()
        self.lp = lp
        self._model = None
        form = from_blocks(lp)
        t1 = time.perf_counter()
        # every block column and row goes to HiGHS, in block order (HiGHS index = block index)
        self.col_of = np.arange(form.num_cols, dtype=np.int64)
        self.row_of = np.arange(form.num_rows, dtype=np.int64)
        self.integer_cols = np.flatnonzero(form.integer).astype(np.int32)
        self.highs = new_highs()
        self._pass(form)
        self._named = False
        # what changed since the last solve ("cost", "bounds", "matrix", "rows"), and whether that
        # solve ended optimal: decides the simplex for the next warm re-solve (``solve``)
        self._changed: set[str] = set()
        self._optimal = False
        self.options = None
        self.set_options(options)
        self.timings = {"build_s": t1 - t0, "handoff_s": time.perf_counter() - t1}

    @property
    def model(self) -> pyo.ConcreteModel:
        """The Pyomo model of the current LP (``self.lp``, warm updates included), built on demand
        from the same blocks HiGHS received (``assemble.to_pyomo``)."""
        if self._model is None:
            from .assemble import to_pyomo  # Pyomo is imported only when its model is asked for
            self._model = to_pyomo(self.lp)[0]
        return self._model

    def _pass(self, form: StandardForm) -> None:
        n, m = form.num_cols, form.num_rows
        inf = highspy.kHighsInf
        kinds = np.full(n, int(highspy.HighsVarType.kContinuous), dtype=np.int32)
        kinds[self.integer_cols] = int(highspy.HighsVarType.kInteger)
        # the array form of passModel: numpy buffers go to HiGHS as they are, while filling a
        # HighsLp converts every element (70 ms at city scale)
        checked(self.highs.passModel(n, m, form.value.size, int(highspy.MatrixFormat.kColwise),
                                     int(highspy.ObjSense.kMinimize), 0.0, form.cost, np.zeros(n),
                                     np.minimum(form.col_upper, inf), np.maximum(form.row_lo, -inf),
                                     np.minimum(form.row_hi, inf), form.start, form.index, form.value, kinds),
                "the model (passModel)")
        self._cost, self._upper = form.cost, form.col_upper
        self._row_lo, self._row_hi = form.row_lo, form.row_hi
        if form.pattern is None:  # only from_pyomo leaves it out; HiGHS is always passed from_blocks
            raise ValueError("the standard form has no sparsity pattern (from_blocks gives it)")
        self._pattern, self._merged = form.pattern, form.merged

    def set_options(self, opt: SolverOptions) -> None:
        if opt == self.options:
            return
        for name, value in (("threads", int(opt.threads)), ("random_seed", int(opt.random_seed)),
                            ("time_limit", float(opt.time_limit_s)), ("mip_rel_gap", float(opt.mip_rel_gap)),
                            ("solver", opt.method)):
            checked(self.highs.setOptionValue(name, value), f"option {name} = {value!r}")
        self.options = opt

    # -- warm updates -------------------------------------------------------------------------
    def update(self, lp: LinearProgram) -> int:
        """Push the numbers of ``lp`` (same structure) into HiGHS; return how many changed."""
        if lp.structure_key() != self.lp.structure_key():
            raise StructureChanged("the scenario changes the model's structure")
        h, changed = self.highs, 0
        cost, upper = lp.column_cost(), lp.column_upper()
        idx = np.flatnonzero(cost != self._cost).astype(np.int32)
        if idx.size:
            h.changeColsCost(idx.size, idx, cost[idx])
            self._changed.add("cost")
        changed += idx.size
        idx = np.flatnonzero(upper != self._upper).astype(np.int32)
        if idx.size:
            h.changeColsBounds(idx.size, idx, np.zeros(idx.size), np.minimum(upper[idx], highspy.kHighsInf))
            self._changed.add("bounds")
        changed += idx.size
        lo, hi = lp.row_bounds()
        idx = np.flatnonzero((lo != self._row_lo) | (hi != self._row_hi)).astype(np.int32)
        if idx.size:
            inf = highspy.kHighsInf
            # highspy's stub (1.x) leaves out changeRowsBounds, which the extension has (as changeColsBounds)
            h.changeRowsBounds(idx.size, idx, np.maximum(lo[idx], -inf), np.minimum(hi[idx], inf))  # pyright: ignore[reportAttributeAccessIssue]
            self._changed.add("bounds")
        changed += idx.size
        pattern, merged = self._pattern, self._merged
        if _coefficients_changed(self.lp, lp):  # else (a lever that moves costs or bounds) nothing to re-sum
            pattern, merged = merged_entries(lp, lo.size, self._pattern)
            if pattern is not self._pattern and not np.array_equal(pattern.keys, self._pattern.keys):
                raise StructureChanged("the scenario changes the matrix's sparsity")
            keys = pattern.keys
            m = max(lo.size, 1)
            for k in np.flatnonzero(merged != self._merged).tolist():
                col, row = divmod(int(keys[k]), m)
                h.changeCoeff(row, col, float(merged[k]))  # 0 removes the entry
                changed += 1
                self._changed.add("matrix")
        self.lp, self._cost, self._upper, self._row_lo, self._row_hi = lp, cost, upper, lo, hi
        self._pattern, self._merged = pattern, merged
        self._model = None  # a Pyomo model built before described the old numbers
        return changed

    # -- rows and objectives outside the blocks (near-optimal alternatives, cuts) ------------
    def add_row(self, cols: np.ndarray, coefs: np.ndarray, lo: float = -np.inf, hi: float = np.inf) -> int:
        """Add the row lo ≤ Σ coefs[i] · x[cols[i]] ≤ hi (block column positions) to HiGHS and
        return its HiGHS row index. It is not part of the blocks: warm updates leave it alone,
        ``Solution.row_dual`` covers the block rows only, and ``drop_rows_from`` removes it."""
        cols, coefs = np.asarray(cols, dtype=np.int32), np.asarray(coefs, dtype=float)
        inf = highspy.kHighsInf
        checked(self.highs.addRow(max(lo, -inf), min(hi, inf), cols.size, cols, coefs), "the added row (addRow)")
        self._changed.add("rows")
        return self.highs.getNumRow() - 1

    def drop_rows_from(self, first: int) -> None:
        """Remove the added rows ``first`` … (HiGHS row indices ≥ the block rows)."""
        last = self.highs.getNumRow() - 1
        if first < self.row_of.size:
            raise ValueError("only rows added after the blocks can be dropped")
        if first <= last:
            checked(self.highs.deleteRows(last - first + 1, np.arange(first, last + 1, dtype=np.int32)), "deleteRows")
            self._changed.add("rows")

    def set_costs(self, cost: np.ndarray) -> None:
        """Swap the objective: ``cost`` per block column. ``set_costs(self.lp.column_cost())`` puts
        the plan's own objective back; a warm ``update`` compares against the costs set here."""
        cost = np.asarray(cost, dtype=float)
        idx = np.flatnonzero(cost != self._cost).astype(np.int32)
        if idx.size:
            self.highs.changeColsCost(idx.size, idx, cost[idx])
            self._changed.add("cost")
        self._cost = cost

    @contextmanager
    def variant(self, lp: LinearProgram) -> Iterator[HighsModel]:
        """Solve a variant of the current LP (other bounds or costs, same structure), then restore."""
        base = self.lp
        self.update(lp)
        try:
            yield self
        finally:
            self.update(base)

    # -- solving ------------------------------------------------------------------------------
    def _primal_next(self) -> bool:
        """Whether the next run should be primal simplex: only column costs changed since an
        optimal LP solve, so the kept basis is still primal feasible and primal simplex continues
        from it, where dual simplex (HiGHS's default) first repairs dual feasibility. Bounds, rows or
        coefficients that changed may leave the basis primal infeasible: dual simplex, the default."""
        return (self._changed == {"cost"} and self._optimal and self.integer_cols.size == 0
                and self.options is not None and self.options.method != "ipm")

    def _run(self, primal: bool):
        """``Highs.run`` — by primal simplex for this run only, the option put back afterwards."""
        h = self.highs
        if not primal:
            return h.run()
        strategy = h.getOptionValue("simplex_strategy")
        strategy = strategy[1] if isinstance(strategy, tuple) else strategy  # highspy ≥ 1.12: (status, value)
        checked(h.setOptionValue("simplex_strategy", PRIMAL), "simplex_strategy")
        try:
            return h.run()
        finally:
            checked(h.setOptionValue("simplex_strategy", strategy), "simplex_strategy")

    def solve(self) -> Solution:
        h = self.highs
        t0 = time.perf_counter()
        primal = self._primal_next()
        self._changed = set()
        run_status = self._run(primal)
        ms = h.getModelStatus()
        # A warm start from the previous basis can fail where a fresh solve succeeds: after a
        # large cost change (carbon price 1e9) dual simplex stops with "excessive dual values",
        # status "not set". Such a status is no answer about the LP, so solve it again from
        # scratch (presolve, no basis) — the same path a cold solve takes.
        cold_retry = run_status == highspy.HighsStatus.kError or ms in (_MS.kNotset, _MS.kSolveError)
        if cold_retry:
            h.clearSolver()
            h.run()
            ms = h.getModelStatus()
        if ms in (_MS.kNotset, _MS.kSolveError):  # simplex itself fails on costs near 1e12 (every
            # column emits since unmet work does too): the interior-point solver answers
            solver = h.getOptionValue("solver")
            solver = solver[1] if isinstance(solver, tuple) else solver  # highspy ≥ 1.12: (status, value)
            checked(h.setOptionValue("solver", "ipm"), "solver")
            h.clearSolver()
            h.run()
            ms = h.getModelStatus()
            checked(h.setOptionValue("solver", solver), "solver")
        if ms in (_MS.kNotset, _MS.kSolveError):  # costs near 1e13 defeat both: scale the objective down
            checked(h.setOptionValue("user_objective_scale", -23), "user_objective_scale")
            h.clearSolver()
            h.run()
            ms = h.getModelStatus()
            checked(h.setOptionValue("user_objective_scale", 0), "user_objective_scale")
        solve_s = time.perf_counter() - t0
        self._optimal = ms == _MS.kOptimal
        t1 = time.perf_counter()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        word = STATUS_WORDS.get(ms, h.modelStatusToString(ms).lower())
        if ms == _MS.kTimeLimit:
            word = "time limit (incumbent)" if has_solution else "time limit (no solution)"
        mip = self.integer_cols.size > 0
        duals = "from the LP"
        if mip and has_solution:
            gap, bound = float(info.mip_gap), float(info.mip_dual_bound)
            mip_values, mip_objective = np.asarray(h.getSolution().col_value).copy(), float(info.objective_function_value)
            # duals of a MILP: the LP with the integer decisions fixed at their optimum
            fixed = self._fix_integers_and_resolve()
            duals = "from the LP with the integer decisions fixed"
            if fixed != _MS.kOptimal:
                duals = f"none: the LP with the integer decisions fixed is {STATUS_WORDS.get(fixed, str(fixed))}"
        sol = h.getSolution()
        n_cols = len(self.col_of)
        col_value = np.zeros(n_cols)
        row_dual = np.full(len(self.row_of), np.nan)
        col_dual = np.zeros(n_cols)
        if has_solution:  # HiGHS holds the blocks' columns and rows in block order
            fixed_ok = not (mip and duals.startswith("none"))
            col_value = np.array(sol.col_value) if fixed_ok else mip_values
            if sol.dual_valid and fixed_ok:
                row_dual, col_dual = np.array(sol.row_dual)[: self.row_of.size], np.array(sol.col_dual)
        obj = float(h.getInfo().objective_function_value) if has_solution else float("nan")
        if mip and has_solution:
            obj = mip_objective  # the MILP's own objective, whatever the fixed LP did
        out = Solution(word, ms == _MS.kOptimal, has_solution, obj, col_value, row_dual, col_dual,
                       int(info.simplex_iteration_count + info.ipm_iteration_count),
                       {"solve_s": solve_s, "extract_s": time.perf_counter() - t1}, duals=duals,
                       cold_retry=cold_retry, primal=primal and not cold_retry)
        if mip and has_solution:
            out.mip_gap, out.mip_bound = gap, bound
            self._restore_integers()
        return out

    def _fix_integers_and_resolve(self):
        """Fix the integer columns at their (rounded) MILP values, re-solve as an LP, and return
        the LP's model status."""
        h, j = self.highs, self.integer_cols
        values = np.round(np.asarray(h.getSolution().col_value, dtype=np.float64)[j])
        h.changeColsIntegrality(j.size, j, np.full(j.size, highspy.HighsVarType.kContinuous))
        h.changeColsBounds(j.size, j, values, values)
        h.run()
        return h.getModelStatus()

    def _restore_integers(self) -> None:
        h, j = self.highs, self.integer_cols
        h.changeColsIntegrality(j.size, j, np.full(j.size, highspy.HighsVarType.kInteger))
        h.changeColsBounds(j.size, j, np.zeros(j.size), np.minimum(self._upper[j], highspy.kHighsInf))

    def write_model(self, path: str) -> None:
        """Write the exact LP HiGHS holds (``.mps``, ``.lp``), its rows and columns named by family
        and labels (``standard_form.names``); the folder is created when missing. A write that
        fails is an InputError naming the path."""
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(str(target), "--write-model", f"cannot create the folder ({exc.strerror})") from None
        if not self._named:  # names cost ~0.1 s at city scale: only when a model is written
            cols, rows = names(self.lp)
            for j, name in enumerate(cols):
                self.highs.passColName(j, name)
            for i, name in enumerate(rows):
                self.highs.passRowName(i, name)
            self._named = True
        if self.highs.writeModel(str(target)) == highspy.HighsStatus.kError or not target.is_file():
            raise InputError(str(target), "--write-model", "HiGHS could not write the model there "
                             "(a writable path ending in .mps or .lp is needed)")
