"""Two-stage planning under uncertainty: the extensive form built from the deterministic blocks.

First stage (decided now, shared by every future): ``build`` (racks added per cluster and year),
``blocks`` (modular builds, if on) and ``local_build`` (racks added to a province's own stock,
with local supply). Second stage: every other block of the deterministic LP
(x, unmet, grid, green, shortfalls, N-1 variables), one copy per future ``f``. Each future's rows
are exactly the deterministic families built from that future's inputs (``build_lp``), with the
first-stage columns shared; nothing of the math is written twice (docs/math.md, "Two-stage").

Objectives (p_f the probabilities, C_f(b, y_f) the deterministic cost of future f):

- ``expected``: min Σ_f p_f C_f
- ``cvar``: min Σ_f p_f C_f + λ (η + 1/(1 − α) Σ_f p_f s_f),  s_f ≥ C_f − η, s_f ≥ 0
  (Rockafellar–Uryasev; η ≥ 0 is not a restriction since every C_f ≥ 0)
- ``regret``: min R,  C_f − R ≤ z*_f  (z*_f: future f's own optimum)

Answers: RP (the stochastic optimum), WS = Σ p_f z*_f, EVPI = RP − WS, EEV = Σ p_f C_f(b_mv)
with b_mv the plan of the mean-value problem (inputs averaged with the probabilities), VSS =
EEV − RP; regret_f = C_f(b) − z*_f. The robust / hedge split of the plan is read from the results
(``model/reports/stochastic.py``).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace

import numpy as np
import xarray as xr

from ...errors import InputError
from ...formulation import Index, LinearProgram, build_lp
from ...formulation.blocks import CostTerm, RowBlock, Term, VarBlock
from ...inputs import SolverOptions, build_inputs
from ...results import build_results
from ...run import Planner, versions
from ...solve import HighsModel, Solution
from .futures import Future

FIRST_STAGE = ("build", "build_above", "build_ai", "retire", "blocks", "local_build", "local_retire",  # racks built and retired
               "retrofit",  # PUE retrofits of the provinces' own stock
               "gcap", "bat_p", "bat_e")  # hourly mode: green capacity contracted, battery power and energy
OBJECTIVES = ("expected", "cvar", "regret")


def second_stage_name(var: str, f: int) -> str:
    return f"{var}__f{f}"


def _merge_parts(parts: list[tuple[str, np.ndarray, np.ndarray]], sizes: dict[str, int]) -> list[tuple]:
    """Sum duplicate (var, col) coefficients: one entry per column (first-stage costs repeat)."""
    dense: dict[str, np.ndarray] = {}
    for var, col, coef in parts:
        np.add.at(dense.setdefault(var, np.zeros(sizes[var])), col, coef)
    return [(v, np.flatnonzero(c), c[np.flatnonzero(c)]) for v, c in dense.items()]


def check_same_structure(lps: list[LinearProgram], source: str = "<futures>") -> None:
    key = lps[0].structure_key()
    if any(lp.structure_key() != key for lp in lps):
        raise InputError(source, "futures", "futures must change numbers only (not latency bounds, dataset, "
                         "modular or N-1 switches): the first-stage decisions must mean the same in every future")


def extensive_form(lps: list[LinearProgram], probs: list[float], objective: str = "expected",
                   lam: float = 0.0, alpha: float = 0.9, own_optima: list[float] | None = None) -> LinearProgram:
    """The deterministic equivalent of the two-stage problem over futures ``lps`` (same structure)."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}")
    first = [v for v in FIRST_STAGE if v in lps[0].variables]
    check_same_structure(lps)
    F = len(lps)
    variables: dict[str, VarBlock] = {}
    for v in first:  # a first-stage column must respect every future's bounds
        ubs = [lp.variables[v].ub for lp in lps if lp.variables[v].ub is not None]
        variables[v] = replace(lps[0].variables[v], ub=np.minimum.reduce(ubs) if ubs else None)
    name = lambda var, f: var if var in first else second_stage_name(var, f)  # noqa: E731
    rows: list[RowBlock] = []
    cost_parts: dict[str, list] = {}
    future_cost_terms: list[list[Term]] = []
    for f, lp in enumerate(lps):
        for v, vb in lp.variables.items():
            if v not in first:
                variables[name(v, f)] = replace(vb, name=name(v, f))
        rows += [replace(rb, name=f"{rb.name}__f{f}", terms=[replace(t, var=name(t.var, f)) for t in rb.terms])
                 for rb in lp.rows]
        terms = []
        for ct in lp.costs:
            for v, col, coef in ct.parts:
                cost_parts.setdefault(ct.name, []).append((name(v, f), col, probs[f] * coef))
                terms.append(Term(name(v, f), np.zeros(col.size, dtype=np.int64), col, coef))
        future_cost_terms.append(terms)
    sizes = {v: vb.size for v, vb in variables.items()}
    costs = [CostTerm(n, _merge_parts(p, sizes)) for n, p in cost_parts.items()]
    if objective == "cvar":
        variables["cvar_eta"] = VarBlock("cvar_eta", ("one",), [("η",)], "value at risk of the cost, yuan")
        variables["cvar_excess"] = VarBlock("cvar_excess", ("future",), [(f,) for f in range(F)], "cost above η, yuan")
        one = np.zeros(1, dtype=np.int64)
        rows += [RowBlock(f"cvar_excess_def__f{f}", ("one",), [("η",)],
                          terms + [Term("cvar_eta", one, one, np.array([-1.0])),
                                   Term("cvar_excess", one, np.array([f]), np.array([-1.0]))],
                          np.array([-np.inf]), np.array([0.0])) for f, terms in enumerate(future_cost_terms)]
        costs.append(CostTerm("cvar", [("cvar_eta", np.array([0]), np.array([lam])),
                                       ("cvar_excess", np.arange(F), lam / (1 - alpha) * np.asarray(probs))]))
    if objective == "regret":
        if own_optima is None:
            raise ValueError("minimax regret needs each future's own optimum")
        variables["max_regret"] = VarBlock("max_regret", ("one",), [("R",)], "largest regret, yuan")
        one = np.zeros(1, dtype=np.int64)
        rows += [RowBlock(f"regret_def__f{f}", ("one",), [("R",)],
                          terms + [Term("max_regret", one, one, np.array([-1.0]))],
                          np.array([-np.inf]), np.array([own_optima[f]])) for f, terms in enumerate(future_cost_terms)]
        costs = [CostTerm("max_regret", [("max_regret", np.array([0]), np.array([1.0]))])]
    return LinearProgram(variables, rows, costs, [], lps[0].index, lps[0].signature + f"+ef{F}-{objective}")


