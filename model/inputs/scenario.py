"""Scenario files: a YAML document that names a dataset and overrides any lever.

Parsed with ``strict_yaml.load_yaml`` (a SafeLoader that also refuses duplicate keys: no tags,
no code) and validated by pydantic; every message names the file and the dotted field. Every
range comes from the catalogues: ``settings.py`` (scenario-level settings) and ``schema.py``
(per-cluster overrides). ``scenario_hash`` identifies a scenario by its content together
with the dataset files it uses, so batch results can be keyed by it.
"""
from __future__ import annotations

import hashlib
import json
import types
import typing
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError, create_model

from ..errors import InputError, did_you_mean, raise_all
from .paths import MAX_FILE_BYTES, confine, inside, read_input_bytes
from .schema import LIFECYCLE_FILES, Column, overridable
from .settings import REQUIRED, at
from .strict_yaml import load_yaml, printable

MAX_SCENARIO_BYTES = 1_000_000
SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"
INTERNAL_KEYS = ("source", "base_dir")  # set by the loader, never by a file


# -- value types: every range comes from settings.CATALOGUE and schema.FILES ---------------------
def _no_bool(v: Any) -> Any:
    if isinstance(v, bool):  # YAML true/false would otherwise be read as 1/0
        raise ValueError("expected a number, not true/false")
    return v


def _plain_text(v: str) -> str:
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in v):
        raise ValueError("control characters (such as NUL) are not allowed")
    return v


def _one_line(v: str) -> str:
    if any(unicodedata.category(ch) == "Cc" for ch in v):
        raise ValueError("control characters (such as NUL, tab or newline) are not allowed")
    return v


Text = Annotated[str, AfterValidator(_plain_text)]
Line = Annotated[str, AfterValidator(_one_line)]


def float_in(lo: float, hi: float) -> Any:
    """The type of a finite float in [lo, hi]; booleans refused."""
    return Annotated[float, BeforeValidator(_no_bool), Field(ge=lo, le=hi, allow_inf_nan=False)]


def whole(lo: int, hi: int) -> Any:
    """A whole number in [lo, hi]; booleans and huge floats (1e23) refused before conversion."""
    def check(v: Any) -> Any:
        _no_bool(v)
        if isinstance(v, (int, float)) and not lo <= v <= hi:
            raise ValueError(f"expected a whole number in [{lo}, {hi}]")
        return v
    return Annotated[int, BeforeValidator(check), Field(ge=lo, le=hi)]


def value_type(path: str) -> Any:
    """The type of a value of the scenario setting at dotted ``path``, from its catalogue record
    (``settings.at``): a switch, a whole number or a finite float within the record's range."""
    s = at(path)
    if s.kind == "bool":
        return StrictBool
    return whole(int(s.lo), int(s.hi)) if s.kind == "int" else float_in(s.lo, s.hi)


def setting_field(path: str, *choices: Any) -> Any:
    """The annotation of the scenario field at dotted ``path``: its ``value_type`` (or one of
    ``choices``) and its record's default; None is allowed where it is the default (an override of a
    settings.yaml key: the dataset's value; an optional lever: off)."""
    s = at(path)
    annotation = value_type(path)
    for choice in choices:
        annotation = annotation | choice
    if s.scenario_default is REQUIRED:
        return annotation
    if s.scenario_default is None:
        annotation = annotation | None
    return Annotated[annotation, Field(default=s.scenario_default)]


