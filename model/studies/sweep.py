"""Expand one base scenario into many: a full grid or a Latin-hypercube sample over levers.

A lever is a dotted path into the scenario YAML, e.g. ``carbon_price_yuan_per_t``,
``demand.scale``, ``policy.min_west_share``, ``clusters.qingyang.pue`` or
``electricity_price_scale``; intermediate mappings are created as needed
(``clusters.qingyang`` need not exist in the base file; ``model.inputs.scenario.apply_changes``).

- **grid** (``--set KEY=V1,V2,...``): every combination of the listed values, the first
  ``--set`` varying slowest. Values are YAML scalars (``1.2``, ``300``, ``true``, ``null``, text);
  a ``--set`` with one value simply overrides the base file. Commas separate values, so a
  value cannot be a list or contain a comma.
- **lhs** (``--sample lhs --n N --seed S``, each ``--set KEY=LOW,HIGH``): N points; each lever's
  range is cut into N equal bins and every bin is hit exactly once (a random permutation per
  lever, a uniform draw inside each bin), so the sample is stratified in every lever and the
  same seed gives the same sample. Values are floats (continuous levers only); a ``--set``
  with a single value is a fixed override.

Every expanded scenario is validated by the ``Scenario`` model; a bad key or value raises an
``InputError`` naming it (the CLI prints it and exits with code 2).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import InputError
from ..inputs.scenario import Scenario, apply_changes, load_scenario

SAMPLES = ("grid", "lhs")
MAX_SCENARIOS = 100_000


@dataclass
class Point:
    """One expanded scenario with the lever values that made it."""
    name: str
    scenario: Scenario
    levers: dict[str, Any] = field(default_factory=dict)


def parse_value(text: str, key: str) -> Any:
    """One YAML scalar (number, bool, null or text)."""
    try:
        v = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InputError("--set", key, f"value {text!r} is not a YAML scalar") from None
    if isinstance(v, (dict, list)):
        raise InputError("--set", key, f"value {text!r} is not a scalar (lists and mappings are not supported)")
    return v


def parse_set(text: str) -> tuple[str, list[Any]]:
    """``KEY=V1,V2,...`` → (KEY, [values])."""
    key, sep, rest = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError("--set", text, "expected KEY=VALUE[,VALUE...], e.g. demand.scale=0.9,1.0,1.1")
    parts = key.split(".")
    if any(p == "" for p in parts):
        raise InputError("--set", key, "empty part in the dotted key")
    values = [parse_value(v.strip(), key) for v in rest.split(",")]
    if any(v is None and s.strip() == "" for v, s in zip(values, rest.split(","))):
        raise InputError("--set", key, "empty value (write null for no value)")
    return key, values


def grid(sets: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    """All combinations, the first lever varying slowest."""
    keys = [k for k, _ in sets]
    return [dict(zip(keys, combo)) for combo in itertools.product(*(v for _, v in sets))]


def latin_hypercube(bounds: list[tuple[str, float, float]], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` points, stratified in every lever: value = low + (bin + u) / n · (high − low)."""
    rng = np.random.default_rng(seed)
    cols = {}
    for key, lo, hi in bounds:
        unit = (rng.permutation(n) + rng.random(n)) / n
        cols[key] = lo + unit * (hi - lo)
    return [{k: float(cols[k][i]) for k in cols} for i in range(n)]


def _number(v: Any, key: str, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise InputError("--set", key, f"{what} must be a finite number for --sample lhs, got {v!r}")
    return float(v)


def expand(base: str | Path, sets: list[str], sample: str = "grid", n: int | None = None,
           seed: int = 0) -> list[Point]:
    """Expand ``base`` by the ``--set`` texts; every point is a validated Scenario."""
    if sample not in SAMPLES:
        raise InputError("--sample", "", f"expected one of {', '.join(SAMPLES)}, got {sample!r}")
    base_sc = load_scenario(base)
    parsed = [parse_set(s) for s in sets]
    seen = set()
    for key, _ in parsed:
        if key in seen:
            raise InputError("--set", key, "given more than once")
        seen.add(key)
    if sample == "grid":
        if n is not None:
            raise InputError("--n", "", "only used with --sample lhs")
        size = math.prod(len(v) for _, v in parsed)
        if size > MAX_SCENARIOS:
            raise InputError("--set", "", f"the grid has {size:,} scenarios (more than {MAX_SCENARIOS:,})")
        combos = grid(parsed)
    else:
        if n is None or n < 1:
            raise InputError("--n", "", "--sample lhs needs --n N (N ≥ 1 points)")
        if n > MAX_SCENARIOS:
            raise InputError("--n", "", f"more than {MAX_SCENARIOS:,} points")
        fixed = {k: v[0] for k, v in parsed if len(v) == 1}
        bounds = []
        for key, values in parsed:
            if len(values) == 1:
                continue
            if len(values) != 2:
                raise InputError("--set", key, f"--sample lhs takes LOW,HIGH bounds, got {len(values)} values")
            lo, hi = _number(values[0], key, "LOW"), _number(values[1], key, "HIGH")
            if lo > hi:
                raise InputError("--set", key, f"LOW ({lo:g}) is above HIGH ({hi:g})")
            bounds.append((key, lo, hi))
        combos = [{**fixed, **pt} for pt in latin_hypercube(bounds, n, seed)] if bounds else [dict(fixed) for _ in range(n)]
    width = max(4, len(str(len(combos))))
    points = []
    for i, levers in enumerate(combos):
        name = f"{base_sc.name[:110]}-{i + 1:0{width}d}" if len(combos) > 1 else base_sc.name
        try:
            sc = apply_changes(base_sc, {**levers, "name": name})
        except InputError as exc:  # name the --set key (the field) and the base file
            raise InputError(f"{base} --set", exc.field, exc.problem) from None
        points.append(Point(name, sc, levers))
    return points


def check_ids(points: list[Point], base: str | Path) -> None:
    """Build the first point's inputs, so an unknown id inside a key (``clusters.<id>.pue``,
    ``demand.class_scale.<id>``) is an error before anything runs, not one failure per scenario."""
    from ..inputs.build import build_inputs

    if points:
        try:
            build_inputs(points[0].scenario)
        except InputError as exc:
            raise InputError(f"{base} --set", exc.field, exc.problem) if exc.field else exc from None
