"""Batch runs and sweeps on Dask distributed: many scenarios, one results folder.

Layout of a batch folder ``DIR``::

    DIR/scenarios/<scenario_hash>/   one folder per scenario, published atomically (built in a
                                     temporary folder, then renamed), so a complete folder is the
                                     done marker:
        run.json                     status, error, KPIs, worker, warm/cold start, timings
        arrays.npz                   the decision/KPI arrays that go into combined.nc
        scenario.yaml                the scenario as solved
        summary.json, allocation.csv, results.nc, report.xlsx [, report.html]
                                     only with ``outputs="full"`` (``model.report.write_outputs``)
    DIR/index.csv (+ index.parquet)  every scenario: name, hash, swept levers, status, error,
                                     objective, KPIs, timings, reused (skipped as already done)
    DIR/summary.csv                  the solved scenarios' KPIs with their levers
    DIR/combined.nc                  decision/KPI variables of the solved scenarios along a
                                     ``scenario`` dimension, swept levers as coordinates
    DIR/batch.json                   counts, wall time, throughput, cold/warm solves

Execution: the client sends scenario *descriptions* (plain dicts) to Dask workers, never built
models. Each worker process keeps one ``Planner`` (a module global created lazily in the worker),
so consecutive scenarios that only change numbers are pushed into the compiled HiGHS model and
re-solved warm. Scenarios are grouped by what decides the model's structure (dataset, latency
matrix, latency bounds) and submitted in chunks, so a worker's consecutive solves share it.
Workers use the spawn start method (never fork a process whose HiGHS has solved) and HiGHS
``threads=1``. Workers
write each scenario's folder themselves, so with ``--scheduler`` they must see ``DIR`` at the
same path (same machine or a shared filesystem).

Failures never stop a batch: an input error, a non-optimal status (e.g. infeasible in strict
mode) or a crashed worker is recorded in the scenario's ``run.json`` and in the index. A chunk
whose worker died is retried by Dask; if it keeps killing workers its scenarios are resubmitted
one by one, and the one that still kills its worker is recorded as crashed. Re-running the same
command skips every scenario whose folder is complete and retries the failed ones.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import socket
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import InputError
from .scenario import Scenario, scenario_hash, scenario_to_yaml

OUTPUTS = ("full", "lean")
# per-scenario decision/KPI variables stacked into combined.nc (those present in the results)
COMBINED_VARS = ("allocation", "unmet", "served", "build", "capacity", "load", "utilisation",
                 "utilisation_shortfall", "it_power_mw", "grid_mw", "green_mw", "facility_power_mw",
                 "energy_mwh", "green_shortfall_mw", "emissions_t", "west_shortfall", "latency_weighted_ms",
                 "capacity_price", "rack_value", "mw_value", "marginal_cost", "cost")
DIMS = ("region", "cluster", "workload", "year", "cost_term")
LABELS = ("region_name_zh", "region_name_en", "cluster_name_zh", "cluster_name_en", "hub", "hub_name_zh",
          "hub_name_en", "workload_name_zh", "workload_name_en")
# per-scenario scalars from the index that combined.nc carries as variables
SCALAR_KPIS = ("objective", "emissions_tco2", "energy_mwh", "served_rack_years", "unmet_rack_years",
               "built_racks", "utilisation_mean", "solve_s", "total_s")
MAX_CHUNK = 20
TIMINGS = ("inputs_s", "build_s", "handoff_s", "solve_s", "results_s", "total_s")


# ------------------------------------------------------------------------------------------------
# jobs: what the client knows about each scenario
# ------------------------------------------------------------------------------------------------
@dataclass
class Job:
    name: str
    hash: str
    scenario: Scenario
    levers: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict:
        """The plain description a worker receives."""
        sc = self.scenario
        return {"name": self.name, "hash": self.hash, "levers": self.levers,
                "scenario": sc.model_dump(mode="json"), "source": sc.source, "base_dir": str(sc.base_dir)}

    def structure(self) -> str:
        """What decides the LP's structure (index sets, N-1 blocks, integer builds), so that
        scenarios with equal keys are sent together. Only a scheduling hint: the worker's Planner
        compares the built structures itself and rebuilds whenever they differ."""
        sc = self.scenario
        return json.dumps([str(sc.resolve(sc.dataset) or ""), str(sc.resolve(sc.latency_matrix) or ""),
                           sorted(sc.latency_bounds_ms.items()), sc.policy.n_minus_1,
                           sc.modular_builds is not None], default=str)


def _fingerprint(sc: Scenario, cache: dict[str, str]) -> str:
    from .dataset import load_dataset
    from .inputs import dataset_fingerprint

    key = str(sc.resolve(sc.dataset)) if sc.dataset else ""  # as Planner.dataset keys it
    if key not in cache:
        try:
            cache[key] = dataset_fingerprint(load_dataset(sc.resolve(sc.dataset)))
        except InputError:
            cache[key] = "unreadable"  # the worker reports the dataset's error for this scenario
    return cache[key]


def make_jobs(points) -> list[Job]:
    """Points (``model.sweep.Point`` or (name, Scenario, levers) tuples) → jobs with hashes.

    HiGHS runs with one thread per worker, so ``solver.threads`` is set to 1 (and hashed so)."""
    cache: dict[str, str] = {}
    jobs = []
    for p in points:
        name, sc, levers = (p.name, p.scenario, p.levers) if hasattr(p, "scenario") else p
        if sc.solver.threads != 1:
            sc = sc.model_copy(update={"solver": sc.solver.model_copy(update={"threads": 1})})
        sc = sc.model_copy(update={"base_dir": str(Path(sc.base_dir).resolve())})  # workers' cwd may differ
        jobs.append(Job(name, scenario_hash(sc, _fingerprint(sc, cache)), sc, dict(levers)))
    return jobs


# ------------------------------------------------------------------------------------------------
# per-scenario folders
# ------------------------------------------------------------------------------------------------
def required_files(outputs: str, html: bool) -> tuple[str, ...]:
    files = ("run.json", "arrays.npz", "scenario.yaml")
    if outputs == "full":
        files += ("summary.json", "allocation.csv", "results.nc", "report.xlsx") + (("report.html",) if html else ())
    return files


def is_done(folder: Path, outputs: str, html: bool) -> bool:
    """A solved scenario's folder with every file ``outputs`` asks for (failures have no arrays)."""
    return all((folder / f).is_file() for f in required_files(outputs, html))


