"""The near-optimal band of one compiled model, searched by warm re-solves.

``Band`` adds the budget row  Σ_j c_j · x_j ≤ B = C* + ε · |C*|  once to the HiGHS instance of a
solved ``HighsModel`` (c: the objective's coefficients, C*: its optimum), then answers each
question by swapping the objective and re-solving warm from the previous basis:

- the extremes of a linear aggregate a(x): min a(x) and min −a(x) within the band;
- the extremes of a share N(x) / D(x) by Dinkelbach's parametric method: min (or max) N − λ·D,
  λ ← N(x)/D(x) at the new point, until the parametric optimum is 0 (exact, a few solves);
- the cost of reaching an end: min c·x with the aggregate held at its extreme (one temporary row);
- any weighted objective (SPORES).
``close`` deletes the row and puts the cost back, so the model serves ordinary solves again.
"""
from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from ...solve.highs import HighsModel, Solution, SolverError
from .catalogue import Aggregate

INF = highspy.kHighsInf
RATIO_TOL = 1e-7  # Dinkelbach stops when the parametric optimum is within this share of D(x)
MAX_DINKELBACH = 30
PRIMAL = 4  # HiGHS simplex_strategy: primal


@dataclass
class End:
    """One end of an aggregate's range: its value, the plan reaching it (block-order columns) at
    least cost, that plan's cost, and the solves it took."""
    value: float
    plan: np.ndarray
    cost: float
    solves: int
    status: str = "optimal"


