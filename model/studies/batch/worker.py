"""Worker side of a batch: one warm ``Planner`` per worker process; each scenario is solved and
its folder published, and every failure is recorded instead of raised."""
from __future__ import annotations

import os
import shutil
import socket
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...errors import InputError
from ...inputs.scenario import scenario_to_yaml
from ...reports.files import write_outputs
from ...reports.kpis import kpi_row
from .store import _publish, _tmp_folder, _write_json, is_done, result_arrays, write_failure

if TYPE_CHECKING:
    from ...run import Planner

_PLANNER = None  # one Planner per worker process, created on first use (keeps the compiled model)


def worker_planner(fresh: bool = False) -> Planner:
    global _PLANNER
    if _PLANNER is None or fresh:
        import highspy

        from ...run import Planner

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
           "started": datetime.now(UTC).isoformat(timespec="seconds"), "base_dir": item["base_dir"]}
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
    from ...inputs.scenario import scenario_from_dict

    tmp = None
    try:
        sc = scenario_from_dict(item["scenario"], item["source"], item["base_dir"])
        answer = worker_planner().answer(sc)
        if answer.manifest["scenario_hash"] != item["hash"]:
            # the dataset changed on disk since this worker cached it: reload and solve again
            answer = worker_planner(fresh=True).answer(sc)
        man = answer.manifest
        status = answer.status
        rec.update(status=status, objective=float(answer.objective), warm_start=bool(man.get("warm_start")),
                   iterations=man.get("iterations"), timings=man.get("timings", {}),
                   solved_hash=man["scenario_hash"])
        if status != "optimal":
            strict = "" if sc.policy.allow_unmet else " (strict mode: policy.allow_unmet is false, demand must be served in full)"
            conflicts = [c.get("text", str(c)) for c in man.get("conflicts", [])]
            rec["conflicts"] = conflicts
            why = f"; conflicting: {'; '.join(conflicts[:3])}" if conflicts else ""
            raise _NotOptimal(f"no optimal solution: {status}{strict}{why}")
        tmp = _tmp_folder(root, item["hash"])
        if outputs == "kpis":  # the headline straight from the solution arrays: no results Dataset
            kpis = answer.headline()
        else:
            (tmp / "scenario.yaml").write_text(scenario_to_yaml(sc), encoding="utf-8")
            res = answer.results
            if outputs == "full":
                write_outputs(res, tmp, html=html)
            np.savez(tmp / "arrays.npz", **result_arrays(res))
            kpis = kpi_row(res)
        rec.update(ok=True, error="", kpis=kpis, outputs=outputs, html=bool(html and outputs == "full"),
                   wall_s=time.perf_counter() - t0,
                   finished=datetime.now(UTC).isoformat(timespec="seconds"))
        if outputs == "kpis":
            rec["scenario"] = item["scenario"]  # the scenario as solved, in the record itself
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

