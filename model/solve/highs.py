"""Hand the Pyomo model to HiGHS (highspy) and solve; update HiGHS in place for warm re-solves.

The hand-off goes through Pyomo's ``LinearStandardFormCompiler`` (mixed form) and
``Highs.passModel`` with CSC arrays: what HiGHS solves is exactly what the Pyomo model says.
The compiler's row and column order is mapped back to the blocks' order once, so results,
duals and later parameter updates address HiGHS by block position.
"""
from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from ..formulation.blocks import LinearProgram
from .assemble import gc_paused, to_pyomo
from ..inputs.scenario import SolverOptions

_MS = highspy.HighsModelStatus
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


def _positions(items: list, order: list) -> np.ndarray:
    """out[i] = position of items[i] in order (matched by identity), -1 where it is absent."""
    pos = dict(zip(map(id, items), range(len(items))))
    out = np.full(len(items), -1, dtype=np.int64)
    out[np.fromiter(map(pos.__getitem__, map(id, order)), np.int64, len(order))] = np.arange(len(order))
    return out


class HighsModel:
    """A Pyomo model compiled into one HiGHS instance, re-solvable after in-place updates."""

    def __init__(self, lp: LinearProgram, options: SolverOptions):
        t0 = time.perf_counter()
        self.lp = lp
        self._model = None
        # One collector pause for build and hand-off (docs/performance.md). The Pyomo model and
        # the compiler's output are dropped once HiGHS has its copy, and collected at once:
        # they are the largest objects of a run. ``model`` rebuilds the Pyomo model on demand.
        with gc_paused():
            model, columns, rows = to_pyomo(lp)
            t1 = time.perf_counter()
            info = LinearStandardFormCompiler().write(model, mixed_form=True)
            self.col_of = _positions(columns, info.columns)  # block column -> HiGHS column, -1: dropped
            self.row_of = _positions(rows, [r.constraint for r in info.rows])  # block row -> HiGHS row
            self.highs = new_highs()
            self._pass(info, lp)
            del model, columns, rows, info
        gc.collect(0)  # everything made during the pause is in the youngest generation
        self.options = None
        self.set_options(options)
        self.timings = {"build_s": t1 - t0, "handoff_s": time.perf_counter() - t1}

    @property
    def model(self) -> pyo.ConcreteModel:
        """The Pyomo model of the current LP (``self.lp``, warm updates included), built from the
        blocks by the same ``to_pyomo`` that built the one HiGHS received."""
        if self._model is None:
            self._model = to_pyomo(self.lp)[0]
        return self._model

    def _pass(self, info, lp: LinearProgram) -> None:
        n, m = len(info.columns), len(info.rows)
        cost = np.asarray(info.c.toarray()).ravel() if n else np.zeros(0)
        ub = lp.column_upper()[self._present_cols()]
        sense = np.array([r.bound_type for r in info.rows])
        rhs = np.asarray(info.rhs, float)
        # mixed form: 0 is "=", 1 is "≤ rhs", -1 is "≥ rhs" (body and rhs not negated)
        row_lower = np.where(sense <= 0, rhs, -highspy.kHighsInf)
        row_upper = np.where(sense >= 0, rhs, highspy.kHighsInf)
        A = info.A.tocsc()
        # integer columns from the blocks (the Pyomo domain is set from the same flag)
        integer = np.concatenate([np.full(vb.size, vb.integer) for vb in lp.variables.values()])
        self.integer_cols = np.sort(self.col_of[integer & (self.col_of >= 0)]).astype(np.int32)
        kinds = np.full(n, int(highspy.HighsVarType.kContinuous), dtype=np.int32)
        kinds[self.integer_cols] = int(highspy.HighsVarType.kInteger)
        self.highs.setOptionValue("output_flag", False)
        # the array form of passModel: numpy buffers go to HiGHS as they are, while filling a
        # HighsLp converts every element (70 ms at city scale)
        checked(self.highs.passModel(n, m, A.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), 0.0,
                             cost, np.zeros(n), np.where(np.isinf(ub), highspy.kHighsInf, ub), row_lower, row_upper,
                             A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data.astype(float), kinds),
                "the model (passModel)")
        self._cost = lp.column_cost()
        self._upper = lp.column_upper()
        self._row_lo, self._row_hi = lp.row_bounds()
        self._entries = lp.matrix_entries()

    def _present_cols(self) -> np.ndarray:
        order = np.argsort(self.col_of[self.col_of >= 0])
        return np.flatnonzero(self.col_of >= 0)[order]

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
        idx = np.flatnonzero((cost != self._cost) & (self.col_of >= 0))
        if idx.size:
            h.changeColsCost(idx.size, self.col_of[idx], cost[idx])
        changed += idx.size
        idx = np.flatnonzero((upper != self._upper) & (self.col_of >= 0))
        if idx.size:
            h.changeColsBounds(idx.size, self.col_of[idx], np.zeros(idx.size),
                               np.where(np.isinf(upper[idx]), highspy.kHighsInf, upper[idx]))
        changed += idx.size
        lo, hi = lp.row_bounds()
        idx = np.flatnonzero(((lo != self._row_lo) | (hi != self._row_hi)) & (self.row_of >= 0))
        if idx.size:
            inf = highspy.kHighsInf
            h.changeRowsBounds(idx.size, self.row_of[idx], np.where(np.isinf(lo[idx]), -inf, lo[idx]),
                               np.where(np.isinf(hi[idx]), inf, hi[idx]))
        changed += idx.size
        r, c, v = lp.matrix_entries()
        old_v = self._entries[2]
        for i in np.flatnonzero(v != old_v):
            if self.row_of[r[i]] >= 0 and self.col_of[c[i]] >= 0:
                h.changeCoeff(int(self.row_of[r[i]]), int(self.col_of[c[i]]), float(v[i]))
                changed += 1
        self.lp, self._cost, self._upper, self._row_lo, self._row_hi = lp, cost, upper, lo, hi
        self._entries = (r, c, v)
        self._model = None  # a Pyomo model built before described the old numbers
        return changed

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
    def solve(self) -> Solution:
        h = self.highs
        t0 = time.perf_counter()
        run_status = h.run()
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
        solve_s = time.perf_counter() - t0
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
        if has_solution:
            fixed_ok = not (mip and duals.startswith("none"))
            cv = np.asarray(sol.col_value) if fixed_ok else mip_values
            present = self.col_of >= 0
            col_value[present] = cv[self.col_of[present]]
            if sol.dual_valid and fixed_ok:
                rd = np.asarray(sol.row_dual)
                rp = self.row_of >= 0
                row_dual[rp] = rd[self.row_of[rp]]
                col_dual[present] = np.asarray(sol.col_dual)[self.col_of[present]]
        obj = float(h.getInfo().objective_function_value) if has_solution else float("nan")
        if mip and has_solution:
            obj = mip_objective  # the MILP's own objective, whatever the fixed LP did
        out = Solution(word, ms == _MS.kOptimal, has_solution, obj, col_value, row_dual, col_dual,
                       int(info.simplex_iteration_count + info.ipm_iteration_count),
                       {"solve_s": solve_s, "extract_s": time.perf_counter() - t1}, duals=duals,
                       cold_retry=cold_retry)
        if mip and has_solution:
            out.mip_gap, out.mip_bound = gap, bound
            self._restore_integers()
        return out

    def _fix_integers_and_resolve(self):
        """Fix the integer columns at their (rounded) MILP values, re-solve as an LP, and return
        the LP's model status."""
        h, j = self.highs, self.integer_cols
        values = np.round(np.asarray(h.getSolution().col_value)[j])
        h.changeColsIntegrality(j.size, j, np.full(j.size, highspy.HighsVarType.kContinuous))
        h.changeColsBounds(j.size, j, values, values)
        h.run()
        return h.getModelStatus()

    def _restore_integers(self) -> None:
        h, j = self.highs, self.integer_cols
        h.changeColsIntegrality(j.size, j, np.full(j.size, highspy.HighsVarType.kInteger))
        inv = np.empty(len(self.col_of), dtype=np.int64)
        present = np.flatnonzero(self.col_of >= 0)
        inv[self.col_of[present]] = present
        ub = self._upper[inv[j]]
        h.changeColsBounds(j.size, j, np.zeros(j.size), np.where(np.isinf(ub), highspy.kHighsInf, ub))

    def write_model(self, path: str) -> None:
        """Write the exact LP in HiGHS (e.g. .mps); HiGHS alone reaches the same objective."""
        self.highs.writeModel(str(path))
