"""Saving to and reading from a workspace: scenarios (with author-given name and parent) and
solved runs (KPIs, timings, versions, the results file).

Every save is one transaction: a scenario and its run are kept together or not at all, and a
session never overwrites another's work. A name already taken by a different scenario gets the
next free suffix (``name #2``); saving the same scenario under the same name again returns the
saved one, and the same results file of the same scenario is one run. Under PostgreSQL two
sessions can both see a name free; the second insert then fails on the unique name and the
whole transaction is retried with the next suffix.
"""
from __future__ import annotations

import hashlib
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from .. import strict_json
from ..reports.files import read_results
from .connect import WorkspaceError, guarded, make_engine, prepare, write_ahead_log
from .schema import ResultsFile, Run, SavedScenario

MAX_NAME = 200
RETRIES = 20


@dataclass
class ScenarioRecord:
    yaml: str
    hash: str
    scenario_name: str
    name: str | None = None  # author-given; default: the scenario's own name
    parent_id: int | None = None
    kind: str = "scenario"
    origin: str = "app"


@dataclass
class RunRecord:
    source: str  # app | solve | batch | sweep | stochastic
    status: str
    objective: float | None
    kpis: dict
    command: str = ""
    timings: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    results: bytes | None = None  # the results.nc file; None: KPIs only (e.g. a lean sweep)


@dataclass(frozen=True)
class Saved:
    scenario_id: int
    name: str  # as saved (with a suffix when the name was taken)
    scenario_reused: bool  # the same scenario was already saved under this name
    run_id: int | None = None
    run_reused: bool = False  # the same results of the same scenario were already saved