NO_BOUND = "none"  # a latency bound of "none": the class has no bound (null: the dataset's)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DemandLevers(_Strict):
    """Demand levers (docs/math.md, "Scenario inputs"):

    - ``class_growth[w] = g``: class w grows at g per year from the first year, replacing the
      dataset's path: D[r,w,y] = D[r,w,y0] (1 + g)^(y - y0);
    - ``region_growth[r] = h``: region r gets an extra factor (1 + h)^(y - y0) (h may be < 0);
    - then everything is multiplied by ``scale`` × ``class_scale[w]`` × ``region_scale[r]``;
    - ``class_eflops[w] = {year: E}``: last, class w's demand in each listed year is rescaled (same
      regional split) so that it needs E EFLOPS (FP16) at the class's PFLOPS per rack:
      D[r,w,y] ← D[r,w,y] · 1000 · E / (PFLOPS[w] · Σ_r D[r,w,y]) — the AI-training growth path in 算力.
    """

    scale: setting_field("demand.scale")
    class_scale: dict[Line, value_type("demand.class_scale.*")] = {}
    region_scale: dict[Line, value_type("demand.region_scale.*")] = {}
    class_growth: dict[Line, value_type("demand.class_growth.*")] = {}
    region_growth: dict[Line, value_type("demand.region_growth.*")] = {}
    class_eflops: dict[Line, dict[int, value_type("demand.class_eflops.*.*")]] = {}


def _override_field(c: Column):
    """An optional override of a catalogue column, within the column's range (None: the dataset's)."""
    return Annotated[float_in(c.lo, c.hi), Field(description=f"{c.zh} {c.en} ({c.unit})")] | None, None


# one optional field per cluster attribute the catalogue lets a scenario override
ClusterLevers = create_model("ClusterLevers", __base__=_Strict,
                             **{c.name: _override_field(c) for c in overridable("clusters.csv")})


class Outage(_Strict):
    cluster: Line
    years: list[value_type("outages.*.years.*")] | None = Field(None, min_length=1)  # None: every year


class Policy(_Strict):
    utilisation_floor: setting_field("policy.utilisation_floor")  # 上架率 floor on each cluster's capacity
    min_green_share: setting_field("policy.min_green_share")  # green power share of each cluster's supply
    min_west_share: setting_field("policy.min_west_share")  # share of non-real-time work served in western hubs
    emission_cap_t: setting_field("policy.emission_cap_t")  # carbon budget over the horizon, tCO2 (hard); None: no cap
    allow_unmet: setting_field("policy.allow_unmet")  # False: strict mode, demand must be served in full
    n_minus_1: setting_field("policy.n_minus_1")  # the plan must survive the loss of any single cluster


class ModularBuilds(_Strict):
    """Capacity is added in blocks of ``block_racks`` with a fixed cost per block (a MILP)."""
    block_racks: setting_field("modular_builds.block_racks")
    fixed_cost_yuan_per_block: setting_field("modular_builds.fixed_cost_yuan_per_block")
    relax: setting_field("modular_builds.relax")  # True: the LP relaxation (blocks continuous)


class StorageOptions(_Strict):
    """Battery storage at every cluster, sized by the model (power and energy capacity)."""
    power_cost_yuan_per_mw_year: setting_field("hourly.storage.power_cost_yuan_per_mw_year")
    energy_cost_yuan_per_mwh_year: setting_field("hourly.storage.energy_cost_yuan_per_mwh_year")
    round_trip_efficiency: setting_field("hourly.storage.round_trip_efficiency")


HOURLY_FILE_FIELDS = ("capacity_factors", "demand_shapes")  # files named under ``hourly``


class HourlyOptions(_Strict):
    """Options of ``resolution: hourly`` (docs/math.md, "Hourly power model")."""
    representative_days: setting_field("hourly.representative_days", Literal["full_year"])
    capacity_factors: Line | None = None  # planner CSV (8,760 rows, <cluster>/<technology> columns)
    demand_shapes: Line | None = None  # planner CSV (24 rows, one column per workload class)
    flexible_classes: list[Line] | None = None  # None: processing and ai_training where present
    flexibility_band: setting_field("hourly.flexibility_band")
    green_matching: Literal["annual", "hourly"] = "annual"  # min_green_share by annual volume or hour by hour
    storage: StorageOptions | None = None  # None: no battery storage


