"""Progressive hedging with mpi-sppy over the same per-future models (optional decomposition).

Each future's Pyomo model is the deterministic one (``build_lp`` → ``to_pyomo``); mpi-sppy shares
the first-stage ``build`` (and ``blocks``) across futures by progressive hedging, one or more futures
per MPI rank. The plan PH reaches (x̄) is then evaluated exactly in every future with HiGHS
(``twostage.evaluate_plan``) and compared with the extensive form. Run on one machine or many:

    .venv/bin/python -m model.studies.stochastic.ph data/futures/ai_demand.yaml            # one rank
    mpiexec -n 4 .venv/bin/python -m model.studies.stochastic.ph data/futures/ai_demand.yaml
    mpiexec -n 16 --hostfile hosts .venv/bin/python -m model.studies.stochastic.ph FUTURES.yaml
      (same path to the checkout and venv on every host; Open MPI: `apt-get install openmpi-bin libopenmpi-dev`)

The proximal term is quadratic; the subproblems are solved by HiGHS through Pyomo's ``highs``
interface, which passes the quadratic term (``appsi_highs`` fails on it). ρ per first-stage column
is Watson & Woodruff's SEP rule (Comput. Manag. Sci. 2011): ``rho_scale`` × c_i / max(1, spread_i),
c_i its cost coefficient and spread_i = max − min of it over the futures' own optima (PH's
iteration 0, solved here once with HiGHS on every rank). mpi-sppy orders the nonanticipative
columns by sorted index, not by the LP's order: x̄ is read back by variable, not by position.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...formulation import build_lp
from ...inputs import build_inputs
from ...solve import to_pyomo
from .futures import load_futures
from .twostage import FIRST_STAGE, evaluate_plan, future_programs, solve_stochastic

if TYPE_CHECKING:
    import pyomo.environ as pyo


def _first_stage_costs(lp) -> dict[str, np.ndarray]:
    """Cost coefficient per first-stage column (capex, block fixed cost), in the LP's column order."""
    out = {v: np.zeros(lp.variables[v].size) for v in FIRST_STAGE if v in lp.variables}
    for ct in lp.costs:
        for v, col, coef in ct.parts:
            if v in out:
                np.add.at(out[v], col, coef)
    return out


def scenario_creator(name: str, futures_path: str, rho: dict[str, np.ndarray]) -> pyo.ConcreteModel:
    import mpisppy.utils.sputils as sputils
    fs = {f.name: f for f in load_futures(futures_path)}
    lp = build_lp(build_inputs(fs[name].scenario))
    m, _, _ = to_pyomo(lp)
    first = [v for v in FIRST_STAGE if v in lp.variables]
    first_cost = sum(getattr(m, f"cost_{c.name}") for c in lp.costs if {p[0] for p in c.parts} <= set(first))
    sputils.attach_root_node(m, first_cost, [getattr(m, v) for v in first])
    m._mpisppy_probability = fs[name].probability
    m._hubplan_rho = {id(d): float(r) for v in first for d, r in zip(getattr(m, v).values(), rho[v])}
    return m


def sep_rho(futures_path: str | Path, rho_scale: float = 1.0) -> dict[str, np.ndarray]:
    """SEP ρ per first-stage column from the futures' own optima."""
    fs = load_futures(futures_path)
    inps, lps = future_programs(fs)
    own = evaluate_plan(lps, inps, fs[0].scenario.solver)
    costs = _first_stage_costs(lps[0])
    out = {}
    for v, c in costs.items():
        vals = np.stack([o.values[v] for o in own])
        out[v] = rho_scale * np.maximum(np.abs(c), 1e-6) / np.maximum(1.0, vals.max(0) - vals.min(0))
    return out


def run_ph(futures_path: str | Path, rho_scale: float = 1.0, max_iterations: int = 50,
           convergence: float = 1e-4, solver: str = "highs", linearize: bool = False) -> dict:
    """Progressive hedging over the futures; returns x̄ per first-stage variable (LP column order)."""
    from mpisppy.opt.ph import PH
    fs = load_futures(futures_path)
    t0 = time.perf_counter()
    rho = sep_rho(futures_path, rho_scale)
    options = {"solver_name": solver, "linearize_proximal_terms": linearize,
               "proximal_linearization_tolerance": 1e-6, "PHIterLimit": max_iterations, "defaultPHrho": 1.0,
               "convthresh": convergence, "verbose": False, "display_progress": False, "display_timing": False,
               # one HiGHS thread, like model/solve/highs.py: HiGHS keeps one thread pool per process
               "iter0_solver_options": {"threads": 1}, "iterk_solver_options": {"threads": 1}}
    ph = PH(options, [f.name for f in fs], scenario_creator,
            scenario_creator_kwargs={"futures_path": str(futures_path), "rho": rho},
            rho_setter=lambda m: list(m._hubplan_rho.items()))
    conv, _, bound = ph.ph_main()
    s = next(iter(ph.local_scenarios.values()))  # x̄ is the same on every rank after the last iteration
    by_var = {id(d): s._mpisppy_model.xbars[key].value for key, d in s._mpisppy_data.nonant_indices.items()}
    xbar = {v: np.array([by_var[id(d)] for d in getattr(s, v).values()], dtype=float) for v in rho}
    return {"plan": xbar, "convergence": conv, "trivial_bound": bound, "iterations": ph._PHIter,
            "ph_s": time.perf_counter() - t0}


def cross_check(futures_path: str | Path, **ph_options) -> dict:
    """PH against the extensive form: the PH plan's expected cost (evaluated exactly in every
    future) vs RP, and PH's trivial bound (iteration 0, no nonanticipativity) vs WS."""
    fs = load_futures(futures_path)
    ef = solve_stochastic(fs)
    ph = run_ph(futures_path, **ph_options)
    inps, lps = future_programs(fs)
    # x̄ within the first-stage bounds (PH's subproblem tolerances can leave it a hair outside)
    ubs = {v: [lp.variables[v].ub for lp in lps if lp.variables[v].ub is not None] for v in ph["plan"]}
    plan = {v: np.clip(x, 0.0, np.minimum.reduce(ubs[v]) if ubs[v] else None) for v, x in ph["plan"].items()}
    cost = float(sum(f.probability * o.cost for f, o in
                     zip(fs, evaluate_plan(lps, inps, fs[0].scenario.solver, plan))))
    return {**ph, "plan": plan, "ph_plan_expected_cost": cost, "RP": ef.rp, "WS": ef.ws,
            "gap": (cost - ef.rp) / ef.rp, "bound_vs_WS": (ph["trivial_bound"] - ef.ws) / ef.ws,
            "extensive_form_s": ef.timings["extensive_form_s"]}


if __name__ == "__main__":  # pragma: no cover - run under mpiexec
    from mpisppy import MPI  # mpi4py if installed, else one rank
    out = cross_check(sys.argv[1], rho_scale=float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
    if MPI.COMM_WORLD.Get_rank() == 0:
        print({k: v for k, v in out.items() if k != "plan"})
