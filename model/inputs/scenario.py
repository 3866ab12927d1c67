"""Scenario files: a YAML document that names a dataset and overrides any lever.

Parsed with ``yaml.safe_load`` (no tags, no code) and validated by pydantic; every message names
the file and the dotted field. ``scenario_hash`` identifies a scenario by its content together
with the dataset files it uses, so batch results can be keyed by it.
"""
from __future__ import annotations

import hashlib
import json
import math
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from ..errors import InputError, did_you_mean, raise_all
from .schema import Column, overridable

MAX_SCENARIO_BYTES = 1_000_000
SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"

NonNeg = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Growth = Annotated[float, Field(ge=-0.5, le=2)]
NO_BOUND = "none"  # a latency bound of "none": the class has no bound (null: the dataset's)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DemandLevers(_Strict):
    """Demand levers (docs/math.md, "Scenario inputs"):

    - ``class_growth[w] = g``: class w grows at g per year from the first year, replacing the
      dataset's path: D[r,w,y] = D[r,w,y0] (1 + g)^(y - y0);
    - ``region_growth[r] = h``: region r gets an extra factor (1 + h)^(y - y0) (h may be < 0);
    - then everything is multiplied by ``scale`` × ``class_scale[w]`` × ``region_scale[r]``.
    """

    scale: NonNeg = 1.0
    class_scale: dict[str, NonNeg] = {}
    region_scale: dict[str, NonNeg] = {}
    class_growth: dict[str, Growth] = {}
    region_growth: dict[str, Growth] = {}


def _override_field(c: Column):
    """An optional override of a catalogue column, within the column's range (None: the dataset's)."""
    bounds = {"ge": c.lo} | ({"le": c.hi} if math.isfinite(c.hi) else {})
    return Annotated[float, Field(description=f"{c.zh} {c.en} ({c.unit})", **bounds)] | None, None


# one optional field per cluster attribute the catalogue lets a scenario override
ClusterLevers = create_model("ClusterLevers", __base__=_Strict,
                             **{c.name: _override_field(c) for c in overridable("clusters.csv")})


class Outage(_Strict):
    cluster: str
    years: list[int] | None = Field(None, min_length=1)  # None: every year


class Policy(_Strict):
    utilisation_floor: Share | None = None  # 上架率 floor on each cluster's capacity
    min_green_share: Share | None = None  # green power share of each cluster's supply
    min_west_share: Share | None = None  # share of non-real-time work served in western hubs
    emission_cap_t: NonNeg | None = None  # carbon budget over the horizon, tCO2 (hard); None: no cap
    allow_unmet: bool = True  # False: strict mode, demand must be served in full
    n_minus_1: bool = False  # the plan must survive the loss of any single cluster


class ModularBuilds(_Strict):
    """Capacity is added in blocks of ``block_racks`` with a fixed cost per block (a MILP)."""
    block_racks: Annotated[float, Field(gt=0)]
    fixed_cost_yuan_per_block: NonNeg = 0.0
    relax: bool = False  # True: the LP relaxation (blocks continuous)


class SolverOptions(_Strict):
    time_limit_s: Annotated[float, Field(gt=0, le=86400)] = 300.0
    mip_rel_gap: Annotated[float, Field(ge=0, le=1)] = 1e-4
    threads: Annotated[int, Field(ge=1, le=64)] = 1
    random_seed: Annotated[int, Field(ge=0)] = 0
    method: str = Field("choose", pattern="^(choose|simplex|ipm)$")


class Scenario(_Strict):
    name: str = Field("scenario", min_length=1, max_length=120)
    description: str = ""
    dataset: str | None = None  # folder; relative to the scenario file; None: bundled data
    latency_matrix: str | None = None  # CSV region_id × cluster_id of measured one-way ms
    carbon_price_yuan_per_t: NonNeg | None = None
    discount_rate: Annotated[float, Field(ge=0, le=0.5)] | None = None
    unmet_penalty_yuan_per_rack_year: NonNeg | None = None
    electricity_price_scale: NonNeg = 1.0
    green_price_scale: NonNeg = 1.0
    # workload -> one-way bound in ms; "none": no bound; null (or absent): the dataset's bound
    latency_bounds_ms: dict[str, NonNeg | Literal[NO_BOUND] | None] = {}
    demand: DemandLevers = DemandLevers()
    clusters: dict[str, ClusterLevers] = {}
    outages: list[Outage] = []
    policy: Policy = Policy()
    modular_builds: ModularBuilds | None = None
    solver: SolverOptions = SolverOptions()

    # where relative paths are resolved, and what to name in messages
    source: str = Field("<scenario>", exclude=True)
    base_dir: str = Field(".", exclude=True)

    def resolve(self, rel: str | None) -> Path | None:
        return None if rel is None else (Path(self.base_dir) / rel).resolve()

    def dataset_key(self) -> str:
        """Which dataset the scenario uses ("" for the bundled one): the key of every dataset cache."""
        return str(self.resolve(self.dataset)) if self.dataset else ""

    def single_threaded(self) -> Scenario:
        """The scenario with HiGHS on one thread — the one value a process of many solves can use
        (the app's sessions and a batch's workers share a HiGHS scheduler per process)."""
        if self.solver.threads == 1:
            return self
        return self.model_copy(update={"solver": self.solver.model_copy(update={"threads": 1})})