class SolverOptions(_Strict):
    time_limit_s: setting_field("solver.time_limit_s")
    mip_rel_gap: setting_field("solver.mip_rel_gap")
    threads: setting_field("solver.threads")
    random_seed: setting_field("solver.random_seed")
    method: str = Field("choose", pattern="^(choose|simplex|ipm)$")


class LifecycleOptions(_Strict):
    """The data lifecycle (docs/math.md, "Data lifecycle"): ``folder`` holds chains.csv,
    chain_sources.csv and backbone.csv (None: the dataset's own, if any); the levers scale them."""
    folder: Line | None = None  # relative to the scenario file, like the dataset
    volume_scale: setting_field("lifecycle.volume_scale")
    chain_scale: dict[Line, value_type("lifecycle.chain_scale.*")] = {}
    transfer_price_scale: setting_field("lifecycle.transfer_price_scale")


FILE_FIELDS = ("latency_matrix",)  # every field naming an input file (besides the dataset folder)


PATH_FIELDS = ("dataset", *FILE_FIELDS, *(f"hourly.{f}" for f in HOURLY_FILE_FIELDS), "lifecycle.folder")  # every path a scenario names


class Scenario(_Strict):
    name: Line = Field("scenario", min_length=1, max_length=120)
    description: Text = Field("", max_length=10_000)
    dataset: Line | None = None  # folder; relative to the scenario file; None: bundled data
    latency_matrix: Line | None = None  # CSV region_id × cluster_id of measured one-way ms
    latency_layer: Literal["optical", "ip", "target"] = "optical"  # modelled latency calibration (data/README.md)
    local_supply: bool = True  # false: ignore the dataset's local.csv (clusters only, as before issue 10)
    carbon_price_yuan_per_t: setting_field("carbon_price_yuan_per_t")
    discount_rate: setting_field("discount_rate")
    unmet_penalty_yuan_per_rack_year: setting_field("unmet_penalty_yuan_per_rack_year")
    electricity_price_scale: setting_field("electricity_price_scale")
    green_price_scale: setting_field("green_price_scale")
    green_potential_scale: setting_field("green_potential_scale")
    local_ai_share: setting_field("local_ai_share")  # of the own stock's racks fitted for AI; None: the dataset's
    # market: the grid share carries the residual-mix factor and green claimed is zero-carbon;
    # location: every MWh from the grid carries the provincial average factor (docs/math.md, "Green power")
    emission_accounting: Literal["market", "location"] = "market"
    # workload -> one-way bound in ms; "none": no bound; null (or absent): the dataset's bound
    latency_bounds_ms: dict[Line, value_type("latency_bounds_ms.*") | Literal[NO_BOUND] | None] = {}
    demand: DemandLevers = DemandLevers()
    clusters: dict[Line, ClusterLevers] = {}
    outages: list[Outage] = []
    policy: Policy = Policy()
    modular_builds: ModularBuilds | None = None
    resolution: Literal["annual", "hourly"] = "annual"  # hourly: power balanced per representative-day hour
    hourly: HourlyOptions = HourlyOptions()
    lifecycle: LifecycleOptions = LifecycleOptions()
    solver: SolverOptions = SolverOptions()

    # where relative paths are resolved, and what to name in messages
    source: str = Field("<scenario>", exclude=True)
    base_dir: str = Field(".", exclude=True)

    def resolve(self, rel: str | None) -> Path | None:
        """Where ``rel`` points, for keys and hashes only: files are read through ``input_path``."""
        return None if rel is None else (Path(self.base_dir) / rel).resolve()

    def input_path(self, field: str) -> Path | None:
        """The file (or dataset folder) a path field names (``PATH_FIELDS``), confined to the data
        folder and the scenario's own folder (``paths.confine``); None when the field is unset."""
        value = self
        for part in field.split("."):
            value = getattr(value, part)
        return None if value is None else confine(value, self.base_dir, self.source, field)

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
    """Dotted field path; pydantic's union-member and "[key]" parts are not fields."""
    return printable(".".join(str(p) for p in loc if isinstance(p, int) or "[" not in str(p) and "(" not in str(p)))


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
    if not isinstance(data, dict):
        raise InputError(source, "", "expected a mapping of scenario settings at the top level")
    for key in INTERNAL_KEYS:
        if key in data:
            raise InputError(source, key, "set by the program, not by a scenario file (remove it)")
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                hint = did_you_mean(err["loc"][-1], _fields_at(err["loc"])).strip(" ()")
                msg = f"unknown setting ({hint or 'check spelling;'} the levers are listed in README.md, Scenarios)"
            problems.append(InputError(source, _field(err["loc"]), msg))
        raise_all(problems)
    return sc.model_copy(update={"source": source, "base_dir": str(base_dir)})


