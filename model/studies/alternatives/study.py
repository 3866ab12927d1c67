"""A near-optimal study of one scenario: the range of every catalogue aggregate within the cost
budget, robust/free verdicts, optional SPORES plans; in process or on Dask workers.

In process, one ``Planner`` solves the scenario, the budget row is added once and every extreme is
a warm re-solve. On Dask (``workers`` / ``scheduler``) each worker builds and solves its own model
once (kept between chunks), adds the budget row with the client's budget B (the same number
everywhere), and takes chunks of aggregates.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from ...errors import InputError
from ...formulation.blocks import LinearProgram
from ...inputs.scenario import Scenario
from ...results import build_results
from ...run import Planner
from ...solve.highs import Solution
from .band import Band, End
from .catalogue import CATALOGUE, Aggregate, Entry, aggregates
from .spores import differences, spores

ROBUST_TOL = 0.05  # robust: range ≤ 5 % of the entry's scale (shares: 5 percentage points)


@dataclass
class Study:
    scenario: Scenario
    slack: float
    optimum: float
    budget: float
    result: xr.Dataset  # the optimum's full results
    lp: LinearProgram
    aggs: list[Aggregate]
    ends: dict[str, tuple[End, End]]  # key -> (min, max)
    base_plan: np.ndarray
    spores: list[tuple[np.ndarray, str, str, str]] = field(default_factory=list)  # plan, status, zh, en
    timings: dict = field(default_factory=dict)
    robust_tol: float = ROBUST_TOL


def _ends(band: Band, aggs: list[Aggregate], cheapest: bool) -> dict[str, tuple[End, End]]:
    return {a.key: (band.extreme(a, "min", cheapest), band.extreme(a, "max", cheapest)) for a in aggs}


def check_slack(slack: float) -> None:
    if not (0 <= slack <= 1):
        raise InputError("--slack", "slack", "must be between 0 and 1 (0.01: 1 % above the optimum)")


def near_optimal(sc: Scenario, slack: float = 0.01, *, entries: tuple[Entry, ...] = CATALOGUE, n_spores: int = 0,
                 cheapest: bool = True, workers: int | None = None, scheduler: str | None = None,
                 planner: Planner | None = None) -> Study:
    """Solve ``sc``, then find every aggregate's range within cost ≤ (1 + slack) · optimum."""
    check_slack(slack)
    if not 0 <= n_spores <= 100:
        raise InputError("--spores", "spores", "must be between 0 and 100")
    t0 = time.perf_counter()
    planner = planner or Planner()
    res = planner.solve(sc)
    if res.attrs["status"] != "optimal":
        raise InputError(sc.source, "", f"the scenario itself is not optimal ({res.attrs['status']})")
    hm = planner.model
    if hm.integer_cols.size:
        raise InputError(sc.source, "modular_builds", "near-optimal ranges need an LP: set modular_builds.relax: true")
    lp, inp = hm.lp, res
    optimum = float(res.attrs["objective"])
    aggs = aggregates(lp, inp, entries)
    base = _plan(hm)
    t1 = time.perf_counter()
    band = Band(hm, optimum, slack, start=base)
    try:
        if workers is None and scheduler is None:
            ends = _ends(band, aggs, cheapest)
        else:
            ends = _ends_on_dask(sc, band.budget, slack, aggs, entries, cheapest, workers, scheduler)
        t2 = time.perf_counter()
        study = Study(sc, slack, optimum, band.budget, res, lp, aggs, ends, base,
                      timings={"optimum_s": t1 - t0, "ranges_s": t2 - t1, "solves": band.solves})
        if n_spores:
            scales = {k: max(abs(e[0].value), abs(e[1].value)) for k, e in ends.items()}
            names = {a.key: label(a) for a in aggs}
            for x, status in spores(band, aggs, n_spores, base, scales):
                study.spores.append((x, status, *differences(aggs, x, base, names)))
        study.timings.update(spores_s=time.perf_counter() - t2, solves=band.solves)
    finally:
        band.close()
    return study


def _plan(hm) -> np.ndarray:
    """The optimum's columns in block order (the model was just solved)."""
    sol = np.asarray(hm.highs.getSolution().col_value)
    x = np.zeros(len(hm.col_of))
    x[hm.col_of >= 0] = sol[hm.col_of[hm.col_of >= 0]]
    return x


