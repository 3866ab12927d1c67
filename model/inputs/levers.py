"""Scenario editing without a UI: the lever catalogue, reading and setting levers.

A *lever* is one editable number (or switch) of a :class:`~model.inputs.scenario.Scenario`, addressed by
a dotted path such as ``carbon_price_yuan_per_t``, ``demand.class_growth.ai_training``,
``latency_bounds_ms.interactive``, ``clusters.shaoguan.pue`` or ``policy.min_west_share``.
``lever_value`` gives the value the model will use (the scenario's override, else the dataset's
figure); ``set_lever`` returns a new, validated Scenario. A value equal to the dataset's figure
removes the override, so the YAML written by ``scenario_to_yaml`` stays minimal and the CLI reads
it back to the same model. Labels are bilingual (Chinese first). Every lever but the clusters' is a
record of the settings catalogue (``settings.py``), which gives its label, range and unset value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, did_you_mean
from .dataset import InputTables
from .scenario import NO_BOUND, Scenario, scenario_from_dict
from .schema import overridable
from .settings import ENTITY_GROUPS, REQUIRED, SCENARIO_OVERRIDES, Setting, at, lever_group, range_of

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
    help_zh: str = ""

    # the widget's range is the range the scenario accepts (``settings.range_of``): declared once
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


# -- scalar levers: the catalogue's groups, in its order --------------------------------------------
def _lever(s: Setting) -> Lever:
    return Lever(s.path, s.zh, s.en, s.lever_unit, s.step, s.fmt, s.kind, s.help, s.help_zh)


GLOBAL_LEVERS, POLICY_LEVERS, SOLVER_LEVERS, ADVANCED_LEVERS = (
    tuple(map(_lever, lever_group(g))) for g in ("global", "policy", "solver", "advanced"))
MODULAR_DEFAULT_BLOCK = 10_000.0


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
def _entity_levers(group: str, entity: str, zh_name: str) -> list[Lever]:
    """The group's per-entity levers (``demand.class_scale.*``) for one id, labelled with its name."""
    return [Lever(s.path.replace("*", entity), f"{zh_name} {s.zh}", s.en, s.lever_unit, s.step, s.fmt, s.kind)
            for s in lever_group(group)]


def class_levers(ds: InputTables, workload: str) -> list[Lever]:
    return _entity_levers("class", workload, workload_labels(ds)[workload].split(" ")[0])


def region_levers(ds: InputTables, region: str) -> list[Lever]:
    return _entity_levers("region", region, ds.regions.loc[region, "name_zh"])


def cluster_levers(ds: InputTables, cluster: str) -> list[Lever]:
    """One lever per overridable cluster attribute of the catalogue (``schema.py``)."""
    return [Lever(f"clusters.{cluster}.{c.name}", c.zh, c.en, c.unit.strip("-") + (", empty: none" if c.optional else ""),
                  c.step, c.fmt, "optional" if c.optional else "float",
                  help=c.doc, help_zh=c.doc_zh) for c in overridable("clusters.csv")]


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
    """The value the model uses when the scenario does not set this lever: the dataset's setting it
    overrides, the entity's column it stands for, or its catalogue default. KeyError for a path that
    is no lever (or names an unknown id)."""
    parts = path.split(".")
    if parts[0] == "clusters":
        value = float(ds.clusters.loc[parts[1], parts[2]])
        return None if math.isnan(value) else value  # an optional attribute left empty: none
    s = at(path)
    if not s.group:
        raise KeyError(path)
    if s.key:  # a key a dataset may leave out (local_ai_share): none
        return None if ds.settings.get(s.key) is None else float(ds.settings[s.key])
    if s.group in ENTITY_GROUPS:
        table = getattr(ds, ENTITY_GROUPS[s.group])
        if parts[-1] not in table.index:
            raise KeyError(path)
        if s.column:
            value = float(table.loc[parts[-1], s.column])
            return None if math.isnan(value) else value
    return None if s.default is REQUIRED else s.default  # a required number of an options model left off: none


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
    # the dataset's own figure: a per-entity override or a settings.yaml override (None: the dataset's) goes
    per_entity = parts[0] == "clusters" or at(path).group in ENTITY_GROUPS
    if _same(value, default) and (per_entity or path in SCENARIO_OVERRIDES):
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
