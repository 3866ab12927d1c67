"""What the command line registers in a workspace: ``solve``'s run, every solved scenario of a
``batch`` or ``sweep`` (read back from the batch folder), and a ``stochastic`` plan. Runs are
read from the files the command has just written, so the workspace holds exactly what is on disk."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import xarray as xr

from ..inputs.scenario import Scenario, scenario_to_yaml
from ..reports.kpis import kpi_row
from ..results import manifest_of
from ..run import versions
from .store import RunRecord, Saved, ScenarioRecord, Workspace


def open_workspace(where: str | None) -> Workspace | None:
    """The workspace named by ``--workspace`` (or its environment variable), checked now so that a
    bad one fails before any solving; None when none is given."""
    return Workspace(where) if where else None


def solve_records(sc: Scenario, res: xr.Dataset, results_nc: Path, command: str) -> list[tuple[ScenarioRecord, RunRecord]]:
    man = manifest_of(res)
    return [(ScenarioRecord(scenario_to_yaml(sc), str(res.attrs["scenario_hash"]), sc.name, origin=sc.source),
            RunRecord("solve", str(res.attrs["status"]), float(res.attrs["objective"]), kpi_row(res), command,
                      man.get("timings", {}), man.get("versions", {}), results_nc.read_bytes()))]


def batch_records(out: Path, index, source: str, command: str) -> list[tuple[ScenarioRecord, RunRecord]]:
    """One (scenario, run) per solved scenario of a batch folder (``index``: ``BatchResult.index``);
    a lean run (``--outputs lean``: no results.nc) is registered with its KPIs only."""
    items, seen = [], set()
    for row in index[index["ok"]].itertuples():
        if row.scenario_hash in seen:
            continue
        seen.add(row.scenario_hash)
        folder = Path(out) / row.dir
        rec = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        nc = folder / "results.nc"
        origin = str(getattr(row, "file", None) or folder)
        items.append((ScenarioRecord((folder / "scenario.yaml").read_text(encoding="utf-8"), row.scenario_hash,
                                     str(row.name), origin=origin),
                      RunRecord(source, str(rec.get("status", "optimal")), rec.get("objective"), rec.get("kpis", {}),
                                command, rec.get("timings", {}), versions(),
                                nc.read_bytes() if nc.is_file() else None)))
    return items


STOCHASTIC_KPIS = ("objective_value", "RP", "EEV", "WS", "VSS", "EVPI")


def stochastic_records(futures: Path, ds: xr.Dataset, results_nc: Path, command: str) -> list[tuple[ScenarioRecord, RunRecord]]:
    """The futures file as the saved "scenario" (kind futures) and the plan's answers as KPIs."""
    text = Path(futures).read_text(encoding="utf-8")
    kpis = {k: float(ds.attrs[k]) for k in STOCHASTIC_KPIS if k in ds.attrs}
    kpis.update(objective=ds.attrs.get("objective"), futures=int(ds.sizes.get("future", 0)))
    return [(ScenarioRecord(text, hashlib.sha256(text.encode()).hexdigest()[:16], Path(futures).stem, kind="futures",
                           origin=str(futures)),
            RunRecord("stochastic", str(ds.attrs.get("status", "optimal")), kpis.get("objective_value"), kpis, command,
                      {}, versions(), results_nc.read_bytes()))]


def register(ws: Workspace, items: list[tuple[ScenarioRecord, RunRecord]]) -> str:
    """Save the runs in one transaction; the line the CLI prints."""
    saved: list[Saved] = ws.save_many(items)
    new = sum(not s.run_reused for s in saved)
    names = ", ".join(f"run {s.run_id} ({s.name})" for s in saved[:3]) + (", …" if len(saved) > 3 else "")
    return (f"workspace {ws.location}: {new} run(s) registered" + (f", {len(saved) - new} already there" if new < len(saved) else "")
            + (f": {names}" if saved else ""))