def _publish(tmp: Path, final: Path) -> None:
    """Replace ``final`` by the finished ``tmp`` folder in one rename (old content set aside first)."""
    if final.exists():
        old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


def _tmp_folder(root: Path, h: str) -> Path:
    tmp = root / f".tmp-{h}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    return tmp


def clean_stale(root: Path) -> None:
    """Remove temporary folders left by an interrupted run (one batch per DIR at a time)."""
    for p in root.glob(".tmp-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in root.glob(".old-*"):
        shutil.rmtree(p, ignore_errors=True)


def _write_json(path: Path, doc: dict) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def write_failure(root: Path, item: dict, error: str, **extra) -> None:
    """Record a failed scenario: its folder holds only run.json (with the error)."""
    tmp = _tmp_folder(root, item["hash"])
    rec = {"name": item["name"], "hash": item["hash"], "levers": item.get("levers", {}), "ok": False,
           "status": extra.pop("status", "error"), "error": error,
           "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"), **extra}
    _write_json(tmp / "run.json", rec)
    _publish(tmp, root / item["hash"])


def result_arrays(res) -> dict[str, np.ndarray]:
    """The variables of one result that go into combined.nc as one flat buffer plus a JSON
    description (names, dims, shapes, units, coordinate labels): fast to write and read (npz)."""
    V = res.variables
    names = [v for v in COMBINED_VARS if v in res.data_vars]
    arrays = [np.asarray(V[v].values, dtype=float) for v in names]
    meta = {"vars": [{"name": v, "dims": list(V[v].dims), "shape": list(a.shape), "units": V[v].attrs.get("units", "")}
                     for v, a in zip(names, arrays)],
            "coords": {d: V[d].values.tolist() for d in DIMS if d in V},
            "labels": {c: [V[c].dims[0], V[c].values.tolist()] for c in LABELS if c in V}}
    return {"data": np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0),
            "__meta__": np.array(json.dumps(meta, ensure_ascii=False))}


def read_arrays(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """(name → array, meta) from an arrays.npz written by ``result_arrays``."""
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["__meta__"]))
        data = f["data"]
    out, i = {}, 0
    for v in meta["vars"]:
        n = int(np.prod(v["shape"]))
        out[v["name"]] = data[i:i + n].reshape(v["shape"])
        i += n
    return out, meta


