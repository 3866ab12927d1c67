"""Cost–carbon frontier by the ε-constraint method.

1. Solve for least cost: emissions E_max, unmet demand U*.
2. Minimise emissions while serving at least as much demand (unmet ≤ U*): E_min.
3. For N caps ε from E_max down to E_min, minimise cost with the carbon budget
   (``emission_cap`` ≤ ε) and unmet ≤ U*; each point records its cost terms, emissions and the
   marginal abatement cost (the dual of the carbon budget, yuan per tCO2).
Every point re-solves the one built model warm (``HighsModel.variant``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ..formulation.blocks import CostTerm, LinearProgram
from ..inputs.scenario import Scenario
from ..results.build import cost_by_term
from ..run import Planner


def _emissions(lp: LinearProgram, col_value: np.ndarray) -> float:
    return float(lp.activity("emission_cap", col_value).sum())


def cost_carbon_frontier(sc: Scenario, points: int = 8, planner: Planner | None = None) -> pd.DataFrame:
    if not 2 <= points <= 200:
        raise InputError("--points", "points", "must be between 2 and 200")
    planner = planner or Planner()
    res = planner.solve(sc)
    if res.attrs["status"] != "optimal":
        raise InputError(sc.source, "", f"the scenario itself is not optimal ({res.attrs['status']})")
    hm = planner.model
    lp = hm.lp
    unmet_star = res["unmet"].transpose("region", "workload", "year").values.ravel() + 1e-6
    serve_same = lp.with_upper("unmet", np.minimum(lp.variables["unmet"].ub, unmet_star))
    rb = lp.row_block("emission_cap")
    with hm.variant(serve_same.with_costs([CostTerm("emissions", [(t.var, t.col, t.coef) for t in rb.terms])])):
        sol = hm.solve()
    e_min, e_max = sol.objective, float(res["total_emissions_t"].sum())
    rows = []
    for i, eps in enumerate(np.linspace(e_max, e_min, points)):
        cap = eps * (1 + 1e-9) + 1e-6  # a hair above E_min so the last point stays feasible
        with hm.variant(serve_same.with_row_bounds("emission_cap", np.array([-np.inf]), np.array([cap]))):
            sol = hm.solve()
        costs = cost_by_term(lp, sol.col_value) if sol.has_solution else {}
        (dual,) = sol.row_dual[lp.row_slice("emission_cap")]  # the one row of the cap
        rows.append({"point": i, "emission_cap_t": eps, "status": sol.status,
                     "emissions_t": _emissions(lp, sol.col_value) if sol.has_solution else np.nan,
                     "objective": sol.objective, **{f"cost_{k}": v for k, v in costs.items()},
                     "abatement_cost_yuan_per_t": -float(dual) if np.isfinite(dual) else np.nan})
    return pd.DataFrame(rows)