def with_first_stage_fixed(lp: LinearProgram, plan: dict[str, np.ndarray]) -> LinearProgram:
    """``lp`` with the first-stage blocks fixed to ``plan`` (equality rows: same structure for every plan)."""
    rows = list(lp.rows)
    for v, values in plan.items():
        vb = lp.variables[v]
        idx = np.arange(vb.size)
        rows.append(RowBlock(f"fixed_{v}", vb.dims, vb.labels, [Term(v, idx, idx, np.ones(vb.size))], values, values))
    return replace(lp, rows=rows, signature=lp.signature + "+fixed")


def column_values(lp: LinearProgram, sol: Solution) -> dict[str, np.ndarray]:
    return {v: sol.col_value[lp.column_slice(v)] for v in lp.variables}


@dataclass
class Outcome:
    """One future under one first-stage plan (the best second stage for that plan)."""
    cost: float
    emissions_t: float
    unmet_rack_years: float
    values: dict[str, np.ndarray]


def _outcome(lp: LinearProgram, inp: xr.Dataset, sol: Solution) -> Outcome:
    """Cost, emissions and unmet read as every run reads them (the results Dataset and the KPIs)."""
    if not sol.has_solution:
        return Outcome(np.inf, np.nan, np.nan, {})
    res = build_results(inp, lp, sol, {"scenario_hash": "", "scenario_name": ""})
    emissions = float(res["total_emissions_t"].sum())
    return Outcome(float(lp.column_cost() @ sol.col_value), emissions, float(res["unmet"].sum()),
                   {v: x for v, x in column_values(lp, sol).items() if v in FIRST_STAGE})


def mean_inputs(inps: list[xr.Dataset], probs: list[float]) -> xr.Dataset:
    """The mean-value problem's inputs: every float input averaged with the probabilities.
    The LP is linear in demand, prices and limits, so this is the expected-value problem."""
    out = inps[0].copy()
    for v in out.data_vars:
        if np.issubdtype(out[v].dtype, np.floating):
            out[v] = sum(p * inp[v] for p, inp in zip(probs, inps))
    return out