def kpis_of(res) -> dict:
    """The KPI columns of the index for one result, from its arrays (numpy, no xarray operations).

    Equal to ``kpis_from_summary(model.results.summary(res))`` (tests/test_batch.py checks it);
    ``summary`` costs ~50 ms of xarray calls, which would be a third of a warm sweep step."""
    from .results import REASONS, TOL

    V = res.variables

    def arr(name, *dims):
        return np.asarray(V[name].transpose(*dims).values if dims else V[name].values)

    unmet = arr("unmet", "region", "workload", "year")
    reasons = arr("unmet_reason", "region", "workload", "year")
    served = arr("served", "region", "workload", "year")
    lw = arr("latency_weighted_ms", "workload", "year")
    served_wy = served.sum(axis=0)
    lat = {}
    for i, w in enumerate(V["workload"].values):
        s = float(served_wy[i].sum())
        lat[str(w)] = float(np.nansum(lw[i] * served_wy[i]) / s) if s > TOL else None
    by_reason = {r: float(unmet[reasons == r].sum()) for r in REASONS if (reasons == r).any()}
    return {
        "objective": float(res.attrs["objective"]),
        **{f"cost_{k}": float(v) for k, v in zip(V["cost_term"].values, V["cost"].values)},
        "emissions_tco2": float(arr("emissions_t").sum()),
        "energy_mwh": float(arr("energy_mwh").sum()),
        "demand_rack_years": float(arr("demand").sum()),
        "served_rack_years": float(served.sum()),
        "unmet_rack_years": float(unmet.sum()),
        **{f"unmet: {k}": v for k, v in by_reason.items()},
        "built_racks": float(arr("build").sum()),
        "utilisation_mean": float(arr("load").sum() / arr("capacity").sum()),
        "utilisation_shortfall_racks": float(arr("utilisation_shortfall").sum()),
        "green_shortfall_mw": float(arr("green_shortfall_mw").sum()),
        "west_shortfall_racks": float(arr("west_shortfall").sum()),
        **{f"latency_{w}_ms": v for w, v in lat.items()},
    }


# ------------------------------------------------------------------------------------------------
# worker side
# ------------------------------------------------------------------------------------------------
_PLANNER = None  # one Planner per worker process, created on first use (keeps the compiled model)