def _field(loc) -> str:
    return ".".join(str(p) for p in loc)


def _unwrap(node):
    """The model or container inside Optional[...] / Annotated[...]."""
    while typing.get_origin(node) in (typing.Union, types.UnionType, typing.Annotated):
        args = typing.get_args(node)
        node = args[0] if typing.get_origin(node) is typing.Annotated else next(a for a in args if a is not type(None))
    return node


def _fields_at(loc: tuple) -> list[str]:
    """Setting names allowed at the parent of ``loc`` (for "did you mean" on an unknown one)."""
    node = Scenario
    for part in loc[:-1]:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel) and str(part) in node.model_fields:
            node = node.model_fields[str(part)].annotation
        elif typing.get_origin(node) in (dict, list):
            node = typing.get_args(node)[-1]  # a key or an index: the value's type
        else:
            return []
    node = _unwrap(node)
    return list(node.model_fields) if isinstance(node, type) and issubclass(node, BaseModel) else []


def scenario_from_dict(data: Any, source: str = "<scenario>", base_dir: str | Path = ".") -> Scenario:
    """Validate a scenario document; every problem is reported (``InputError.more``), and an unknown
    setting names the closest known one."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(source, "", "expected a mapping of scenario settings at the top level")
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                hint = did_you_mean(err["loc"][-1], _fields_at(err["loc"])).strip(" ()")
                msg = f"unknown setting ({hint or 'check spelling;'} the levers are listed in README.md, Scenarios)"
            problems.append(InputError(source, _field(err["loc"]), msg))
        raise_all(problems)
    return sc.model_copy(update={"source": source, "base_dir": str(base_dir)})


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario YAML file safely and validate it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "", "file not found")
    if path.stat().st_size > MAX_SCENARIO_BYTES:
        raise InputError(path, "", f"larger than {MAX_SCENARIO_BYTES // 1000} kB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "", "not UTF-8 text") from None
    return parse_scenario_text(text, str(path), path.parent)


def parse_scenario_text(text: str, source: str = "<scenario>", base_dir: str | Path = ".") -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()
        raise InputError(source, "", f"not valid YAML ({' '.join(first[:2])})") from None
    return scenario_from_dict(data, source, base_dir)


def scenario_to_yaml(sc: Scenario) -> str:
    """YAML text that ``load_scenario`` reads back to the same scenario."""
    return yaml.safe_dump(sc.model_dump(mode="json", exclude_defaults=True), allow_unicode=True, sort_keys=False)


def scenario_hash(sc: Scenario, dataset_fingerprint: str) -> str:
    """Content hash of the scenario (its name and description excluded) and its dataset."""
    body = sc.model_dump(mode="json", exclude={"name", "description"})
    blob = json.dumps(body, sort_keys=True) + dataset_fingerprint
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def apply_changes(sc: Scenario, changes: dict[str, Any]) -> Scenario:
    """A new, validated scenario with ``changes`` applied. Keys are dotted paths into the
    scenario document (``carbon_price_yuan_per_t``, ``policy.min_west_share``,
    ``clusters.qingyang.pue``); mappings given as values are merged, lists replaced."""
    doc = sc.model_dump(mode="json")
    for path, value in changes.items():
        node, keys = doc, path.split(".")
        for k in keys[:-1]:
            if not isinstance(node.get(k), dict):
                node[k] = {}
            node = node[k]
        last = keys[-1]
        if isinstance(value, dict) and isinstance(node.get(last), dict):
            node[last] = _merged(node[last], value)
        else:
            node[last] = value
    return scenario_from_dict(doc, sc.source, sc.base_dir)


def _merged(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