def path_problems(sc: Scenario) -> list[InputError]:
    """Every path the scenario names that leads outside the folders it may use (``paths.confine``)."""
    problems = []
    for field in PATH_FIELDS:
        try:
            sc.input_path(field)
        except InputError as exc:
            problems.append(exc)
    return problems


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario YAML file safely and validate it."""
    path = Path(path)
    data = read_input_bytes(path, MAX_SCENARIO_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "", "not UTF-8 text") from None
    return parse_scenario_text(text, str(path), path.parent)


def parse_scenario_text(text: str, source: str = "<scenario>", base_dir: str | Path = ".") -> Scenario:
    """YAML text → validated Scenario. An empty document (or only comments) is an error, on the
    command line as in the app: an empty file is a mistake more often than a wish for defaults."""
    data = load_yaml(text, source)
    if data is None:
        raise InputError(source, "", "empty scenario (write at least 'name: ...'; README.md, Scenarios)")
    sc = scenario_from_dict(data, source, base_dir)
    raise_all(path_problems(sc))
    return sc


def scenario_to_yaml(sc: Scenario) -> str:
    """YAML text that ``load_scenario`` reads back to the same scenario."""
    return yaml.safe_dump(sc.model_dump(mode="json", exclude_defaults=True), allow_unicode=True, sort_keys=False)


def _digest(path: Path) -> str:
    """sha256 of a file's content, or of a lifecycle folder's files (each name and content)."""
    if not path.is_dir():
        return hashlib.sha256(read_input_bytes(path, MAX_FILE_BYTES)).hexdigest()
    h = hashlib.sha256()
    for name in LIFECYCLE_FILES:
        if (path / name).is_file():
            h.update(name.encode())
            h.update(read_input_bytes(inside(path / name, path), MAX_FILE_BYTES))
    return h.hexdigest()


def input_file_digests(sc: Scenario) -> dict[str, str]:
    """field → sha256 of the content of each file (or lifecycle folder) the scenario names
    (``PATH_FIELDS`` but the dataset)."""
    return {f: _digest(sc.input_path(f)) for f in PATH_FIELDS[1:] if sc.input_path(f) is not None}


def scenario_hash(sc: Scenario, dataset_fingerprint: str) -> str:
    """Content hash of everything a solve reads: the scenario's levers, the content of every file
    it names and its dataset's files (``dataset_fingerprint``). Names, the description and paths
    do not enter: equal hashes mean equal inputs, whatever the files are called. Raises
    InputError when a named file cannot be read."""
    body = sc.model_dump(mode="json", exclude={"name": True, "description": True, "dataset": True,
                                               **{f: True for f in FILE_FIELDS}, "hourly": set(HOURLY_FILE_FIELDS),
                                               "lifecycle": {"folder"}})
    blob = json.dumps({"levers": body, "files": input_file_digests(sc), "dataset": dataset_fingerprint},
                      sort_keys=True)
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
    out = scenario_from_dict(doc, sc.source, sc.base_dir)
    raise_all(path_problems(out))
    return out


def _merged(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