@dataclass
class StochasticResult:
    names: list[str]
    probs: np.ndarray
    objective: str
    plan: dict[str, np.ndarray]  # first-stage plan of the chosen objective
    objective_value: float
    rp: float  # expected-cost stochastic optimum
    ws: float
    eev: float
    own: list[Outcome]  # each future's own optimum (wait-and-see)
    under_plan: list[Outcome]  # each future with the plan fixed
    mean_value_plan: dict[str, np.ndarray]
    under_mean_value: list[Outcome]
    index: Index
    labels: dict[str, tuple[list[str], list[str]]]  # dimension (cluster, region) → (zh, en) names
    settings: dict = field(default_factory=dict)  # objective, λ, α
    sizes: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def evpi(self) -> float:
        return self.rp - self.ws

    @property
    def vss(self) -> float:
        return self.eev - self.rp

    @property
    def regret(self) -> np.ndarray:
        return np.array([u.cost - o.cost for u, o in zip(self.under_plan, self.own)])


def _solve(lp: LinearProgram, options: SolverOptions) -> Solution:
    return HighsModel(lp, options).solve()


def evaluate_plan(lps: list[LinearProgram], inps: list[xr.Dataset], options: SolverOptions,
                  plan: dict[str, np.ndarray] | None = None) -> list[Outcome]:
    """Solve every future (with the first-stage ``plan`` fixed if given; without it, each future's
    own optimum), warm: one HiGHS model updated in place."""
    model, out = None, []
    for lp, inp in zip(lps, inps):
        lp = with_first_stage_fixed(lp, plan) if plan is not None else lp
        if model is None:
            model = HighsModel(lp, options)
        else:
            model.update(lp)
        out.append(_outcome(lp, inp, model.solve()))
    return out


def future_programs(futures: list[Future], ds=None) -> tuple[list[xr.Dataset], list[LinearProgram]]:
    """Each future's inputs and deterministic LP (one dataset load); refused unless all share one structure."""
    ds = ds if ds is not None else Planner().dataset(futures[0].scenario)[0]
    inps = [build_inputs(f.scenario, ds) for f in futures]
    lps = [build_lp(inp) for inp in inps]
    check_same_structure(lps, futures[0].source)
    return inps, lps


def solve_stochastic(futures: list[Future], objective: str = "expected", lam: float = 0.0,
                     alpha: float = 0.9, own: list[Outcome] | None = None) -> StochasticResult:
    """The two-stage answers; ``own``: each future's own optimum if already solved (``optima.py``)."""
    t0 = time.perf_counter()
    ds, fingerprint = Planner().dataset(futures[0].scenario)
    inps, lps = future_programs(futures, ds)
    probs = [f.probability for f in futures]
    options = futures[0].scenario.solver
    t = {"inputs_s": time.perf_counter() - t0}
    own = own if own is not None else evaluate_plan(lps, inps, options)
    for f, o in zip(futures, own):  # a future that cannot be planned for on its own: say which
        if not np.isfinite(o.cost):
            raise InputError(f.source, f"futures.{f.name}", "has no solution on its own (strict mode or a hard carbon "
                             "budget may make it infeasible); solve it as a scenario to see the conflict")
    t["own_optima_s"] = time.perf_counter() - t0 - sum(t.values())
    ef = extensive_form(lps, probs)
    t1 = time.perf_counter()
    sol = _solve(ef, options)
    t["extensive_form_s"] = time.perf_counter() - t1
    if not sol.has_solution:
        raise InputError(futures[0].source, "futures", f"no first-stage plan serves every future ({sol.status})")
    rp = sol.objective
    first = [v for v in FIRST_STAGE if v in ef.variables]
    plan = {v: column_values(ef, sol)[v].copy() for v in first}
    value = rp
    if objective != "expected":
        ef_obj = extensive_form(lps, probs, objective, lam, alpha, [o.cost for o in own])
        sol_obj = _solve(ef_obj, options)
        if not sol_obj.has_solution:
            raise InputError(futures[0].source, "futures", f"no first-stage plan for objective {objective} ({sol_obj.status})")
        plan = {v: column_values(ef_obj, sol_obj)[v].copy() for v in first}
        value = sol_obj.objective
    t2 = time.perf_counter()
    under_plan = evaluate_plan(lps, inps, options, plan)
    lp_mean = build_lp(mean_inputs(inps, probs))
    sol_mean = _solve(lp_mean, options)
    mv_plan = {v: column_values(lp_mean, sol_mean)[v].copy() for v in first}
    under_mv = evaluate_plan(lps, inps, options, mv_plan)
    t["evaluation_s"] = time.perf_counter() - t2
    t["total_s"] = time.perf_counter() - t0
    eev = float(sum(p * o.cost for p, o in zip(probs, under_mv)))
    sizes = {"futures": len(futures), "columns": ef.num_cols, "rows": ef.num_rows,
             "columns_per_future": lps[0].num_cols}
    labels = {d: ([str(v) for v in inps[0][f"{d}_name_zh"].values], [str(v) for v in inps[0][f"{d}_name_en"].values])
             for d in ("cluster", "region")}
    return StochasticResult([f.name for f in futures], np.asarray(probs), objective, plan, value, rp,
                            float(sum(p * o.cost for p, o in zip(probs, own))), eev, own, under_plan,
                            mv_plan, under_mv, lps[0].index, labels,
                            {"objective": objective, "lambda": lam, "alpha": alpha, "dataset": str(ds.path),
                             "dataset_fingerprint": fingerprint}, sizes, t)