def plan_of(study: Study, alternative: str) -> np.ndarray:
    """The columns of a stored plan: "optimum", "min <aggregate>", "max <aggregate>" or "spore <i>"."""
    if alternative == "optimum":
        return study.base_plan
    end, _, rest = alternative.partition(" ")
    if end == "spore":
        return study.spores[int(rest) - 1][0]
    return study.ends[rest][0 if end == "min" else 1].plan


def plan_results(study: Study, alternative: str, name: str) -> xr.Dataset:
    """The full results Dataset of a stored plan (KPIs, tables, Compare), named ``name``. It has no
    duals of its own (an extreme plan is not a cost optimum): its shadow prices are NaN."""
    x = plan_of(study, alternative)
    cost = float(study.lp.column_cost() @ x)
    sol = Solution(f"near-optimal ({alternative})", False, True, cost, x, np.full(study.lp.num_rows, np.nan),
                   np.zeros(x.size), 0)
    man = {**json.loads(study.result.attrs["manifest"]), "scenario_name": name, "objective": cost,
           "scenario_hash": f"{study.result.attrs['scenario_hash']}:{alternative}:{study.slack:g}",
           "near_optimal": {"alternative": alternative, "slack": study.slack, "optimum": study.optimum, "budget": study.budget}}
    return build_results(study.result, study.lp, sol, man)


def label(a: Aggregate) -> tuple[str, str]:
    """(中文, English) name of an aggregate: 'builds per cluster over the horizon · Qingyang'."""
    zh, en = [a.entry.zh], [a.entry.en]
    for d, v in a.labels.items():
        n = a.names.get(d)
        zh.append(n[0] if n else f"{v}年" if d == "year" else str(v))
        en.append(n[1] if n else str(v))
    return " · ".join(zh), " · ".join(en)


def verdicts(study: Study) -> dict[str, tuple[float, str]]:
    """key -> (scale S, "robust" | "free"): robust when max − min ≤ tol · S, S = 1 for a share,
    else the largest |value| any aggregate of the same entry reaches in the band."""
    scale: dict[str, float] = {}
    for a in study.aggs:
        lo, hi = study.ends[a.key]
        v = max(abs(lo.value), abs(hi.value)) if np.isfinite(lo.value + hi.value) else 0.0
        scale[a.entry.key] = 1.0 if a.ratio else max(scale.get(a.entry.key, 0.0), v)
    out = {}
    for a in study.aggs:
        lo, hi = study.ends[a.key]
        s = scale[a.entry.key]
        width = hi.value - lo.value
        out[a.key] = (s, "robust" if (np.isfinite(width) and width <= study.robust_tol * max(s, 1e-9)) else "free")
    return out


# -- Dask --------------------------------------------------------------------------------------------
_WORKER: dict = {}


def _chunk(sc: Scenario, budget: float, slack: float, entries: tuple[Entry, ...], keys: list[str], cheapest: bool):
    """On a worker: its own model, solved once and kept with the budget row for later chunks."""
    tag = (sc.model_dump_json(), budget)
    if _WORKER.get("tag") != tag:
        import highspy

        highspy.Highs.resetGlobalScheduler(True)  # safe after spawn; required after fork
        if "band" in _WORKER:
            _WORKER["band"].close()
        planner = Planner()
        res = planner.solve(sc)
        hm = planner.model
        _WORKER.update(tag=tag, planner=planner, band=Band(hm, float(res.attrs["objective"]), slack, budget, _plan(hm)),
                       aggs={a.key: a for a in aggregates(planner.model.lp, res, entries)})
    band, aggs = _WORKER["band"], _WORKER["aggs"]
    return _ends(band, [aggs[k] for k in keys if k in aggs], cheapest)


def _ends_on_dask(sc, budget, slack, aggs, entries, cheapest, workers, scheduler) -> dict[str, tuple[End, End]]:
    from ..batch import default_workers, open_client

    client, cluster = open_client(workers or default_workers(), scheduler)
    try:
        n = max(1, len(client.scheduler_info()["workers"]))
        keys = [a.key for a in aggs]
        chunks = [keys[i::2 * n] for i in range(min(2 * n, len(keys)))]  # interleaved: shares spread evenly
        futures = client.map(_chunk, [sc] * len(chunks), [budget] * len(chunks), [slack] * len(chunks),
                             [entries] * len(chunks), chunks, [cheapest] * len(chunks), pure=False)
        ends: dict[str, tuple[End, End]] = {}
        for part in client.gather(futures):
            ends.update(part)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return {k: ends[k] for k in keys if k in ends}
