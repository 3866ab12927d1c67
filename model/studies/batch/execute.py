"""Client side of a batch: a Dask client (local cluster or ``--scheduler``), submission in chunks,
crash isolation, progress, then the index, combined.nc and batch.json."""
from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...atomic import write_atomic
from ...errors import InputError
from ...reports.netcdf import write_netcdf
from ...reports.sheets import write_csv

if TYPE_CHECKING:
    import pandas as pd
from .jobs import Job, make_jobs, streams_for
from .store import OUTPUTS, _combined_current, _write_json, clean_stale, combine, index_frame, is_done, write_failure, write_index
from .worker import _error_text, run_chunk


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def open_client(workers: int, scheduler: str | None) -> tuple[Any, Any]:
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
    # glibc's own malloc tuning in the workers: Dask sets MALLOC_TRIM_THRESHOLD_=65536 for them, which
    # also switches off glibc's adaptive mmap threshold, so every array over 128 kB (a column vector of
    # the national LP is 200 kB) is mapped and unmapped afresh: page faults and zeroing, ~15 % more CPU
    # per warm answer (docs/performance.md, "Issue 23, fourth stop"). None unsets it (Dask's convention).
    no_trim = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn", **no_trim}), _workers_ignore_ctrl_c():
        # no dashboard; the scheduler's own HTTP routes on a free loopback port (its default, 8787,
        # may be taken by another cluster, and the warning would break the one-line messages)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                               silence_logs=logging.CRITICAL)  # failures go to run.json
    return Client(cluster), cluster


@contextmanager
def _workers_ignore_ctrl_c():
    """Worker processes started inside inherit an ignored SIGINT: Ctrl-C reaches the whole
    process group, and only the client should act on it (stop submitting, close the cluster,
    one line); a worker then finishes or abandons its scenario without printing tracebacks."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass
class BatchResult:
    out: Path
    index: Any  # pandas DataFrame, one row per scenario
    counts: dict
    wall_s: float
    paths: dict[str, Path]

    @property
    def failed(self) -> pd.DataFrame:
        return self.index[~self.index["ok"]]


def _execute(client, todo: list[Job], out: Path, outputs: str, html: bool,
             progress: Callable[[int], None], n_workers: int) -> None:
    from distributed import KilledWorker, as_completed

    root = out / "scenarios"
    token = uuid.uuid4().hex[:8]
    streams = streams_for(todo, n_workers)
    # each stream goes to one worker, its chunks in order, so a worker's Planner starts every
    # scenario from its neighbour's basis; loosely: an idle worker takes over chunks of a busy one,
    # and chunks of a worker that died go to the others (an existing cluster's workers alike)
    addresses = list(client.scheduler_info().get("workers", {}))
    pending, counter = {}, [0]

    def submit(chunk: list[Job], priority: int, worker: str | None = None):
        counter[0] += 1
        f = client.submit(run_chunk, [j.payload() for j in chunk], str(out), outputs, html,
                          key=f"hubplan-batch-{token}-{counter[0]:06d}", priority=priority, pure=False,
                          workers=[worker] if worker else None, allow_other_workers=bool(worker))
        pending[f] = chunk
        return f

    first = []
    for w, stream in enumerate(streams):
        worker = addresses[w % len(addresses)] if len(addresses) > 1 else None
        first.extend(submit(c, len(stream) - i, worker) for i, c in enumerate(stream))
    ac = as_completed(first)
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
                    ac.add(submit([j], len(todo) + 1))
                continue
            status, msg = "crashed", f"worker crashed while solving ({type(exc).__name__}: {exc})"
        except Exception as exc:  # noqa: BLE001 - e.g. the worker cannot see DIR, or lost the scheduler
            left = [j for j in chunk if not is_done(root / j.hash, outputs, html)]
            progress(len(chunk) - len(left))
            status, msg = "error", _error_text(exc)
        for j in left:
            write_failure(root, j.payload(), msg, status=status)
        progress(len(left))


def run_batch(points, out: str | Path, *, workers: int | None = None, scheduler: str | None = None,
              outputs: str = "full", html: bool = True, lever_keys: list[str] | None = None,
              progress: bool = True, console=None, command: str = "") -> BatchResult:
    """Run every point (a ``model.studies.sweep.Point``, (name, Scenario, levers) or ``Rejected``) and write DIR.

    A ``Rejected`` entry (a file that is not a valid scenario) is recorded as failed with status
    "invalid" and its message; the others run."""
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
    for j in unique.values():
        if j.error:
            write_failure(root, j.payload(), j.error, status="invalid")
    todo = [j for h, j in unique.items() if not j.error and not is_done(root / h, outputs, html)]
    reused = {h for h, j in unique.items() if not j.error} - {j.hash for j in todo}
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
    write_atomic(out / "summary.csv", lambda p: write_csv(summ, p))
    paths["summary.csv"] = out / "summary.csv"
    ds = None if not todo and _combined_current(out / "combined.nc", index, lever_keys) else combine(index, out, lever_keys)
    if ds is not None:
        # mostly zeros: zlib level 1 in large chunks (11 MB instead of 86 MB for 1,000 national scenarios)
        enc = {v: {"zlib": True, "complevel": 1, "chunksizes": (min(256, ds.sizes["scenario"]), *ds[v].shape[1:])}
               for v in ds.data_vars if ds[v].ndim > 2}
        write_atomic(out / "combined.nc", lambda p: write_netcdf(ds, p, encoding=enc))
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
           "levers": lever_keys, "finished": datetime.now(UTC).isoformat(timespec="seconds")}
    write_atomic(out / "batch.json", lambda p: _write_json(p, doc))
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
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

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

