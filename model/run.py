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

import xarray as xr

from . import strict_json
from .formulation import Built, InputsView, build_lp, build_lp_tracked, rebuild_lp
from .inputs.build import build_inputs, dataset_fingerprint
from .inputs.dataset import InputTables, load_dataset
from .inputs.scenario import Scenario, apply_changes, scenario_hash
from .inputs.warm import warm_inputs
from .results.baselines import RULES, solve_baseline
from .results.build import attach_baselines, build_results
from .results.explain import explain_infeasibility
from .results.quick import headline
from .solve.highs import HighsModel, Solution

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
        self._datasets: dict[str, tuple[InputTables, str]] = {}
        self._without_n1: Planner | None = None  # the cost-of-resilience comparison, kept warm
        self._base: tuple[Scenario, xr.Dataset, InputTables] | None = None  # the last inputs built in full
        self._overlaid: frozenset[str] = frozenset()  # what the last LP's view laid over them
        self._built: Built | None = None
        self._arrays: dict[str, xr.DataArray] = {}  # DataArrays of the base inputs, shared by its views

    def dataset(self, sc: Scenario) -> tuple[InputTables, str]:
        key = sc.dataset_key()
        if key not in self._datasets:
            ds = load_dataset(sc.input_path("dataset"))
            self._datasets[key] = (ds, dataset_fingerprint(ds))
        return self._datasets[key]

    def pyomo_model(self, sc: Scenario | None = None):  # noqa: ANN201  a pyomo ConcreteModel (Pyomo imported lazily)
        """The Pyomo model of ``sc``'s LP — or, without ``sc``, of the LP HiGHS holds now (warm
        updates included) — to inspect, extend, write (``m.write("x.lp")``, MPS, NL) or solve
        with any Pyomo solver. The solve path does not build it: HiGHS gets the same blocks as
        arrays (docs/math.md, "Two doors")."""
        from .solve.assemble import to_pyomo

        if sc is None:
            if self.model is None:
                raise ValueError("no model yet: solve a scenario first or pass one")
            return self.model.model
        return to_pyomo(build_lp(build_inputs(sc, self.dataset(sc)[0])))[0]

    def answer(self, sc: Scenario, write_model: str | None = None) -> Answer:
        """Solve ``sc`` and return its ``Answer``: the headline figures at once, the results Dataset
        when asked for. After a solve on the same dataset, a change of warm levers only
        (``model.inputs.warm``: carbon price, demand levers, electricity and green price scales,
        policy shares, unmet penalty, solver options) lays the inputs it changes over the earlier
        inputs and rebuilds only the LP families that read them; anything else builds in full."""
        t0 = time.perf_counter()
        ds, fingerprint = self.dataset(sc)
        view = self._warm_view(sc, ds)
        if view is None:
            inp = build_inputs(sc, ds)
            self._arrays = {}
            view = InputsView(inp, arrays=self._arrays)
            built = build_lp_tracked(view)
            self._base, self._overlaid = (sc, inp, ds), frozenset()
        else:
            inp = None  # built in full only when the results or an explanation need it
            overlaid = frozenset(view._changed) | {f"attrs.{k}" for k in view._attrs if k.startswith("scenario")}
            built = rebuild_lp(self._built, view, overlaid | self._overlaid)
            self._overlaid = overlaid
        self._built = built
        lp = built.lp
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
        answer = Answer(sc, ds, inp, view, lp, sol, {})
        conflicts = []
        if sol.status in ("infeasible", "infeasible or unbounded"):
            conflicts = [c.as_dict() for c in explain_infeasibility(self.model, answer.inputs)]
        answer.manifest.update({
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
            "sizes": {"columns": lp.num_cols, "rows": lp.num_rows,
                      "nonzeros": int(self.model.highs.getNumNz())},  # the blocks' nonzeros, summed
            "timings": {"inputs_s": t_inputs, **build, **sol.timings, "total_s": time.perf_counter() - t0},
        })
        return answer

    def _warm_view(self, sc: Scenario, ds: InputTables) -> InputsView | None:
        """The inputs of ``sc`` as the earlier full inputs with the warm levers' inputs laid over
        them, or None when ``sc`` changes more than warm levers (or nothing was solved yet)."""
        if self._base is None or self._base[2] is not ds:
            return None
        base_sc, base, _ = self._base
        change = warm_inputs(base_sc, base, sc, ds)
        if change is None:
            return None
        values, attrs = change
        return InputsView(base, values, attrs, self._arrays)

    def solve(self, sc: Scenario, write_model: str | None = None, baselines: bool = False,
              resilience_cost: bool = True) -> xr.Dataset:
        """Solve ``sc`` and return its results Dataset; with ``baselines`` also evaluate the rule
        baselines (model/results/baselines.py).

        An N-1 scenario (``policy.n_minus_1``) with ``resilience_cost`` is solved a second time
        without N-1 (a second Planner, warm across calls) for the cost of resilience; the second
        solve is recorded in the manifest (``resilience.comparison_solve``) and its time in
        ``timings.comparison_solve_s``."""
        t0 = time.perf_counter()
        answer = self.answer(sc, write_model)
        sol, manifest = answer.solution, answer.manifest
        timings = manifest["timings"]
        t1 = time.perf_counter()
        res = answer.results
        if baselines and sol.has_solution:
            inp, lp = answer.inputs, answer.lp
            res = attach_baselines(res, {rule: build_results(inp, lp, solve_baseline(self.model, inp, rule), manifest)
                                         for rule in RULES})
        timings["results_s"] = time.perf_counter() - t1
        if sc.policy.n_minus_1:
            if not sol.has_solution:
                manifest["resilience"] = {"comparison_solve": None, "why": f"no N-1 solution ({sol.status})"}
            elif not resilience_cost:
                manifest["resilience"] = {"comparison_solve": None, "why": "not requested (resilience_cost=False)"}
            else:
                self._without_n1 = self._without_n1 or Planner()
                plain = self._without_n1.solve(apply_changes(sc, {"policy.n_minus_1": False}))
                manifest["resilience"] = cost_of_resilience(res, plain)
                timings["comparison_solve_s"] = manifest["resilience"]["comparison_solve"]["timings"]["total_s"]
        timings["total_s"] = time.perf_counter() - t0
        res.attrs["manifest"] = strict_json.dumps(manifest, ensure_ascii=False, sort_keys=True)
        return res


