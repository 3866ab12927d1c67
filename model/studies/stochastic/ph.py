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
interface, which passes the quadratic term (``appsi_highs`` fails on it). ρ per build column is
``rho_scale`` × its capex coefficient (cost-proportional ρ).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from ...formulation import build_lp
from ...inputs import build_inputs
from ...solve import to_pyomo
from .futures import load_futures
from .twostage import FIRST_STAGE, evaluate_plan, future_programs, solve_stochastic


def scenario_creator(name: str, futures_path: str):
    import mpisppy.utils.sputils as sputils
    fs = {f.name: f for f in load_futures(futures_path)}
    inp = build_inputs(fs[name].scenario)
    lp = build_lp(inp)
    m, _, _ = to_pyomo(lp)
    first = [getattr(m, v) for v in FIRST_STAGE if v in lp.variables]
    first_cost = sum(getattr(m, f"cost_{c.name}") for c in lp.costs if {p[0] for p in c.parts} <= set(FIRST_STAGE))
    sputils.attach_root_node(m, first_cost, first)
    m._mpisppy_probability = fs[name].probability
    m._hubplan_capex = dict(zip((id(v) for v in m.build.values()), lp.costs[0].parts[0][2].tolist()))
    return m


def run_ph(futures_path: str | Path, rho_scale: float = 0.1, max_iterations: int = 20,
           convergence: float = 1e-4) -> dict:
    from mpisppy.opt.ph import PH
    names = [f.name for f in load_futures(futures_path)]

    def rho_setter(m):
        return [(i, max(rho_scale * c, 1.0)) for i, c in m._hubplan_capex.items()]

    options = {"solver_name": "highs", "PHIterLimit": max_iterations, "defaultPHrho": 1.0,
               "convthresh": convergence, "verbose": False, "display_progress": False, "display_timing": False,
               # one HiGHS thread, like model/solve/highs.py: HiGHS keeps one thread pool per process
               "iter0_solver_options": {"threads": 1}, "iterk_solver_options": {"threads": 1}}
    t0 = time.perf_counter()
    ph = PH(options, names, scenario_creator, scenario_creator_kwargs={"futures_path": str(futures_path)},
            rho_setter=rho_setter)
    conv, _, bound = ph.ph_main()
    s = next(iter(ph.local_scenarios.values()))  # x̄ is the same on every rank after the last iteration
    xbar, i = {}, 0
    for v in FIRST_STAGE:  # nonants in the order they were attached
        if hasattr(s, v):
            n = len(getattr(s, v))
            xbar[v] = np.array([s._mpisppy_model.xbars[("ROOT", j)].value for j in range(i, i + n)], dtype=float)
            i += n
    return {"plan": xbar, "convergence": conv, "trivial_bound": bound, "iterations": ph._PHIter,
            "ph_s": time.perf_counter() - t0}


def cross_check(futures_path: str | Path, **ph_options) -> dict:
    """PH against the extensive form: the PH plan's expected cost (evaluated exactly in every
    future) vs RP, and PH's trivial bound (iteration 0, no nonanticipativity) vs WS."""
    fs = load_futures(futures_path)
    ef = solve_stochastic(fs)
    ph = run_ph(futures_path, **ph_options)
    inps, lps = future_programs(fs)
    cost = float(sum(f.probability * o.cost for f, o in
                     zip(fs, evaluate_plan(lps, inps, fs[0].scenario.solver, ph["plan"]))))
    return {**{k: v for k, v in ph.items() if k != "plan"}, "ph_plan_expected_cost": cost, "RP": ef.rp, "WS": ef.ws,
            "gap": (cost - ef.rp) / ef.rp, "bound_vs_WS": (ph["trivial_bound"] - ef.ws) / ef.ws,
            "extensive_form_s": ef.timings["extensive_form_s"]}


if __name__ == "__main__":  # pragma: no cover - run under mpiexec
    from mpi4py import MPI
    out = cross_check(sys.argv[1], rho_scale=float(sys.argv[2]) if len(sys.argv) > 2 else 0.1)
    if MPI.COMM_WORLD.Get_rank() == 0:
        print(out)
