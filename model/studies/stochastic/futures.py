"""Futures files: a set of futures, each an override of one base scenario, with a probability.

A futures file is YAML (``yaml.safe_load``; no tags, no code), validated by pydantic:

    base: reference.yaml            # scenario file, relative to this file
    futures:                        # written out ...
      - name: ai_low
        probability: 0.25
        changes: {demand.class_growth.ai_training: 0.25}   # dotted lever paths (model/studies/sweep.py)
    generate:                       # ... or generated (one of the two)
      method: lhs                   # seeded Latin hypercube, equal probabilities 1/n
      n: 30
      seed: 1
      ranges: {demand.class_growth.ai_training: [0.25, 0.60], carbon_price_yuan_per_t: [60, 200]}

Every lever a scenario can set may vary (demand paths by class and region, prices, carbon price,
outages, policy floors). Probabilities are non-negative and sum to 1 (within 1e-9); the set is
non-empty; names are unique. Each bad entry raises one ``InputError`` naming the file and field.
Futures may change numbers only: the index sets (latency bounds, dataset) must stay those of the
base, so the first-stage decisions mean the same thing in every future (checked when built).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import InputError
from ...inputs import MAX_SCENARIO_BYTES, SCENARIOS, Scenario, apply_changes, load_scenario
from ..sweep import latin_hypercube

PROBABILITY_TOL = 1e-9


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class FutureSpec(_Strict):
    name: str = Field(min_length=1, max_length=120)
    probability: Annotated[float, Field(ge=0, le=1)]
    changes: dict[str, Any] = {}


class Generate(_Strict):
    method: Literal["lhs"] = "lhs"
    n: Annotated[int, Field(ge=1, le=10_000)]
    seed: Annotated[int, Field(ge=0)] = 0
    ranges: dict[str, tuple[float, float]] = Field(min_length=1)


class FuturesFile(_Strict):
    base: str | None = None  # scenario file relative to the futures file; None: the bundled reference
    futures: list[FutureSpec] | None = None
    generate: Generate | None = None


@dataclass
class Future:
    name: str
    probability: float
    scenario: Scenario
    changes: dict[str, Any]
    base: Scenario  # the scenario the changes apply to (recorded in the manifest)
    source: str = "<futures>"  # the futures file, for messages


def load_futures(path: str | Path) -> list[Future]:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "", "file not found")
    if path.stat().st_size > MAX_SCENARIO_BYTES:
        raise InputError(path, "", f"larger than {MAX_SCENARIO_BYTES // 1000} kB")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        raise InputError(path, "", "not valid UTF-8 YAML") from None
    return futures_from_dict(data, str(path), path.parent)


def futures_from_dict(data: Any, source: str = "<futures>", base_dir: str | Path = ".") -> list[Future]:
    if not isinstance(data, dict):
        raise InputError(source, "", "expected a mapping with 'base' and 'futures' (or 'generate')")
    try:
        doc = FuturesFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
        raise InputError(source, ".".join(str(p) for p in err["loc"]), msg) from None
    base_path = Path(base_dir) / doc.base if doc.base else SCENARIOS / "reference.yaml"
    base = load_scenario(base_path)
    if (doc.futures is None) == (doc.generate is None):
        raise InputError(source, "futures", "give either 'futures' (written out) or 'generate', not both or neither")
    specs = doc.futures if doc.futures is not None else _generated(doc.generate, source)
    if not specs:
        raise InputError(source, "futures", "the set of futures is empty")
    total = sum(s.probability for s in specs)
    if abs(total - 1.0) > PROBABILITY_TOL:
        raise InputError(source, "futures", f"probabilities sum to {total:.6g}, not 1")
    names = [s.name for s in specs]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise InputError(source, "futures", f"future name {dup!r} is used twice")
    out = []
    for i, s in enumerate(specs):
        try:
            sc = apply_changes(base, s.changes)
        except InputError as e:  # name the futures file and the future, not the base scenario
            raise InputError(source, f"futures[{i}].changes.{e.field}" if e.field else f"futures[{i}].changes",
                             e.problem) from None
        out.append(Future(s.name, s.probability, sc.model_copy(update={"name": f"{base.name}/{s.name}"}), s.changes,
                          base, source))
    return out


def _generated(g: Generate, source: str) -> list[FutureSpec]:
    for key, (lo, hi) in g.ranges.items():
        if lo > hi:
            raise InputError(source, f"generate.ranges.{key}", f"low {lo} is above high {hi}")
    points = latin_hypercube([(k, lo, hi) for k, (lo, hi) in g.ranges.items()], g.n, g.seed)
    return [FutureSpec(name=f"lhs{i + 1:03d}", probability=1.0 / g.n, changes=p) for i, p in enumerate(points)]