def worker_planner(fresh: bool = False):
    global _PLANNER
    if _PLANNER is None or fresh:
        import highspy

        from .run import Planner

        # harmless after spawn; makes a forked worker safe if its parent had solved (HiGHS pitfall)
        highspy.Highs.resetGlobalScheduler(True)
        _PLANNER = Planner()
    return _PLANNER


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, InputError):
        return exc.line()
    if isinstance(exc, _NotOptimal):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def run_one(item: dict, root: Path, outputs: str, html: bool) -> dict:
    """Solve one scenario description and publish its folder; never raises for a bad scenario."""
    import dask

    final = root / item["hash"]
    if is_done(final, outputs, html):  # a retried chunk skips what an earlier attempt finished
        return {"hash": item["hash"], "ok": True, "status": "optimal", "reused": True}
    t0 = time.perf_counter()
    rec = {"name": item["name"], "hash": item["hash"], "levers": item.get("levers", {}),
           "worker": f"{socket.gethostname()}:{os.getpid()}",
           "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "base_dir": item["base_dir"]}
    try:
        with dask.config.set(scheduler="synchronous"):
            # inside a Dask worker xarray would take a *distributed* lock to write NetCDF (and fail
            # for in-memory files); this task's writes are local, so use the synchronous scheduler
            return _solve_and_publish(item, root, final, outputs, html, rec, t0)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, the batch goes on
        msg = _error_text(exc)
        extra = {k: rec[k] for k in ("worker", "started", "base_dir", "objective", "warm_start", "timings", "conflicts")
                 if k in rec}
        if not isinstance(exc, (InputError, _NotOptimal)):
            extra["traceback"] = traceback.format_exc(limit=8)
        write_failure(root, item, msg, status=rec.get("status", "error"), wall_s=time.perf_counter() - t0, **extra)
        return {"hash": item["hash"], "ok": False, "status": rec.get("status", "error"), "error": msg}


def _solve_and_publish(item: dict, root: Path, final: Path, outputs: str, html: bool, rec: dict, t0: float) -> dict:
    from .report import write_outputs
    from .results import manifest_of
    from .scenario import scenario_from_dict

    tmp = None
    try:
        sc = scenario_from_dict(item["scenario"], item["source"], item["base_dir"])
        res = worker_planner().solve(sc)
        if res.attrs.get("scenario_hash") != item["hash"]:
            # the dataset changed on disk since this worker cached it: reload and solve again
            res = worker_planner(fresh=True).solve(sc)
        man = manifest_of(res)
        status = str(res.attrs["status"])
        rec.update(status=status, objective=float(res.attrs["objective"]), warm_start=bool(man.get("warm_start")),
                   iterations=man.get("iterations"), timings=man.get("timings", {}),
                   solved_hash=res.attrs.get("scenario_hash"))
        if status != "optimal":
            strict = "" if sc.policy.allow_unmet else " (strict mode: policy.allow_unmet is false, demand must be served in full)"
            conflicts = [c.get("text", str(c)) for c in man.get("conflicts", [])]
            rec["conflicts"] = conflicts
            why = f"; conflicting: {'; '.join(conflicts[:3])}" if conflicts else ""
            raise _NotOptimal(f"no optimal solution: {status}{strict}{why}")
        tmp = _tmp_folder(root, item["hash"])
        (tmp / "scenario.yaml").write_text(scenario_to_yaml(sc), encoding="utf-8")
        if outputs == "full":
            write_outputs(res, tmp, html=html)
        np.savez(tmp / "arrays.npz", **result_arrays(res))
        rec.update(ok=True, error="", kpis=kpis_of(res), outputs=outputs, html=bool(html and outputs == "full"),
                   wall_s=time.perf_counter() - t0,
                   finished=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        _write_json(tmp / "run.json", rec)
        _publish(tmp, final)
        return {"hash": item["hash"], "ok": True, "status": status, "warm_start": rec["warm_start"]}
    finally:
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


class _NotOptimal(Exception):
    pass


def run_chunk(items: list[dict], out: str, outputs: str = "full", html: bool = False) -> list[dict]:
    """A Dask task: solve the chunk's scenarios one after another on this worker's Planner."""
    root = Path(out) / "scenarios"
    if not root.is_dir():
        raise RuntimeError(f"worker {socket.gethostname()} cannot see the output folder {out}: "
                           "batch workers must share the filesystem with the client")
    return [run_one(it, root, outputs, html) for it in items]


# ------------------------------------------------------------------------------------------------
# client side
# ------------------------------------------------------------------------------------------------
def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def open_client(workers: int, scheduler: str | None):
    """(client, cluster): a local cluster of worker processes, or a connection to ``scheduler``."""
    import logging

    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="15s")
        except (OSError, TimeoutError) as exc:
            raise InputError("--scheduler", "", f"cannot connect to {scheduler} ({exc})") from None
        return client, None
    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def chunks_for(jobs: list[Job], n_workers: int) -> list[list[Job]]:
    """Group by model structure, keep the given order inside a group, cut into chunks."""
    groups: dict[str, list[Job]] = {}
    for j in jobs:
        groups.setdefault(j.structure(), []).append(j)
    out = []
    for g in groups.values():
        size = max(1, min(MAX_CHUNK, math.ceil(len(g) / (max(1, n_workers) * 4))))
        out.extend(g[i:i + size] for i in range(0, len(g), size))
    return out


@dataclass
class BatchResult:
    out: Path
    index: Any  # pandas DataFrame, one row per scenario
    counts: dict
    wall_s: float
    paths: dict[str, Path]

    @property
    def failed(self):
        return self.index[~self.index["ok"]]


def _execute(client, todo: list[Job], out: Path, outputs: str, html: bool,
             progress: Callable[[int], None], n_workers: int) -> None:
    from distributed import KilledWorker, as_completed

    root = out / "scenarios"
    token = uuid.uuid4().hex[:8]
    chunks = chunks_for(todo, n_workers)
    pending, counter = {}, [0]

    def submit(chunk: list[Job], priority: int):
        counter[0] += 1
        f = client.submit(run_chunk, [j.payload() for j in chunk], str(out), outputs, html,
                          key=f"hubplan-batch-{token}-{counter[0]:06d}", priority=priority, pure=False)
        pending[f] = chunk
        return f

    ac = as_completed([submit(c, len(chunks) - i) for i, c in enumerate(chunks)])
    for fut in ac:
        chunk = pending.pop(fut)
        try:
            fut.result()
            progress(len(chunk))
            continue
        except KilledWorker as exc:
            left = [j for j in chunk if not is_done(root / j.hash, outputs, html)]
            progress(len(chunk) - len(left))
            if len(left) > 1:  # isolate the scenario that kills its worker
                for j in left:
                    ac.add(submit([j], len(chunks) + 1))
                continue
            status, msg = "crashed", f"worker crashed while solving ({type(exc).__name__}: {exc})"
        except Exception as exc:  # noqa: BLE001 - e.g. the worker cannot see DIR, or lost the scheduler
            left = [j for j in chunk if not is_done(root / j.hash, outputs, html)]
            progress(len(chunk) - len(left))
            status, msg = "error", _error_text(exc)
        for j in left:
            write_failure(root, j.payload(), msg, status=status)
        progress(len(left))


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def kpis_from_summary(s: dict) -> dict:
    """Flat KPI columns from a summary.json (the same names as ``model.compare.kpi_row``)."""
    pol = s.get("policy_shortfalls", {})
    return {
        "objective": s.get("objective"),
        **{f"cost_{k}": v for k, v in s.get("costs", {}).items()},
        "emissions_tco2": s.get("emissions_tco2"),
        "energy_mwh": s.get("energy_mwh"),
        "demand_rack_years": s.get("demand_rack_years"),
        "served_rack_years": s.get("served_rack_years"),
        "unmet_rack_years": s.get("unmet", {}).get("total_rack_years"),
        **{f"unmet: {k}": v for k, v in s.get("unmet", {}).get("by_reason", {}).items()},
        "built_racks": s.get("built_racks"),
        "utilisation_mean": s.get("utilisation_mean"),
        "utilisation_shortfall_racks": pol.get("utilisation_racks"),
        "green_shortfall_mw": pol.get("green_mw"),
        "west_shortfall_racks": pol.get("west_racks"),
        **{f"latency_{w}_ms": v for w, v in s.get("latency_weighted_ms", {}).items()},
    }


def index_frame(jobs: list[Job], out: Path, reused: set[str], lever_keys: list[str]):
    """One row per scenario (command order), read back from the scenario folders."""
    import pandas as pd

    rows = []
    for j in jobs:
        folder = out / "scenarios" / j.hash
        rec = _read_json(folder / "run.json") or {}
        ok = bool(rec.get("ok")) and (folder / "arrays.npz").is_file()
        timings = rec.get("timings") or {}
        row = {"name": j.name, "scenario_hash": j.hash, **{k: j.levers.get(k) for k in lever_keys},
               "status": rec.get("status", "not run"), "ok": ok, "error": rec.get("error", "" if ok else "not run"),
               "reused": j.hash in reused}
        if ok:
            row.update(rec.get("kpis", {}))
        elif "objective" in rec:
            row["objective"] = rec["objective"]
        row.update({"warm_start": rec.get("warm_start"), "iterations": rec.get("iterations"),
                    **{k: timings.get(k) for k in TIMINGS}, "wall_s": rec.get("wall_s"),
                    "worker": rec.get("worker"), "finished": rec.get("finished"), "dir": f"scenarios/{j.hash}"})
        rows.append(row)
    df = pd.DataFrame(rows)
    unmet = [c for c in df.columns if c.startswith("unmet: ")]
    if unmet:
        df.loc[df["ok"], unmet] = df.loc[df["ok"], unmet].fillna(0.0)
    tail = ["warm_start", "iterations", *TIMINGS, "wall_s", "worker", "finished", "dir"]
    return df[[c for c in df.columns if c not in tail] + tail]


def _unique_names(names: list[str], hashes: list[str]) -> list[str]:
    """Scenario labels for combined.nc: the name, with the hash added where names repeat."""
    from collections import Counter

    counts, used, out = Counter(names), set(), []
    for n, h in zip(names, hashes):
        label = base = n if counts[n] == 1 else f"{n} ({h[:8]})"
        i = 2
        while label in used:
            label, i = f"{base} #{i}", i + 1
        used.add(label)
        out.append(label)
    return out


def _lever_coord(values: list) -> np.ndarray:
    if all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype="int8")
    if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return np.asarray(values, dtype="int64")
        return np.asarray([np.nan if v is None else float(v) for v in values], dtype=float)
    return np.asarray(["" if v is None else str(v) for v in values], dtype=str)


