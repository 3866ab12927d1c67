"""Which inputs two scenarios set differently, in words a planner reads, and a name for an edited
scenario made from what changed ("reference · 碳价300 · 韶关停运").

Values are the ones the model uses: a lever the scenario leaves unset shows the dataset's value.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from .dataset import InputTables
from .levers import Lever, _same, cluster_labels, lever_catalog, lever_value, outages_of
from .scenario import Scenario

OUTAGES = "outages"


def _fmt(value: Any, lv: Lever | None = None) -> str:
    if value is None:
        return "无 none"
    if isinstance(value, bool):
        return "开 on" if value else "关 off"
    if isinstance(value, (int, float)):
        if lv is not None and lv.kind == "share":
            return f"{value:.0%}"
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def _outage_text(outages: dict, names: dict[str, str]) -> str:
    if not outages:
        return "无 none"
    return "; ".join(f"{names.get(k, k)} ({'全部年份 all years' if y is None else ', '.join(map(str, y))})"
                     for k, y in sorted(outages.items()))


def _owner(lv: Lever, ds: InputTables) -> str:
    """'韶关集群 ' for a cluster lever, '' for the others (their label names their region or class)."""
    parts = lv.path.split(".")
    if parts[0] == "clusters":
        return ds.clusters.loc[parts[1], "name_zh"] + " "
    return ""


def input_diff(a: Scenario, b: Scenario, ds: InputTables) -> pd.DataFrame:
    """One row per lever whose value differs between ``a`` and ``b``: path, bilingual lever name
    (with its unit), the value in A and in B; outages as one row."""
    rows = []
    da, db = a.model_dump(mode="json"), b.model_dump(mode="json")
    for lv in lever_catalog(ds):
        va, vb = lever_value(a, ds, lv.path, da), lever_value(b, ds, lv.path, db)
        if not _same(va, vb):
            unit = f" ({lv.unit})" if lv.unit else ""
            name = lv.label_zh if lv.label_zh == lv.label_en else f"{lv.label_zh} {lv.label_en}"
            rows.append((lv.path, f"{_owner(lv, ds)}{name}{unit}", _fmt(va, lv), _fmt(vb, lv)))
    oa, ob = outages_of(a), outages_of(b)
    if oa != ob:
        names = cluster_labels(ds)
        rows.append((OUTAGES, "停运 Outages", _outage_text(oa, names), _outage_text(ob, names)))
    return pd.DataFrame(rows, columns=["path", "lever", "A", "B"])


def _short(value: Any, lv: Lever) -> str:
    if isinstance(value, bool):
        return "开" if value else "关"
    if value is None:
        return "无"
    if lv.kind == "share":
        return f"{value:.0%}"
    return f"{value:,.4g}"


def suggested_name(base: Scenario, edited: Scenario, ds: InputTables, most: int = 4) -> str:
    """'reference · 碳价300 · 韶关停运': the base name and up to ``most`` changes in short Chinese
    ('+n' when there are more)."""
    diff = input_diff(base, edited, ds)
    by_path = {lv.path: lv for lv in lever_catalog(ds)}
    parts = []
    for path in diff["path"]:
        if path == OUTAGES:
            new = set(outages_of(edited)) - set(outages_of(base))
            parts += [f"{ds.clusters.loc[k, 'name_zh'].removesuffix('集群')}停运" for k in sorted(new)] or ["停运调整"]
            continue
        if path in ("name", "description"):
            continue
        lv = by_path[path]
        owner = _owner(lv, ds).strip().removesuffix("集群")
        owner = owner[:3] if len(owner) > 4 else owner  # 长三角生态绿色… → 长三角
        parts.append(f"{owner}{lv.label_zh.replace(' ', '')}{_short(lever_value(edited, ds, path), lv)}")
    shown = parts[:most] + ([f"+{len(parts) - most}"] if len(parts) > most else [])
    return " · ".join([base.name] + shown)[:120] if shown else base.name
