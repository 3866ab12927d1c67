"""Scenario editing without a UI: the lever catalogue, reading and setting levers.

A *lever* is one editable number (or switch) of a :class:`~model.inputs.scenario.Scenario`, addressed by
a dotted path such as ``carbon_price_yuan_per_t``, ``demand.class_growth.ai_training``,
``latency_bounds_ms.interactive``, ``clusters.shaoguan.pue`` or ``policy.min_west_share``.
``lever_value`` gives the value the model will use (the scenario's override, else the dataset's
figure); ``set_lever`` returns a new, validated Scenario. A value equal to the dataset's figure
removes the override, so the YAML written by ``scenario_to_yaml`` stays minimal and the CLI reads
it back to the same model. Labels are bilingual (Chinese first).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, did_you_mean
from .dataset import InputTables
from .scenario import NO_BOUND, Scenario, field_default, scenario_from_dict
from .schema import SCENARIO_OVERRIDES, overridable, range_of

MISSING = object()


@dataclass(frozen=True)
class Lever:
    path: str  # dotted path into the scenario
    label_zh: str
    label_en: str
    unit: str = ""
    step: float = 0.01
    fmt: str = "%.2f"
    kind: str = "float"  # float | share | bool | optional (None allowed: "no bound")
    help: str = ""

    # the widget's range is the range the scenario accepts (``schema.range_of``): declared once
    @property
    def lo(self) -> float | None:
        lo = range_of(self.path)[0]
        return None if math.isinf(lo) else lo

    @property
    def hi(self) -> float | None:
        hi = range_of(self.path)[1]
        return None if math.isinf(hi) else hi

    @property
    def label(self) -> str:
        u = f" ({self.unit})" if self.unit else ""
        return f"{self.label_zh} {self.label_en}{u}"


# -- scalar levers ---------------------------------------------------------------------------------
GLOBAL_LEVERS = (
    Lever("carbon_price_yuan_per_t", "碳价", "Carbon price", "yuan/tCO2", 10.0, "%.2f"),
    Lever("electricity_price_scale", "电价系数", "Electricity price scale", "×", 0.05, "%.2f",
          help="multiplies every cluster's grid price"),
    Lever("green_price_scale", "绿电价格系数", "Green-power price scale", "×", 0.05, "%.2f",
          help="multiplies every cluster's green-power price"),
    Lever("demand.scale", "需求系数", "Demand scale", "×", 0.05, "%.2f", help="multiplies all demand"),
    Lever("discount_rate", "折现率", "Discount rate", "per year", 0.01, "%.3f"),
    Lever("unmet_penalty_yuan_per_rack_year", "未满足惩罚", "Unmet-demand penalty", "yuan/rack-year",
          1000.0, "%.0f"),
)
POLICY_LEVERS = (
    Lever("policy.utilisation_floor", "上架率下限", "Utilisation floor", "share", 0.05, "%.2f", "share",
          help="load ≥ floor × capacity at every cluster (soft, priced); 0 switches it off"),
    Lever("policy.min_green_share", "最低绿电比例", "Minimum green-power share", "share", 0.05, "%.2f", "share",
          help="green ≥ share × supply at every cluster (soft, priced); 0 switches it off"),
    Lever("policy.min_west_share", "西部最低份额", "Minimum western share", "share", 0.05, "%.2f", "share",
          help="share of non-real-time work served in western hubs (soft, priced); 0 switches it off"),
    Lever("policy.allow_unmet", "允许未满足需求", "Allow unmet demand", "", kind="bool",
          help="off: strict mode, demand must be served in full (may be infeasible)"),
)
SOLVER_LEVERS = (
    Lever("solver.time_limit_s", "求解时限", "Solver time limit", "s", 10.0, "%.3f"),
    Lever("solver.mip_rel_gap", "MIP 相对间隙", "MIP relative gap", "", 0.0001, "%.4f",
          help="stopping gap for modular builds (MILP)"),
)
ADVANCED_LEVERS = (
    Lever("policy.emission_cap_t", "排放上限", "Carbon budget", "tCO2 over the horizon, empty: none", 1_000_000.0, "%.0f",
          "optional", help="hard cap on total emissions; may make the model infeasible"),
    Lever("policy.n_minus_1", "N-1 冗余", "N-1 resilience", "", kind="bool",
          help="the plan must survive the loss of any single cluster (adds rows; slower)"),
    Lever("modular_builds.block_racks", "模块规模", "Build block", "racks, empty: continuous builds", 1000.0, "%.0f",
          "optional", help="capacity is added in whole blocks (a MILP)"),
    Lever("modular_builds.fixed_cost_yuan_per_block", "模块固定成本", "Fixed cost per block", "yuan", 1_000_000.0, "%.0f"),
    Lever("modular_builds.relax", "LP 松弛", "LP relaxation", "", kind="bool",
          help="solve the blocks as continuous (the LP relaxation)"),
)
MODULAR_DEFAULT_BLOCK = 10_000.0
_SCALAR_PATHS = frozenset(lv.path for lv in GLOBAL_LEVERS + POLICY_LEVERS + SOLVER_LEVERS + ADVANCED_LEVERS)

# -- per-entity levers: (field, zh, en, unit, step, fmt, kind) ------------------------------------
CLASS_FIELDS = (
    ("demand.class_growth", "年增长率", "annual growth", "per year, empty: dataset path", 0.01, "%.3f",
     "optional"),
    ("demand.class_scale", "需求系数", "demand scale", "×", 0.05, "%.2f", "float"),
    ("latency_bounds_ms", "时延上限", "latency bound", "ms one-way, empty: none", 1.0, "%.1f", "optional"),
)
REGION_FIELDS = (
    ("demand.region_growth", "额外年增长率", "extra annual growth", "per year", 0.01, "%.3f", "float"),
    ("demand.region_scale", "需求系数", "demand scale", "×", 0.05, "%.2f", "float"),
)


# -- bilingual labels -----------------------------------------------------------------------------
def _bi(df, i) -> str:
    return f"{df.loc[i, 'name_zh']} {df.loc[i, 'name_en']}"


def cluster_labels(ds: InputTables) -> dict[str, str]:
    """cluster id → "张家口集群 Zhangjiakou · 京津冀 Beijing-Tianjin-Hebei"."""
    return {k: f"{_bi(ds.clusters, k)} · {ds.hubs.loc[ds.clusters.loc[k, 'hub_id'], 'name_zh']}"
            for k in ds.clusters.index}


def region_labels(ds: InputTables) -> dict[str, str]:
    return {r: _bi(ds.regions, r) for r in ds.regions.index}


def workload_labels(ds: InputTables) -> dict[str, str]:
    return {w: _bi(ds.workloads, w) for w in ds.workloads.index}


# -- the catalogue --------------------------------------------------------------------------------
def class_levers(ds: InputTables, workload: str) -> list[Lever]:
    name = workload_labels(ds)[workload]
    return [Lever(f"{p}.{workload}", f"{name.split(' ')[0]} {zh}", f"{en}", u, st, f, kind)
            for p, zh, en, u, st, f, kind in CLASS_FIELDS]


def region_levers(ds: InputTables, region: str) -> list[Lever]:
    zh_name = ds.regions.loc[region, "name_zh"]
    return [Lever(f"{p}.{region}", f"{zh_name} {zh}", en, u, st, f, kind)
            for p, zh, en, u, st, f, kind in REGION_FIELDS]


def cluster_levers(ds: InputTables, cluster: str) -> list[Lever]:
    """One lever per overridable cluster attribute of the catalogue (``schema.py``)."""
    return [Lever(f"clusters.{cluster}.{c.name}", c.zh, c.en, c.unit.strip("-") + (", empty: none" if c.optional else ""),
                  c.step, c.fmt, "optional" if c.optional else "float",
                  help=c.doc) for c in overridable("clusters.csv")]


def lever_catalog(ds: InputTables) -> list[Lever]:
    """Every lever of a scenario on this dataset (outages are edited with ``set_outages``)."""
    out = list(GLOBAL_LEVERS) + list(POLICY_LEVERS) + list(ADVANCED_LEVERS) + list(SOLVER_LEVERS)
    for w in ds.workloads.index:
        out += class_levers(ds, w)
    for r in ds.regions.index:
        out += region_levers(ds, r)
    for k in ds.clusters.index:
        out += cluster_levers(ds, k)
    return out


# -- reading and setting --------------------------------------------------------------------------
def dataset_value(ds: InputTables, path: str) -> Any:
    """The value the model uses when the scenario does not set this lever."""
    parts = path.split(".")
    if path in SCENARIO_OVERRIDES:
        return float(ds.settings[SCENARIO_OVERRIDES[path]])
    if path in _SCALAR_PATHS:  # a number or switch of the scenario alone: the default its field declares
        return field_default(path)
    if parts[0] == "clusters":
        value = float(ds.clusters.loc[parts[1], parts[2]])
        return None if math.isnan(value) else value  # an optional attribute left empty: none
    if parts[0] == "latency_bounds_ms":
        b = float(ds.workloads.loc[parts[1], "latency_bound_ms"])
        return None if math.isnan(b) else b
    if path.startswith("demand.class_growth."):
        if parts[2] not in ds.workloads.index:
            raise KeyError(path)
        return None  # the dataset's own demand path
    if path.startswith(("demand.region_growth.", "demand.region_scale.")) and parts[2] in ds.regions.index:
        return 0.0 if parts[1] == "region_growth" else 1.0
    if path.startswith("demand.class_scale.") and parts[2] in ds.workloads.index:
        return 1.0
    raise KeyError(path)


def implied_class_growth(ds: InputTables, workload: str) -> float:
    """Average annual growth of a class in the dataset's demand path (first to last year)."""
    d = ds.demand[ds.demand["workload_id"] == workload].groupby("year")["racks"].sum()
    years = ds.years
    if len(years) < 2 or d.get(years[0], 0) <= 0:
        return 0.0
    return float((d.get(years[-1], 0.0) / d[years[0]]) ** (1 / (years[-1] - years[0])) - 1)