def combine(index, out: Path, lever_keys: list[str]):
    """combined.nc contents: the solved scenarios' arrays along ``scenario`` (read from arrays.npz).

    Scenarios on the same dataset share labels and are stacked directly; a mix of datasets is
    aligned on the union of labels (NaN where a scenario has no entry)."""
    import xarray as xr

    ok = index[index["ok"]].reset_index(drop=True)
    if ok.empty:
        return None
    cache: dict[str, tuple[dict, dict]] = {}
    for h in ok["scenario_hash"]:
        if h not in cache:
            cache[h] = read_arrays(out / "scenarios" / h / "arrays.npz")
    names = _unique_names(list(ok["name"]), list(ok["scenario_hash"]))
    first = cache[ok["scenario_hash"].iloc[0]][1]

    def layout(meta: dict):
        return meta["coords"], [(v["name"], v["dims"]) for v in meta["vars"]]

    def coords(meta: dict) -> dict:
        return {**meta["coords"], **{c: (d, vals) for c, (d, vals) in meta["labels"].items()}}

    if all(layout(m) == layout(first) for _, m in cache.values()):
        ds = xr.Dataset({v["name"]: (("scenario", *v["dims"]),
                                     np.stack([cache[h][0][v["name"]] for h in ok["scenario_hash"]]),
                                     {"units": v["units"]}) for v in first["vars"]}, coords=coords(first))
    else:
        parts = [xr.Dataset({v["name"]: (v["dims"], arrs[v["name"]], {"units": v["units"]}) for v in meta["vars"]},
                            coords=coords(meta)) for arrs, meta in (cache[h] for h in ok["scenario_hash"])]
        ds = xr.concat(parts, dim="scenario", join="outer", coords="minimal", compat="override",
                       combine_attrs="drop_conflicts")
    ds = ds.assign_coords(scenario=("scenario", names),
                          scenario_name=("scenario", ok["name"].astype(str).to_numpy()),
                          scenario_hash=("scenario", ok["scenario_hash"].astype(str).to_numpy()),
                          status=("scenario", ok["status"].astype(str).to_numpy()))
    for k in lever_keys:
        ds = ds.assign_coords({k: ("scenario", _lever_coord(list(ok[k])), {"long_name": f"swept lever {k}"})})
    for k in SCALAR_KPIS:
        if k in ok.columns:
            ds[k] = ("scenario", pd_float(ok[k]))
    ds.attrs.update(title="hubplan batch: per-scenario decisions and KPIs", levers=json.dumps(lever_keys),
                    n_scenarios=int(len(ok)), created=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return ds


def _combined_current(path: Path, index, lever_keys: list[str]) -> bool:
    """combined.nc already holds exactly these solved scenarios (a re-run that solved nothing)."""
    import xarray as xr

    if not path.is_file():
        return False
    ok = index[index["ok"]]
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return (list(ds["scenario_hash"].values) == list(ok["scenario_hash"])
                    and list(ds["scenario_name"].values) == list(ok["name"])
                    and all(k in ds.coords for k in lever_keys))
    except (OSError, KeyError, ValueError):
        return False


def pd_float(col) -> np.ndarray:
    return np.asarray([np.nan if v is None else float(v) for v in col], dtype=float)


def _write_atomic(path: Path, writer: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        writer(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_index(index, out: Path) -> dict[str, Path]:
    paths = {}
    _write_atomic(out / "index.csv", lambda p: index.to_csv(p, index=False))
    paths["index.csv"] = out / "index.csv"
    def parquet(p: Path):
        try:
            index.to_parquet(p, index=False)
        except Exception:  # noqa: BLE001 - mixed-type lever columns: store them as text
            safe = index.copy()
            for c in safe.columns[safe.dtypes == object]:
                safe[c] = safe[c].map(lambda v: None if v is None else str(v))
            safe.to_parquet(p, index=False)

    _write_atomic(out / "index.parquet", parquet)
    paths["index.parquet"] = out / "index.parquet"
    return paths


def run_batch(points, out: str | Path, *, workers: int | None = None, scheduler: str | None = None,
              outputs: str = "full", html: bool = True, lever_keys: list[str] | None = None,
              progress: bool = True, console=None, command: str = "") -> BatchResult:
    """Run every point (a ``model.sweep.Point`` or (name, Scenario, levers)) and write DIR."""
    if outputs not in OUTPUTS:
        raise InputError("--outputs", "", f"expected one of {', '.join(OUTPUTS)}, got {outputs!r}")
    if workers is not None and workers < 1:
        raise InputError("--workers", "", "must be at least 1")
    t0 = time.perf_counter()
    out = Path(out).resolve()
    root = out / "scenarios"
    root.mkdir(parents=True, exist_ok=True)
    clean_stale(root)
    jobs = make_jobs(points)
    lever_keys = list(lever_keys or [])
    unique: dict[str, Job] = {}
    for j in jobs:
        unique.setdefault(j.hash, j)
    todo = [j for h, j in unique.items() if not is_done(root / h, outputs, html)]
    reused = set(unique) - {j.hash for j in todo}
    n_workers = 0
    if todo:
        n_workers = min(workers or default_workers(), len(todo)) if not scheduler else 0
        client, cluster = open_client(n_workers, scheduler)
        try:
            if scheduler:
                client.wait_for_workers(1, timeout=120)
                n_workers = len(client.scheduler_info().get("workers", {})) or 1
            with _progress(console, progress, len(todo), len(reused)) as advance:
                _execute(client, todo, out, outputs, html, advance, n_workers)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    index = index_frame(jobs, out, reused, lever_keys)
    paths = write_index(index, out)
    ok = index[index["ok"]]
    summ = ok.drop(columns=[c for c in ("ok", "error", "iterations", "worker", "finished") if c in ok.columns])
    _write_atomic(out / "summary.csv", lambda p: summ.to_csv(p, index=False))
    paths["summary.csv"] = out / "summary.csv"
    ds = None if not todo and _combined_current(out / "combined.nc", index, lever_keys) else combine(index, out, lever_keys)
    if ds is not None:
        # mostly zeros: zlib level 1 in large chunks (11 MB instead of 86 MB for 1,000 national scenarios)
        enc = {v: {"zlib": True, "complevel": 1, "chunksizes": (min(256, ds.sizes["scenario"]), *ds[v].shape[1:])}
               for v in ds.data_vars if ds[v].ndim > 2}
        _write_atomic(out / "combined.nc", lambda p: ds.to_netcdf(p, engine="h5netcdf", encoding=enc))
        paths["combined.nc"] = out / "combined.nc"
    elif not index["ok"].any() and (out / "combined.nc").exists():
        (out / "combined.nc").unlink()  # nothing solved: no stale combined results
    elif (out / "combined.nc").exists():
        paths["combined.nc"] = out / "combined.nc"  # already current
    wall = time.perf_counter() - t0
    fresh = index[~index["reused"] & index["ok"]].drop_duplicates("scenario_hash")
    warm = fresh[fresh["warm_start"] == True]  # noqa: E712 - column of True/False/None
    cold = fresh[fresh["warm_start"] == False]  # noqa: E712
    counts = {"scenarios": len(jobs), "unique": len(unique), "ok": int(index["ok"].sum()),
              "failed": int((~index["ok"]).sum()), "reused": len(reused), "solved": len(fresh),
              "warm": len(warm), "cold": len(cold)}
    doc = {"command": command, "outputs": outputs, "html": bool(html and outputs == "full"), **counts,
           "wall_s": wall, "scenarios_per_s": len(todo) / wall if todo else None,
           "mean_total_s_warm": float(warm["total_s"].mean()) if len(warm) else None,
           "mean_total_s_cold": float(cold["total_s"].mean()) if len(cold) else None,
           "cluster": {"scheduler": scheduler or "local", "workers": n_workers},
           "levers": lever_keys, "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    _write_atomic(out / "batch.json", lambda p: _write_json(p, doc))
    paths["batch.json"] = out / "batch.json"
    return BatchResult(out, index, counts, wall, paths)


class _progress:
    """A rich progress bar with ETA (or nothing); ``advance(n)`` marks n scenarios as finished."""

    def __init__(self, console, enabled: bool, total: int, skipped: int):
        self.enabled, self.total, self.skipped, self.console = enabled, total, skipped, console

    def __enter__(self):
        if not self.enabled:
            return lambda n: None
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.bar = Progress(TextColumn("[bold]solving[/]"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                            console=self.console or Console(stderr=True), transient=False)
        self.bar.start()
        desc = f"({self.skipped} already done)" if self.skipped else ""
        self.task = self.bar.add_task(desc, total=self.total)
        return lambda n: self.bar.advance(self.task, n) if n else None

    def __exit__(self, *exc):
        if self.enabled:
            self.bar.stop()
        return False
