"""What the client knows about each scenario of a batch: a job (name, hash, scenario, levers),
and how jobs are grouped into chunks that share a model structure."""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...inputs.scenario import FILE_FIELDS, Scenario, scenario_hash

MAX_CHUNK = 20


@dataclass
class Rejected:
    """A batch entry whose file could not be read as a scenario: recorded as failed, never run."""
    name: str
    error: str  # the InputError line
    levers: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    name: str
    hash: str
    scenario: Scenario | None  # None: rejected before the run (see ``error``)
    levers: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def payload(self) -> dict:
        """The plain description a worker receives."""
        sc = self.scenario
        if sc is None:
            return {"name": self.name, "hash": self.hash, "levers": self.levers}
        return {"name": self.name, "hash": self.hash, "levers": self.levers,
                "scenario": sc.model_dump(mode="json"), "source": sc.source, "base_dir": str(sc.base_dir)}

    def structure(self) -> str:
        """What decides the LP's structure (index sets, N-1 blocks, integer builds), so that
        scenarios with equal keys are sent together. Only a scheduling hint: the worker's Planner
        compares the built structures itself and rebuilds whenever they differ."""
        sc = self.scenario
        return json.dumps([sc.dataset_key(), str(sc.resolve(sc.latency_matrix) or ""),
                           sorted(sc.latency_bounds_ms.items()), sc.policy.n_minus_1,
                           sc.modular_builds is not None], default=str)


def _fingerprint(sc: Scenario, cache: dict[str, str]) -> str:
    from ...inputs.build import dataset_fingerprint
    from ...inputs.dataset import load_dataset

    key = sc.dataset_key()
    if key not in cache:
        try:
            cache[key] = dataset_fingerprint(load_dataset(sc.input_path("dataset")))
        except InputError:
            cache[key] = "unreadable"  # the worker reports the dataset's error for this scenario
    return cache[key]


def _hash(sc: Scenario, fingerprint: str) -> str:
    try:
        return scenario_hash(sc, fingerprint)
    except InputError:  # a named file cannot be read: the worker reports its error for this scenario
        paths = json.dumps({f: str(sc.resolve(getattr(sc, f))) for f in FILE_FIELDS if getattr(sc, f)})
        return scenario_hash(sc.model_copy(update=dict.fromkeys(FILE_FIELDS)), f"{fingerprint} unreadable {paths}")


def make_jobs(points) -> list[Job]:
    """Points (``model.studies.sweep.Point``, (name, Scenario, levers) tuples or ``Rejected``) → jobs.

    HiGHS runs with one thread per worker, so ``solver.threads`` is set to 1 (and hashed so)."""
    cache: dict[str, str] = {}
    jobs = []
    for p in points:
        if isinstance(p, Rejected):  # keyed by its message, which names the file
            h = hashlib.sha256(("rejected\0" + p.error).encode()).hexdigest()[:16]
            jobs.append(Job(p.name, h, None, dict(p.levers), p.error))
            continue
        name, sc, levers = (p.name, p.scenario, p.levers) if hasattr(p, "scenario") else p
        sc = sc.single_threaded().model_copy(update={"base_dir": str(Path(sc.base_dir).resolve())})  # workers' cwd may differ
        jobs.append(Job(name, _hash(sc, _fingerprint(sc, cache)), sc, dict(levers)))
    return jobs


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