class Answer:
    """One solve: the scenario, the LP, the HiGHS solution and the run manifest. ``headline()`` gives
    the figures a sweep or the app's headline needs straight from the solution arrays
    (``results.quick``); ``inputs`` and ``results`` are the full Datasets, built on first use —
    the same as a cold solve's."""

    def __init__(self, sc: Scenario, ds: InputTables, inp: xr.Dataset | None, view: InputsView, lp, sol: Solution, manifest: dict):
        self.scenario, self._ds, self._inp, self._view = sc, ds, inp, view
        self.lp, self.solution, self.manifest = lp, sol, manifest
        self._results: xr.Dataset | None = None

    @property
    def status(self) -> str:
        return self.solution.status

    @property
    def objective(self) -> float:
        return self.solution.objective

    def headline(self) -> dict:
        """``results.quick.HEADLINE``'s KPIs (equal to ``kpi_row`` of the results) and the scenario hash."""
        return {**headline(self._view, self.lp, self.solution), "scenario_hash": self.manifest["scenario_hash"]}

    @property
    def inputs(self) -> xr.Dataset:
        if self._inp is None:
            self._inp = build_inputs(self.scenario, self._ds)
        return self._inp

    @property
    def results(self) -> xr.Dataset:
        """The results Dataset (``build_results``); the manifest's timings gain ``results_s``."""
        if self._results is None:
            t0 = time.perf_counter()
            timings = self.manifest["timings"]
            self._results = build_results(self.inputs, self.lp, self.solution, self.manifest)
            timings["results_s"] = time.perf_counter() - t0
            timings["total_s"] += timings["results_s"]
            self._results.attrs["manifest"] = strict_json.dumps(self.manifest, ensure_ascii=False, sort_keys=True)
        return self._results


PENALTY_TERMS = ("unmet_penalty", "policy_penalty")  # priced shortfalls other than N-1's own


def cost_of_resilience(with_n1: xr.Dataset, without: xr.Dataset) -> dict:
    """The N-1 plan's objective minus the same scenario's without N-1, split by what it buys:

    - ``investment_and_operating``: Δ capex, block costs, electricity, transport and carbon
      (the real money the resilient plan costs more);
    - ``n1_shortfall_penalty``: the priced N-1 shortfall (cost term ``resilience_penalty``, P per
      rack-year that could not be re-served): a penalty, not a cost anyone pays;
    - ``other_penalties``: Δ unmet and policy-shortfall penalties.

    The three add up to ``total``. ``comparison_solve`` records the second solve."""
    terms = [str(t) for t in with_n1.cost_term.values]
    a = dict(zip(terms, map(float, with_n1["cost"].values)))
    b = dict(zip([str(t) for t in without.cost_term.values], map(float, without["cost"].values)))
    delta = {t: a.get(t, 0.0) - b.get(t, 0.0) for t in dict.fromkeys(terms + list(b))}
    n1 = delta.pop("resilience_penalty", 0.0)
    other = sum(delta.pop(t, 0.0) for t in PENALTY_TERMS)
    man = json.loads(without.attrs["manifest"])
    return {
        "total": float(with_n1.attrs["objective"]) - float(without.attrs["objective"]),
        "investment_and_operating": sum(delta.values()),
        "n1_shortfall_penalty": n1,
        "other_penalties": other,
        "by_term": {**delta, "resilience_penalty": n1},
        "comparison_solve": {"what": "the same scenario with policy.n_minus_1 = false (a second solve)",
                             "scenario_hash": man["scenario_hash"], "status": man["status"],
                             "objective": man["objective"], "warm_start": man["warm_start"],
                             "timings": man["timings"]},
    }


def solve_scenario(sc: Scenario, write_model: str | None = None, baselines: bool = False) -> xr.Dataset:
    """Cold solve of one scenario."""
    return Planner().solve(sc, write_model=write_model, baselines=baselines)