class Band:
    def __init__(self, hm: HighsModel, optimum: float, slack: float, budget: float | None = None,
                 start: np.ndarray | None = None):
        self.hm, self.h = hm, hm.highs
        self.start = start  # a plan in the band (the optimum): Dinkelbach's first λ
        self.optimum, self.slack = optimum, slack
        self.budget = optimum + slack * abs(optimum) if budget is None else budget
        self.cost = hm.lp.column_cost()
        self.present = hm.col_of >= 0
        self.hcol = hm.col_of[self.present].astype(np.int32)
        self.n_h = self.h.getNumCol()
        self.solves = 0
        # primal simplex: an objective swap leaves the previous basis primal feasible, so primal
        # simplex continues from it, where dual simplex must first repair dual feasibility
        # (reference, 1 % slack: 15× fewer iterations, same values — docs/performance.md)
        self._strategy = int(self.h.getOptionValue("simplex_strategy")[1])  # (status, value)
        self._check(self.h.setOptionValue("simplex_strategy", PRIMAL), "primal simplex")
        cols, vals = self._to_highs(self.cost)
        self.row = self.h.getNumRow()
        self._check(self.h.addRow(-INF, self.budget, cols.size, cols, vals), "the budget row")
        self._extra = 0  # temporary rows above the budget row

    def _check(self, status, what: str) -> None:
        if status == highspy.HighsStatus.kError:
            raise SolverError(f"HiGHS refused {what}")

    def _to_highs(self, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Block-order coefficients → (HiGHS columns, values), zeros left out."""
        v = c[self.present]
        nz = v != 0
        return self.hcol[nz], v[nz].astype(float)

    def dense(self, cols: np.ndarray, coef: np.ndarray) -> np.ndarray:
        c = np.zeros(self.cost.size)
        np.add.at(c, cols, coef)
        return c

    def minimise(self, c: np.ndarray) -> Solution:
        """Solve min c·x within the band (c in block order); the Solution of HighsModel.solve."""
        full = np.zeros(self.n_h)
        full[self.hcol] = c[self.present]
        self._check(self.h.changeColsCost(self.n_h, np.arange(self.n_h, dtype=np.int32), full), "the objective")
        self.solves += 1
        sol = self.hm.solve()
        if not sol.has_solution:  # a warm re-solve may end "optimal" without a primal solution: once more, cold
            self.h.clearSolver()
            self.solves += 1
            sol = self.hm.solve()
        return sol

    def plan_cost(self, x: np.ndarray) -> float:
        return float(self.cost @ x)

    # -- ends of an aggregate -------------------------------------------------------------------
    def extreme(self, agg: Aggregate, sense: str, cheapest: bool = True) -> End:
        """``sense`` "min" or "max" of ``agg`` within the band; with ``cheapest`` the plan returned
        is the least-cost one at that value (its cost: what reaching this end costs)."""
        sign = 1.0 if sense == "min" else -1.0
        n = self.dense(*agg.num)
        s0 = self.solves
        if agg.den is None:
            sol = self.minimise(sign * n)
            if not sol.has_solution:
                return End(float("nan"), sol.col_value, float("nan"), self.solves - s0, sol.status)
            value, x = float(n @ sol.col_value), sol.col_value
            hold = n
            level = value
        else:
            value, x, status = self._share_extreme(n, self.dense(*agg.den), sign)
            if x is None:
                return End(float("nan"), np.zeros(self.cost.size), float("nan"), self.solves - s0, status)
            hold = n - value * self.dense(*agg.den)  # N − λ·D, linear once λ is the extreme
            level = 0.0
        cost = self.plan_cost(x)
        if cheapest and self.start is not None and self._at_start(agg, value):
            x, cost = self.start, self.optimum  # the optimum is at this end: reaching it costs nothing
        elif cheapest:
            x, cost = self._cheapest_at(hold, level, sign, x, cost)
        return End(value, x, cost, self.solves - s0)

    def _at_start(self, agg: Aggregate, value: float) -> bool:
        v0 = agg.value(self.start)
        return bool(np.isfinite(v0) and abs(value - v0) <= 1e-7 * max(1.0, abs(v0)))

    def _share_extreme(self, n: np.ndarray, d: np.ndarray, sign: float):
        """Dinkelbach: λ_{t+1} = N(x_t)/D(x_t), x_t = argmin sign·(N − λ_t·D) in the band."""
        lam = 1.0 if sign > 0 else 0.0  # shares lie in [0, 1]: start outside and move in
        if self.start is not None and float(d @ self.start) > 1e-9 * max(1.0, float(np.abs(d).sum())):
            lam = float(n @ self.start) / float(d @ self.start)  # the optimum's share: one step saved
        x = None
        for _ in range(MAX_DINKELBACH):
            sol = self.minimise(sign * (n - lam * d))
            if not sol.has_solution:
                return float("nan"), None, sol.status
            x = sol.col_value
            nx, dx = float(n @ x), float(d @ x)
            if dx <= 1e-9 * max(1.0, float(np.abs(d).sum())):
                # only a plan that serves none of the denominator reaches the parametric optimum
                # (N = 0 too): no share better than λ exists among plans with D > 0
                return lam, x, "optimal"
            if sign * (nx - lam * dx) >= -RATIO_TOL * dx:
                return nx / dx, x, "optimal"
            lam = nx / dx
        return lam, x, "optimal (Dinkelbach iteration limit)"

    def _cheapest_at(self, hold: np.ndarray, level: float, sign: float, x: np.ndarray, cost: float):
        """min c·x with sign·hold·x ≤ sign·level + tolerance: the cheapest plan at this end."""
        cols, vals = self._to_highs(hold)
        tol = 1e-7 * max(1.0, abs(level), float(np.abs(hold) @ np.abs(x)))
        lo, hi = (-INF, level + tol) if sign > 0 else (level - tol, INF)
        self._check(self.h.addRow(lo, hi, cols.size, cols, vals), "the end row")
        try:
            sol = self.minimise(self.cost)
        finally:
            self._check(self.h.deleteRows(1, np.array([self.h.getNumRow() - 1], dtype=np.int32)), "deleting the end row")
        if not sol.has_solution:  # keep the extreme plan itself
            return x, cost
        return sol.col_value, self.plan_cost(sol.col_value)

    def close(self) -> None:
        """Remove the budget row, restore the cost objective and the simplex strategy."""
        self._check(self.h.setOptionValue("simplex_strategy", self._strategy), "the simplex strategy")
        self._check(self.h.deleteRows(1, np.array([self.row], dtype=np.int32)), "deleting the budget row")
        full = np.zeros(self.n_h)
        full[self.hcol] = self.cost[self.present]
        self._check(self.h.changeColsCost(self.n_h, np.arange(self.n_h, dtype=np.int32), full), "the objective")
