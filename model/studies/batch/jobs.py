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


def sweep_order(jobs: list[Job]) -> list[Job]:
    """The jobs in a reflected (boustrophedon) order of their lever values, so that in a grid each
    scenario differs from the one before in one lever by one step, and a warm start begins close to
    the new optimum. A lever's values are ranked by size when they are all numbers (else in order of
    first appearance); lever k's rank is read backwards when the ranks before it sum to an odd
    number — the reflected mixed-radix Gray code. Grid order ``(a1, b1), (a1, b2), (a2, b1)`` becomes
    ``(a1, b1), (a1, b2), (a2, b2), (a2, b1)``. Only the order of solving: the index keeps the
    command's order."""
    keys = list(dict.fromkeys(k for j in jobs for k in j.levers))
    ranks = {}
    for k in keys:
        values = list(dict.fromkeys(json.dumps(j.levers.get(k), sort_keys=True, default=str) for j in jobs))
        parsed = [json.loads(v) for v in values]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in parsed):
            values = [v for _, v in sorted(zip(parsed, values))]
        ranks[k] = {v: i for i, v in enumerate(values)}

    def reflected(j: Job) -> tuple[int, ...]:
        out, total = [], 0
        for k in keys:
            r = ranks[k][json.dumps(j.levers.get(k), sort_keys=True, default=str)]
            out.append(r if total % 2 == 0 else len(ranks[k]) - 1 - r)
            total += r
        return tuple(out)

    return sorted(jobs, key=reflected)


def streams_for(jobs: list[Job], n_workers: int) -> list[list[list[Job]]]:
    """Per worker, its chunks in the order to solve them: the jobs grouped by model structure, each
    group in ``sweep_order`` and cut into ``n_workers`` contiguous streams, each stream into chunks
    (at most ``MAX_CHUNK``, about a quarter of the stream, so progress shows and an idle worker can
    take over the end of another's stream). A worker that solves its stream chunk after chunk starts
    every scenario warm from its neighbour in the order."""
    n = max(1, n_workers)
    groups: dict[str, list[Job]] = {}
    for j in jobs:
        groups.setdefault(j.structure(), []).append(j)
    out: list[list[list[Job]]] = [[] for _ in range(n)]
    for g in groups.values():
        g = sweep_order(g)
        bounds = [round(i * len(g) / n) for i in range(n + 1)]
        for w in range(n):
            stream = g[bounds[w]:bounds[w + 1]]
            size = max(1, min(MAX_CHUNK, math.ceil(len(stream) / 4)))
            out[w].extend(stream[i:i + size] for i in range(0, len(stream), size))
    return out


def chunks_for(jobs: list[Job], n_workers: int) -> list[list[Job]]:
    """``streams_for``'s chunks one stream after another."""
    return [c for stream in streams_for(jobs, n_workers) for c in stream]
