"""The pipeline in one place: scenario → inputs → LP → Pyomo/HiGHS → results.

``Planner`` keeps the compiled HiGHS model between calls: a scenario that changes only
numbers (prices, demand, capacities, policy shares, outages) is pushed into HiGHS in place and
re-solved warm; one that changes the index sets (latency bounds, dataset) is rebuilt.
"""
from __future__ import annotations

import functools
import json
import platform
import time
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import xarray as xr

from .results.baselines import RULES, solve_baseline
from .inputs.dataset import Dataset, load_dataset
from .results.explain import explain_infeasibility
from .formulation import build_lp
from .inputs.build import build_inputs, dataset_fingerprint
from .results.build import attach_baselines, build_results
from .inputs.scenario import Scenario, apply_changes, scenario_hash
from .solve.highs import HighsModel

PACKAGES = ("hubplan", "pyomo", "highspy", "numpy", "pandas", "xarray", "pydantic")


def versions() -> dict[str, str]:
    return dict(_versions())  # package metadata is read once per process (~10 ms per call)


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "not installed"
    return out


class Planner:
    """Solve scenarios one after another, reusing the built model when the structure allows."""

    def __init__(self):
        self.model: HighsModel | None = None
        self._datasets: dict[str, tuple[Dataset, str]] = {}

    def dataset(self, sc: Scenario) -> tuple[Dataset, str]:
        key = sc.dataset_key()
        if key not in self._datasets:
            ds = load_dataset(sc.resolve(sc.dataset))
            self._datasets[key] = (ds, dataset_fingerprint(ds))
        return self._datasets[key]

    def solve(self, sc: Scenario, write_model: str | None = None, baselines: bool = False) -> xr.Dataset:
        """Solve ``sc``; with ``baselines`` also evaluate the rule baselines (model/baselines.py)."""
        t0 = time.perf_counter()
        ds, fingerprint = self.dataset(sc)
        inp = build_inputs(sc, ds)
        lp = build_lp(inp)
        t_inputs = time.perf_counter() - t0
        warm = self.model is not None and self.model.lp.structure_key() == lp.structure_key()
        if warm:
            t1 = time.perf_counter()
            self.model.update(lp)
            self.model.set_options(sc.solver)
            build = {"build_s": 0.0, "handoff_s": time.perf_counter() - t1}
        else:
            self.model = None  # free the old model before building the next
            self.model = HighsModel(lp, sc.solver)
            build = dict(self.model.timings)
        if write_model:
            self.model.write_model(write_model)
        sol = self.model.solve()
        conflicts = []
        if sol.status in ("infeasible", "infeasible or unbounded"):
            conflicts = [c.as_dict() for c in explain_infeasibility(self.model, inp)]
        timings = {"inputs_s": t_inputs, **build, **sol.timings}
        manifest = {
            "scenario_name": sc.name,
            "scenario_hash": scenario_hash(sc, fingerprint),
            "scenario": sc.model_dump(mode="json"),
            "dataset": ds.label,
            "dataset_fingerprint": fingerprint,
            "versions": versions(),
            "solver": "HiGHS via highspy",
            "solver_options": sc.solver.model_dump(mode="json"),
            "status": sol.status,
            "objective": sol.objective,
            "iterations": sol.iterations,
            "mip": {"gap": sol.mip_gap, "bound": sol.mip_bound,
                    "duals": sol.duals} if sol.mip_gap == sol.mip_gap else None,
            "warm_start": warm and not sol.cold_retry,
            "cold_retry": sol.cold_retry,
            "conflicts": conflicts,
            "sizes": {"columns": lp.num_cols, "rows": int(sum(rb.size for rb in lp.rows)),
                      "nonzeros": int(np.count_nonzero(lp.matrix_entries()[2]))},
            "timings": timings,
        }
        if sc.policy.n_minus_1 and sol.has_solution:  # the price of resilience: the same plan without N-1
            plain = Planner().solve(apply_changes(sc, {"policy.n_minus_1": False}))
            manifest["cost_of_resilience"] = sol.objective - plain.attrs["objective"]
        t2 = time.perf_counter()
        res = build_results(inp, lp, sol, manifest)
        if baselines and sol.has_solution:
            res = attach_baselines(res, {rule: build_results(inp, lp, solve_baseline(self.model, inp, rule), manifest)
                                         for rule in RULES})
        timings["results_s"] = time.perf_counter() - t2
        timings["total_s"] = time.perf_counter() - t0
        manifest["timings"] = timings  # now with results and total times
        res.attrs["manifest"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True)
        return res


def solve_scenario(sc: Scenario, write_model: str | None = None, baselines: bool = False) -> xr.Dataset:
    """Cold solve of one scenario."""
    return Planner().solve(sc, write_model=write_model, baselines=baselines)