def _get(data: dict, parts: list[str]) -> Any:
    for p in parts:
        if not isinstance(data, dict) or p not in data:
            return MISSING
        data = data[p]
    return data


def lever_value(sc: Scenario, ds: InputTables, path: str, _dump: dict | None = None) -> Any:
    """The lever's effective value: the scenario's override, else the dataset's figure
    (None for a class growth means the dataset's demand path, for a latency bound no bound)."""
    v = _get(_dump if _dump is not None else sc.model_dump(mode="json"), path.split("."))
    if v is MISSING or v is None:
        return dataset_value(ds, path)
    return None if v == NO_BOUND else v


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def _rebuild(sc: Scenario, data: dict) -> Scenario:
    return scenario_from_dict(data, sc.source, sc.base_dir)


def set_lever(sc: Scenario, ds: InputTables, path: str, value: Any) -> Scenario:
    """A new Scenario with lever ``path`` set to ``value`` (validated; raises InputError).

    Setting the dataset's own figure removes the override (for nested maps) or resets the field to
    its default, so the scenario only carries what differs from the data.
    """
    parts = path.split(".")
    data = sc.model_dump(mode="json", exclude_defaults=True)
    default = dataset_value(ds, path)  # also rejects unknown paths (KeyError)
    if parts[0] == "clusters" and parts[1] not in ds.clusters.index:
        raise InputError(sc.source, ".".join(parts[:2]), "unknown cluster id")
    if isinstance(value, float) and math.isnan(value):
        value = None
    if path.startswith("demand.class_growth."):
        growth = data.setdefault("demand", {}).setdefault("class_growth", {})
        if value is None:
            growth.pop(parts[2], None)
        else:
            growth[parts[2]] = float(value)
        return _rebuild(sc, data)
    if parts[0] == "latency_bounds_ms":
        bounds = dict(data.get("latency_bounds_ms", {}))
        if _same(value, default):
            bounds.pop(parts[1], None)
        else:
            bounds[parts[1]] = NO_BOUND if value is None else float(value)
        data["latency_bounds_ms"] = bounds
        return _rebuild(sc, data)
    if parts[0] == "modular_builds":
        mb = data.get("modular_builds")
        if parts[1] == "block_racks" and value is None:
            data.pop("modular_builds", None)  # back to continuous builds
            return _rebuild(sc, data)
        if mb is None and parts[1] != "block_racks":
            raise InputError(sc.source, path, "set modular_builds.block_racks first (modular builds are off)")
    if value is None:
        if default is None:  # an optional lever: None removes it
            node = _get(data, parts[:-1])
            if isinstance(node, dict):
                node.pop(parts[-1], None)
            return _rebuild(sc, data)
        raise InputError(sc.source, path, "a value is required")
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    key = parts[-1]
    model_default = path in SCENARIO_OVERRIDES  # scenario field None means "use the dataset's setting"
    if _same(value, default) and (parts[0] in ("clusters", "demand", "policy") and len(parts) >= 3 or model_default):
        node.pop(key, None)
    else:
        node[key] = value if isinstance(value, bool) else float(value)
    # drop emptied containers (e.g. a cluster with no override left)
    if parts[0] == "clusters" and not data["clusters"].get(parts[1]):
        data["clusters"].pop(parts[1], None)
    return _rebuild(sc, data)