def plain_json(doc: Any) -> Any:
    """JSON-safe: NaN/inf → null (PostgreSQL's json rejects NaN), numpy scalars → Python."""
    clean, _ = strict_json.finite_or_null(doc)
    return json.loads(json.dumps(clean, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def _name(rec: ScenarioRecord) -> str:
    name = " ".join((rec.name or rec.scenario_name or "").split())
    if not name:
        raise WorkspaceError("name", "a saved scenario needs a name")
    if len(name) > MAX_NAME - 8:
        raise WorkspaceError("name", f"longer than {MAX_NAME - 8} characters")
    return name


class Workspace:
    """An open workspace. ``Workspace(path_or_url)`` checks it (or creates it) at once;
    ``create=False`` opens only one that exists (``hubplan workspace list`` creates nothing)."""

    def __init__(self, where: str | Path, create: bool = True):
        self.engine, self.location = make_engine(where, create)
        try:
            prepare(self.engine, self.location, create)
            write_ahead_log(self.engine, self.location)
        except WorkspaceError:
            self.engine.dispose()
            raise
        self._writer = self.engine.execution_options(write=True)

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Session]:
        with Session(self._writer if write else self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    # -- saving ------------------------------------------------------------------------------------
    def save(self, scenario: ScenarioRecord, run: RunRecord | None = None) -> Saved:
        return self.save_many([(scenario, run)])[0]

    def save_many(self, items: list[tuple[ScenarioRecord, RunRecord | None]]) -> list[Saved]:
        """Save scenarios and their runs in one transaction (a batch's runs all or none)."""
        for rec, _ in items:
            _name(rec)
        with guarded(self.location):
            for _ in range(RETRIES):
                try:
                    with self._session(write=True) as s:
                        return [self._save_one(s, rec, run) for rec, run in items]
                except IntegrityError:
                    continue  # another session took a name between our read and our insert
        raise WorkspaceError(self.location, f"could not find a free name after {RETRIES} attempts (busy workspace?)")

    def _save_one(self, s: Session, rec: ScenarioRecord, run: RunRecord | None) -> Saved:
        sid, name, reused = self._save_scenario(s, rec)
        if run is None:
            return Saved(sid, name, reused)
        rid, run_reused = self._save_run(s, sid, run)
        return Saved(sid, name, reused, rid, run_reused)

    def _save_scenario(self, s: Session, rec: ScenarioRecord) -> tuple[int, str, bool]:
        base = _name(rec)
        taken = s.scalars(select(SavedScenario).where(or_(
            SavedScenario.name == base, SavedScenario.name.startswith(base + " #", autoescape=True)))).all()
        for t in taken:
            if t.hash == rec.hash and t.yaml == rec.yaml:
                return t.id, t.name, True
        names, label, n = {t.name for t in taken}, base, 2
        while label in names:
            label, n = f"{base} #{n}", n + 1
        if rec.parent_id is not None and s.get(SavedScenario, rec.parent_id) is None:
            raise WorkspaceError(self.location, f"parent scenario {rec.parent_id} is not in the workspace")
        row = SavedScenario(name=label, scenario_name=rec.scenario_name[:MAX_NAME], kind=rec.kind,
                            parent_id=rec.parent_id, yaml=rec.yaml, hash=rec.hash, origin=rec.origin,
                            created=datetime.now(UTC))
        s.add(row)
        s.flush()  # the unique name is checked here (IntegrityError → retry)
        return row.id, label, False

    def _save_run(self, s: Session, scenario_id: int, run: RunRecord) -> tuple[int, bool]:
        sha = hashlib.sha256(run.results).hexdigest() if run.results is not None else None
        if sha is not None:
            same = s.scalar(select(Run.id).where(Run.scenario_id == scenario_id, Run.results_sha256 == sha))
            if same is not None:
                return same, True
        row = Run(scenario_id=scenario_id, source=run.source, command=run.command, status=run.status[:80],
                  objective=plain_json(run.objective), kpis=plain_json(run.kpis), timings=plain_json(run.timings),
                  versions=plain_json(run.versions), results_sha256=sha, created=datetime.now(UTC))
        s.add(row)
        s.flush()
        if run.results is not None:
            s.add(ResultsFile(run_id=row.id, size=len(run.results), data=zlib.compress(run.results, 6)))
        return row.id, False

    # -- reading -----------------------------------------------------------------------------------
    def scenarios(self) -> pd.DataFrame:
        """Saved scenarios, newest first: id, name, scenario_name, kind, parent, hash, origin, created, runs."""
        parent = aliased(SavedScenario)
        runs = select(Run.scenario_id, func.count(Run.id).label("n")).group_by(Run.scenario_id).subquery()
        q = (select(SavedScenario.id, SavedScenario.name, SavedScenario.scenario_name, SavedScenario.kind,
                    parent.name.label("parent"), SavedScenario.hash, SavedScenario.origin, SavedScenario.created,
                    func.coalesce(runs.c.n, 0).label("runs"))
             .outerjoin(parent, SavedScenario.parent_id == parent.id)
             .outerjoin(runs, runs.c.scenario_id == SavedScenario.id)
             .order_by(SavedScenario.id.desc()))
        with guarded(self.location), self._session() as s:
            return pd.DataFrame(s.execute(q).mappings().all(), columns=list(q.selected_columns.keys()))

    def runs(self) -> pd.DataFrame:
        """Solved runs, newest first: id, scenario_id, scenario, source, status, objective, created,
        has_results, command."""
        q = (select(Run.id, Run.scenario_id, SavedScenario.name.label("scenario"), Run.source, Run.status,
                    Run.objective, Run.created, Run.results_sha256.is_not(None).label("has_results"), Run.command)
             .join(SavedScenario, Run.scenario_id == SavedScenario.id).order_by(Run.id.desc()))
        with guarded(self.location), self._session() as s:
            return pd.DataFrame(s.execute(q).mappings().all(), columns=list(q.selected_columns.keys()))

    def run(self, run_id: int) -> dict:
        """Everything about one run but its results file: the run's fields, plus ``scenario``
        (saved name), ``scenario_name``, ``kind``, ``yaml`` and ``parent_id``."""
        with guarded(self.location), self._session() as s:
            r = s.get(Run, int(run_id))
            if r is None:
                raise WorkspaceError(self.location, f"no run {run_id} in the workspace")
            sc = s.get(SavedScenario, r.scenario_id)
            return {"id": r.id, "scenario_id": r.scenario_id, "source": r.source, "command": r.command,
                    "status": r.status, "objective": r.objective, "kpis": r.kpis, "timings": r.timings,
                    "versions": r.versions, "has_results": r.results_sha256 is not None, "created": r.created,
                    "scenario": sc.name, "scenario_name": sc.scenario_name, "kind": sc.kind, "yaml": sc.yaml,
                    "parent_id": sc.parent_id, "hash": sc.hash}

    def scenario(self, scenario_id: int) -> dict:
        with guarded(self.location), self._session() as s:
            sc = s.get(SavedScenario, int(scenario_id))
            if sc is None:
                raise WorkspaceError(self.location, f"no scenario {scenario_id} in the workspace")
            return {"id": sc.id, "name": sc.name, "scenario_name": sc.scenario_name, "kind": sc.kind,
                    "yaml": sc.yaml, "hash": sc.hash, "parent_id": sc.parent_id, "origin": sc.origin}

    def results_bytes(self, run_id: int) -> bytes | None:
        """The run's results.nc as saved (checked against its hash), or None for a KPIs-only run."""
        with guarded(self.location), self._session() as s:
            f = s.get(ResultsFile, int(run_id))
            sha = s.scalar(select(Run.results_sha256).where(Run.id == int(run_id)))
            data = None if f is None else f.data
        if data is None:
            return None
        try:
            raw = zlib.decompress(data)
        except zlib.error:
            raw = b""
        if hashlib.sha256(raw).hexdigest() != sha:
            raise WorkspaceError(self.location, f"the results file of run {run_id} is damaged (hash differs)")
        return raw

    def results(self, run_id: int) -> xr.Dataset | None:
        """The run's results Dataset, read from the saved file: no solve."""
        raw = self.results_bytes(run_id)
        return None if raw is None else read_results(io.BytesIO(raw))

    def close(self) -> None:
        self.engine.dispose()