def results_dataset(res: StochasticResult, futures: list[Future]) -> xr.Dataset:
    """results.nc content: the first-stage plan, and per future (dimension ``future``) the build
    read back from that future's solve with the plan fixed, costs, emissions, unmet and regret;
    the manifest holds the base scenario, every future's changes, versions, sizes and timings."""
    ix = res.index
    shape = (ix.K, ix.Y)
    coords = {"cluster": list(ix.clusters), "year": list(ix.years), "future": res.names}
    ds = xr.Dataset(coords=coords)
    ds.coords["cluster_name_zh"] = ("cluster", res.labels["cluster"][0])
    ds.coords["cluster_name_en"] = ("cluster", res.labels["cluster"][1])
    ds["probability"] = ("future", res.probs)
    ds["build"] = (("cluster", "year"), res.plan["build"].reshape(shape), {"units": "racks"})
    ds["build_mean_value"] = (("cluster", "year"), res.mean_value_plan["build"].reshape(shape), {"units": "racks"})
    ds["build_in_future"] = (("future", "cluster", "year"),
                             np.stack([u.values["build"].reshape(shape) for u in res.under_plan]), {"units": "racks"})
    ds["build_own_optimum"] = (("future", "cluster", "year"),
                               np.stack([o.values["build"].reshape(shape) for o in res.own]), {"units": "racks"})
    if "local_build" in res.plan:  # with local supply: the provinces' own racks are built now too
        shape_r = (len(ix.regions), ix.Y)
        ds.coords["region"] = list(ix.regions)
        ds.coords["region_name_zh"] = ("region", res.labels["region"][0])
        ds.coords["region_name_en"] = ("region", res.labels["region"][1])
        ds["local_build"] = (("region", "year"), res.plan["local_build"].reshape(shape_r), {"units": "racks"})
        ds["local_build_mean_value"] = (("region", "year"), res.mean_value_plan["local_build"].reshape(shape_r),
                                        {"units": "racks"})
        ds["local_build_in_future"] = (("future", "region", "year"), np.stack(
            [u.values["local_build"].reshape(shape_r) for u in res.under_plan]), {"units": "racks"})
        ds["local_build_own_optimum"] = (("future", "region", "year"), np.stack(
            [o.values["local_build"].reshape(shape_r) for o in res.own]), {"units": "racks"})
    for key, outcomes in (("", res.under_plan), ("_own_optimum", res.own), ("_mean_value", res.under_mean_value)):
        ds["cost" + key] = ("future", [o.cost for o in outcomes], {"units": "yuan (discounted)"})
        ds["emissions" + key] = ("future", [o.emissions_t for o in outcomes], {"units": "tCO2"})
        ds["unmet" + key] = ("future", [o.unmet_rack_years for o in outcomes], {"units": "rack-years"})
    ds["regret"] = ("future", res.regret, {"units": "yuan (discounted)"})
    manifest = {"base_scenario": futures[0].base.model_dump(mode="json"), "futures_file": futures[0].source,
                "futures": [{"name": f.name, "probability": f.probability, "changes": f.changes} for f in futures],
                **res.settings, "versions": versions(), "solver": "HiGHS via highspy (extensive form)",
                "sizes": res.sizes, "timings": res.timings}
    ds.attrs.update({"objective": res.objective, "objective_value": res.objective_value, "RP": res.rp,
                     "WS": res.ws, "EEV": res.eev, "EVPI": res.evpi, "VSS": res.vss,
                     "manifest": json.dumps(manifest, ensure_ascii=False, sort_keys=True, default=str)})
    return ds