def outages_of(sc: Scenario) -> dict[str, list[int] | None]:
    """cluster id → years out of service (None: every year)."""
    out: dict[str, list[int] | None] = {}
    for o in sc.outages:
        if o.years is None or o.cluster in out and out[o.cluster] is None:
            out[o.cluster] = None
        else:
            out[o.cluster] = sorted(set(out.get(o.cluster) or []) | set(o.years))
    return out


def set_outages(sc: Scenario, ds: InputTables, outages: dict[str, list[int] | None]) -> Scenario:
    """A new Scenario whose outages are ``outages`` (cluster → years, None or all years: every year).
    A cluster with an empty year list is in service."""
    items = []
    years = ds.years
    for k, ys in outages.items():
        if k not in ds.clusters.index:
            raise InputError(sc.source, "outages", f"unknown cluster id {k!r}{did_you_mean(k, ds.clusters.index)}")
        if ys is not None:
            ys = sorted({int(y) for y in ys})
            if not ys:
                continue
            bad = [y for y in ys if y not in years]
            if bad:
                raise InputError(sc.source, "outages", f"{bad[0]} is not a model year ({years[0]}–{years[-1]})")
            if ys == years:
                ys = None
        items.append({"cluster": k, "years": ys} if ys is not None else {"cluster": k})
    data = sc.model_dump(mode="json", exclude_defaults=True)
    data["outages"] = items
    return _rebuild(sc, data)


def set_name(sc: Scenario, name: str, description: str | None = None) -> Scenario:
    data = sc.model_dump(mode="json", exclude_defaults=True)
    data["name"] = name.strip()
    if description is not None:
        data["description"] = description
    return _rebuild(sc, data)


def overrides(sc: Scenario, ds: InputTables) -> list[tuple[str, Any, Any]]:
    """(path, dataset value, scenario value) of every lever the scenario changes."""
    out, dump = [], sc.model_dump(mode="json")
    for lv in lever_catalog(ds):
        v, d = lever_value(sc, ds, lv.path, dump), dataset_value(ds, lv.path)
        if not _same(v, d):
            out.append((lv.path, d, v))
    return out
