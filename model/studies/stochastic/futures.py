"""Futures files: a set of futures, each an override of one base scenario, with a probability.

A futures file is YAML (``strict_yaml.load_yaml``, like a scenario: no tags, no code, no key
given twice; a regular file of at most 1 MB), validated by pydantic:

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
outages, policy floors). Read as strictly as a scenario: probabilities and ranges are numbers (not
true/false, not quoted text), ``n`` and ``seed`` whole numbers; probabilities are non-negative and
sum to 1 (within 1e-9); the set is non-empty, of at most ``MAX_FUTURES``; names are unique; a lever
in ``generate.ranges`` must be one a scenario has. Each bad entry raises one ``InputError`` naming
the file and field.
Futures may change numbers only: the index sets (latency bounds, dataset) must stay those of the
base, so the first-stage decisions mean the same thing in every future (checked when built).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import InputError
from ...inputs import MAX_SCENARIO_BYTES, SCENARIOS, Scenario, apply_changes, load_scenario
from ...inputs.paths import confine, read_input_bytes
from ...inputs.scenario import Line
from ...inputs.strict_yaml import load_yaml, printable
from ..sweep import latin_hypercube

PROBABILITY_TOL = 1e-9
MAX_FUTURES = 500  # each future is a copy of the second stage: the extensive form grows with the count


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


Number = Annotated[float, Field(strict=True)]  # strict: true/false and quoted text are not numbers


class FutureSpec(_Strict):
    name: Line = Field(min_length=1, max_length=120)
    probability: Annotated[float, Field(strict=True, ge=0, le=1)]
    changes: dict[str, Any] = {}


class Generate(_Strict):
    method: Literal["lhs"] = "lhs"
    n: Annotated[int, Field(strict=True, ge=1)]
    seed: Annotated[int, Field(strict=True, ge=0, le=2**32 - 1)] = 0
    ranges: dict[str, tuple[Number, Number]] = Field(min_length=1)


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
    try:
        text = read_input_bytes(path, MAX_SCENARIO_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "", "not UTF-8 text") from None
    return futures_from_dict(load_yaml(text, str(path)), str(path), path.parent)


def futures_from_dict(data: Any, source: str = "<futures>", base_dir: str | Path = ".") -> list[Future]:
    if not isinstance(data, dict):
        raise InputError(source, "", "expected a mapping with 'base' and 'futures' (or 'generate')")
    try:
        doc = FuturesFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(source, printable(".".join(str(p) for p in err["loc"])), _problem(err)) from None
    if (doc.futures is None) == (doc.generate is None):
        raise InputError(source, "futures", "give either 'futures' (written out) or 'generate', not both or neither")
    count = len(doc.futures) if doc.futures is not None else doc.generate.n
    if count > MAX_FUTURES:
        raise InputError(source, "futures" if doc.futures is not None else "generate.n",
                         f"{count:,} futures, above the limit of {MAX_FUTURES} futures (each is a copy of the "
                         "second stage in one LP); use fewer")
    base = load_scenario(confine(doc.base, base_dir, source, "base") if doc.base else SCENARIOS / "reference.yaml")
    specs = doc.futures if doc.futures is not None else _generated(doc.generate, base, source)
    if not specs:
        raise InputError(source, "futures", "the set of futures is empty")
    total = sum(s.probability for s in specs)
    if abs(total - 1.0) > PROBABILITY_TOL:
        raise InputError(source, "futures", f"probabilities sum to {total:.6g}, not 1")
    names = [s.name for s in specs]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise InputError(source, "futures", f"future name {printable(dup)!r} is used twice")
    out = []
    for i, s in enumerate(specs):
        _no_quoted_numbers(s.changes, source, f"futures[{i}].changes")
        try:
            sc = apply_changes(base, s.changes)
        except InputError as e:  # name the futures file and the future, not the base scenario
            raise InputError(source, f"futures[{i}].changes.{e.field}" if e.field else f"futures[{i}].changes",
                             e.problem) from None
        out.append(Future(s.name, s.probability, sc.model_copy(update={"name": f"{base.name}/{s.name}"}), s.changes,
                          base, source))
    return out


def _problem(err: dict) -> str:
    """pydantic's message, in the scenario reader's words where they say more."""
    if err["type"] == "extra_forbidden":
        return "unknown setting"
    if err["type"] in ("float_type", "int_type") and isinstance(err.get("input"), bool):
        return "expected a number, not true/false"
    if err["type"] in ("float_type", "int_type") and isinstance(err.get("input"), str):
        return "expected a number, not text (remove the quotes)"
    if err["type"] == "int_type":
        return "expected a whole number"
    return err["msg"].removeprefix("Value error, ")


def _no_quoted_numbers(changes: dict, source: str, field: str) -> None:
    """A change written as quoted text that reads as a number ('0.5') is refused, as for a probability."""
    for key, value in changes.items():
        if isinstance(value, dict):
            _no_quoted_numbers(value, source, f"{field}.{key}")
            continue
        try:
            quoted = isinstance(value, str) and float(value) == float(value)
        except ValueError:
            quoted = False
        if quoted:
            raise InputError(source, printable(f"{field}.{key}"), "expected a number, not text (remove the quotes)")


def _generated(g: Generate, base: Scenario, source: str) -> list[FutureSpec]:
    for key, (lo, hi) in g.ranges.items():
        if lo > hi:
            raise InputError(source, printable(f"generate.ranges.{key}"), f"low {lo} is above high {hi}")
        try:  # a misspelt lever is named where it is written, not in the first generated future
            apply_changes(base, {key: lo})
        except InputError as e:
            raise InputError(source, printable(f"generate.ranges.{key}"), e.problem) from None
    points = latin_hypercube([(k, lo, hi) for k, (lo, hi) in g.ranges.items()], g.n, g.seed)
    return [FutureSpec(name=f"lhs{i + 1:03d}", probability=1.0 / g.n, changes=p) for i, p in enumerate(points)]
