"""Read and check a dataset folder (the bundled one lives in ``data/``).

A dataset is five CSV files and ``settings.yaml`` (columns in ``schema.py``). Every problem is
reported as an :class:`InputError` naming the file, the field and the row.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import InputError
from .schema import FILES, SETTINGS, Column

BUNDLED = Path(__file__).resolve().parents[2] / "data"
MAX_FILE_BYTES = 50_000_000


@dataclass
class Dataset:
    path: Path
    hubs: pd.DataFrame  # index hub_id
    clusters: pd.DataFrame  # index cluster_id
    regions: pd.DataFrame  # index region_id
    workloads: pd.DataFrame  # index workload_id
    demand: pd.DataFrame  # columns region_id, workload_id, year, racks
    settings: dict

    @property
    def label(self) -> str:
        """The dataset as outputs name it: 'data' for the bundled one (relative to the project),
        else its folder's name — never a machine path."""
        p = Path(self.path).resolve()
        root = BUNDLED.parent
        return p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name

    @property
    def years(self) -> list[int]:
        return [int(y) for y in self.settings["years"]]


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "", "file not found")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(path, "", f"larger than {MAX_FILE_BYTES // 1_000_000} MB")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "", "not UTF-8 text") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(path, "", f"not a readable CSV ({str(exc).strip().splitlines()[0]})") from None


def _label(df: pd.DataFrame, i: int) -> str:
    first = df.columns[0]
    return f"row {i + 2} ({first}={df.iloc[i][first]!r})"


def _coerce(df: pd.DataFrame, col: Column, path: Path) -> pd.Series:
    raw = df[col.name].str.strip()
    if col.kind in ("id", "text"):
        bad = raw == ""
        if bad.any():
            raise InputError(path, col.name, f"empty value in {_label(df, int(np.argmax(bad)))}")
        return raw
    if col.kind == "bool":
        m = raw.str.lower().map({"true": True, "false": False, "1": True, "0": False})
        if m.isna().any():
            i = int(np.argmax(m.isna()))
            raise InputError(path, col.name, f"expected true/false, got {raw.iloc[i]!r} in {_label(df, i)}")
        return m.astype(bool)
    vals = pd.to_numeric(raw.replace("", np.nan), errors="coerce")
    vals = vals.mask(np.isinf(vals))  # "inf" is not a planning figure
    bad = vals.isna() & ((raw != "") | (not col.optional))
    if bad.any():
        i = int(np.argmax(bad))
        what = "missing value" if raw.iloc[i] == "" else f"not a number: {raw.iloc[i]!r}"
        raise InputError(path, col.name, f"{what} in {_label(df, i)}")
    out_of_range = (vals < col.lo) | (vals > col.hi)
    if out_of_range.any():
        i = int(np.argmax(out_of_range))
        raise InputError(path, col.name, f"{vals.iloc[i]} outside [{col.lo}, {col.hi}] {col.unit} in {_label(df, i)}")
    if col.kind == "int":
        if (vals != vals.round()).any():
            i = int(np.argmax(vals != vals.round()))
            raise InputError(path, col.name, f"expected a whole number in {_label(df, i)}")
        return vals.astype(int)
    return vals.astype(float)


def read_table(path: Path, columns: list[Column]) -> pd.DataFrame:
    """Read one CSV and check it against its attribute table."""
    df = _read_csv(path)
    df.columns = [c.strip() for c in df.columns]
    missing = [c.name for c in columns if c.name not in df.columns]
    if missing:
        raise InputError(path, missing[0], "column missing")
    out = pd.DataFrame({c.name: _coerce(df, c, path) for c in columns})
    key = columns[0]
    if key.kind == "id" and path.name != "demand.csv":
        dup = out[key.name].duplicated()
        if dup.any():
            raise InputError(path, key.name, f"duplicate id {out[key.name][dup].iloc[0]!r}")
        out = out.set_index(key.name)
    return out


def _check_ref(values: pd.Series, allowed, path: Path, field: str) -> None:
    bad = ~values.isin(list(allowed))
    if bad.any():
        v = values[bad].iloc[0]
        raise InputError(path, field, f"unknown id {v.item() if isinstance(v, np.generic) else v!r}")


def read_settings(path: Path) -> dict:
    if not path.is_file():
        raise InputError(path, "", "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(path, "", f"not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise InputError(path, "", "expected a mapping of settings")
    for key, (lo, hi, unit) in SETTINGS.items():
        if key not in data:
            raise InputError(path, key, "missing setting")
        v = data[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InputError(path, key, f"expected a number, got {v!r}")
        if not lo <= v <= hi:
            raise InputError(path, key, f"{v} outside [{lo}, {hi}] {unit}")
    years = data.get("years")
    if not (isinstance(years, list) and years and all(type(y) is int for y in years)):
        raise InputError(path, "years", "expected a list of whole years")
    if years != sorted(set(years)):
        raise InputError(path, "years", "years must be increasing and unique")
    return data


def load_dataset(path: str | Path | None = None) -> Dataset:
    """Load and check a dataset folder (default: the bundled reference dataset)."""
    root = Path(path) if path is not None else BUNDLED
    if not root.is_dir():
        raise InputError(root, "", "dataset folder not found")
    t = {name: read_table(root / name, cols) for name, cols in FILES.items()}
    hubs, clusters, regions, workloads, demand = (
        t["hubs.csv"], t["clusters.csv"], t["regions.csv"], t["workloads.csv"], t["demand.csv"])
    settings = read_settings(root / "settings.yaml")
    for name, table in (("hubs.csv", hubs), ("clusters.csv", clusters), ("regions.csv", regions), ("workloads.csv", workloads)):
        if table.empty:
            raise InputError(root / name, "", "no rows")

    bad_role = ~hubs["role"].isin(["east", "west"])
    if bad_role.any():
        raise InputError(root / "hubs.csv", "role", f"expected east or west, got {hubs['role'][bad_role].iloc[0]!r}")
    _check_ref(clusters["hub_id"], hubs.index, root / "clusters.csv", "hub_id")
    _check_ref(clusters["region_id"], regions.index, root / "clusters.csv", "region_id")
    _check_ref(demand["region_id"], regions.index, root / "demand.csv", "region_id")
    _check_ref(demand["workload_id"], workloads.index, root / "demand.csv", "workload_id")
    _check_ref(demand["year"], settings["years"], root / "demand.csv", "year")
    over = clusters["installed_racks"] > clusters["planned_racks"]
    if over.any():
        raise InputError(root / "clusters.csv", "planned_racks",
                         f"below installed_racks for cluster {clusters.index[over][0]!r}")
    dup = demand.duplicated(["region_id", "workload_id", "year"])
    if dup.any():
        r = demand[dup].iloc[0]
        raise InputError(root / "demand.csv", "racks",
                         f"duplicate row for {r.region_id}/{r.workload_id}/{r.year}")
    return Dataset(root, hubs, clusters, regions, workloads, demand, settings)
