"""Read and check a dataset folder (the bundled one lives in ``data/``).

A dataset is five CSV files and ``settings.yaml`` (columns in ``schema.py``). Every problem is
reported as an :class:`InputError` naming the file, the field and the row.
"""
from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .paths import DATA as BUNDLED
from .paths import inside, read_input_bytes
from .schema import FILES, LIFECYCLE_FILES, OPTIONAL_FILES, Column, expected_range
from .settings import DATASET_SETTINGS, REQUIRED
from .strict_yaml import load_yaml

SETTINGS_FILE = "settings.yaml"


PROFILE_FILES = ("capacity_factors.csv.gz", "capacity_factors.csv", "demand_shapes.csv")


def dataset_files(root: str | Path) -> list[Path]:
    """The files a dataset consists of (and the only ones read): the CSVs of ``schema.FILES``, those of
    ``schema.OPTIONAL_FILES`` and ``schema.LIFECYCLE_FILES`` that exist, settings, and the hourly profiles that exist."""
    profiles = [Path(root) / "profiles" / n for n in PROFILE_FILES]  # optional hourly profiles (profiles.py)
    return ([Path(root) / name for name in FILES]
            + [Path(root) / n for n in {**OPTIONAL_FILES, **LIFECYCLE_FILES} if (Path(root) / n).is_file()]
            + [Path(root) / SETTINGS_FILE] + [p for p in profiles if p.is_file()])


@dataclass
class InputTables:
    """A dataset folder as read and checked (``load_dataset``): its tables as pandas frames and its
    settings. Not the xarray Dataset of model inputs, which ``build_inputs`` makes from these and a scenario."""
    path: Path
    hubs: pd.DataFrame  # index hub_id
    clusters: pd.DataFrame  # index cluster_id
    regions: pd.DataFrame  # index region_id
    workloads: pd.DataFrame  # index workload_id
    demand: pd.DataFrame  # columns region_id, workload_id, year, racks
    settings: dict
    local: pd.DataFrame | None = None  # index region_id; None: no stock outside the clusters
    lifecycle: dict[str, pd.DataFrame] | None = None  # chains.csv, chain_sources.csv, backbone.csv; None: no chains

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


def _read_csv(path: Path, data: bytes | None = None) -> pd.DataFrame:
    data = read_input_bytes(path) if data is None else data
    try:
        # pandas' C parser cuts a cell at a NUL byte; the Python parser keeps it, so the text check
        # below names the column and row of the control character
        engine = "python" if b"\x00" in data else "c"
        return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8", engine=engine)
    except UnicodeDecodeError:
        raise InputError(path, "", "not UTF-8 text") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(path, "", f"not a readable CSV ({str(exc).strip().splitlines()[0]})") from None


def _label(i: int) -> str:
    """Where a problem is, as the file's row number (header = row 1). Messages never quote a
    cell: they name the file, the row or column and what was expected."""
    return f"row {i + 2}"


def _coerce(df: pd.DataFrame, col: Column, path: Path) -> pd.Series:
    raw = df[col.name].str.strip()
    if col.kind in ("id", "text"):
        bad = raw == ""
        if bad.any():
            raise InputError(path, col.name, f"empty value in {_label(int(np.argmax(bad)))}")
        ctrl = raw.str.contains(r"[\x00-\x1f\x7f]", regex=True)
        if ctrl.any():  # NUL and friends break NetCDF, terminals and spreadsheets
            raise InputError(path, col.name, f"control characters (such as NUL) in {_label(int(np.argmax(ctrl)))}")
        return raw
    if col.kind == "bool":
        m = raw.str.lower().map({"true": True, "false": False, "1": True, "0": False})
        if m.isna().any():
            i = int(np.argmax(m.isna()))
            raise InputError(path, col.name, f"expected true/false in {_label(i)}")
        return m.astype(bool)
    vals = pd.to_numeric(raw.replace("", np.nan), errors="coerce")
    vals = vals.mask(np.isinf(vals))  # "inf" is not a planning figure
    bad = vals.isna() & ((raw != "") | (not col.optional))
    if bad.any():
        i = int(np.argmax(bad))
        what = "missing value" if raw.iloc[i] == "" else "expected a finite number"
        raise InputError(path, col.name, f"{what} in {_label(i)}")
    out_of_range = (vals < col.lo) | (vals > col.hi)
    if out_of_range.any():
        i = int(np.argmax(out_of_range))
        raise InputError(path, col.name, f"expected a value {expected_range(col.lo, col.hi, col.unit)} in {_label(i)}")
    if col.kind == "int":
        if (vals != vals.round()).any():
            i = int(np.argmax(vals != vals.round()))
            raise InputError(path, col.name, f"expected a whole number in {_label(i)}")
        return vals.astype(int)
    return vals.astype(float)


_CONTROL = bytes(range(32)).replace(b"\n", b"").replace(b"\r", b"") + b"\x7f"


def _coerce_all(df: pd.DataFrame, columns: list[Column], data: bytes) -> pd.DataFrame | None:
    """Every column at once (a few numpy and pandas calls per table, not per column); None when
    any cell is wrong, and ``_coerce`` then finds and names the first problem column by column."""
    cells = df[[c.name for c in columns]].to_numpy(dtype=str) if len(df) else np.empty((0, len(columns)), str)
    raw = np.char.strip(cells)
    kind = np.array([c.kind for c in columns])
    text, flag, num = np.isin(kind, ("id", "text")), kind == "bool", np.isin(kind, ("float", "int"))
    if (raw[:, text] == "").any() or data.translate(None, _CONTROL) != data and text.any():
        return None  # an empty id or text, or a control byte somewhere in the file
    flags = np.char.lower(raw[:, flag])
    if not np.isin(flags, ("true", "false", "1", "0")).all():
        return None
    numbers = raw[:, num]
    vals = pd.to_numeric(pd.Series(np.where(numbers == "", "nan", numbers).ravel()), errors="coerce").to_numpy(float)
    vals = vals.reshape(numbers.shape)
    optional = np.array([c.optional for c in columns])[num]
    lo, hi = np.array([c.lo for c in columns])[num], np.array([c.hi for c in columns])[num]
    finite = np.isfinite(vals)
    if (~finite & ((numbers != "") | ~optional)).any() or ((vals < lo) | (vals > hi)).any():
        return None  # a missing or non-finite number, or one out of its range
    is_int = kind[num] == "int"
    if (vals[:, is_int] != np.round(vals[:, is_int])).any():
        return None
    out, it, ib, iv = {}, iter(range(text.sum())), iter(range(flag.sum())), iter(range(num.sum()))
    padded = (raw[:, text] != cells[:, text]).any(axis=0)  # text columns with a cell to strip
    names = [c.name for c in columns if c.kind in ("id", "text")]
    texts = {n: df[n].str.strip() if pad else df[n] for n, pad in zip(names, padded)}
    for c in columns:
        if c.kind in ("id", "text"):
            next(it)
            out[c.name] = texts[c.name]
        elif c.kind == "bool":
            out[c.name] = pd.Series(np.isin(flags[:, next(ib)], ("true", "1")), index=df.index)
        else:
            v = vals[:, next(iv)]
            out[c.name] = pd.Series(v.astype(int) if c.kind == "int" else v, index=df.index)
    return pd.DataFrame(out)


def read_table(path: Path, columns: list[Column], data: bytes | None = None) -> pd.DataFrame:
    """Read one CSV (``data``: its bytes, if already read) and check it against its attribute table."""
    data = read_input_bytes(path) if data is None else data
    df = _read_csv(path, data)
    df.columns = [c.strip() for c in df.columns]
    for c in columns:  # an optional column may be left out entirely (all cells empty)
        if c.optional and c.name not in df.columns:
            df[c.name] = ""
    missing = [c.name for c in columns if c.name not in df.columns]
    if missing:
        raise InputError(path, missing[0], "column missing")
    out = _coerce_all(df, columns, data)
    if out is None:
        out = pd.DataFrame({c.name: _coerce(df, c, path) for c in columns})
    key = columns[0]
    if key.kind == "id" and path.name != "demand.csv":
        dup = out[key.name].duplicated()
        if dup.any():
            raise InputError(path, key.name, f"duplicate id in {_label(int(np.argmax(dup.to_numpy())))}")
        out = out.set_index(key.name)
    return out


def read_lifecycle(root: Path, data: dict[str, bytes], hubs: pd.DataFrame, regions: pd.DataFrame,
                   workloads: pd.DataFrame, years: list[int]) -> dict[str, pd.DataFrame] | None:
    """The lifecycle tables (None without chains.csv); chain_sources.csv comes with chains.csv,
    backbone.csv is optional (no file: data stay in the hub they reach)."""
    if not (root / "chains.csv").is_file():
        return None
    if not (root / "chain_sources.csv").is_file():
        raise InputError(root / "chain_sources.csv", "", "missing: chains.csv needs the TB each province collects")
    t = {n: read_table(root / n, cols, data[n]) for n, cols in LIFECYCLE_FILES.items() if (root / n).is_file()}
    ch, src = t["chains.csv"], t["chain_sources.csv"]
    _check_ref(ch["workload_id"], workloads.index, root / "chains.csv", "workload_id", "workloads.csv")
    dup = ch["stage_id"].duplicated()
    if dup.any():
        raise InputError(root / "chains.csv", "stage_id", f"duplicate id in {_label(int(np.argmax(dup.to_numpy())))}")
    dup = ch.duplicated(["chain_id", "stage_order"])
    if dup.any():
        raise InputError(root / "chains.csv", "stage_order", f"{_label(int(np.argmax(dup.to_numpy())))} repeats its chain's order")
    first = ch.groupby("chain_id")["stage_order"].min()
    if (first != 1).any():
        raise InputError(root / "chains.csv", "stage_order", f"chain {first.index[np.argmax(first.to_numpy() != 1)]} has no stage 1")
    _check_ref(src["chain_id"], ch["chain_id"].unique(), root / "chain_sources.csv", "chain_id", "chains.csv")
    _check_ref(src["region_id"], regions.index, root / "chain_sources.csv", "region_id", "regions.csv")
    _check_ref(src["year"], years, root / "chain_sources.csv", "year", "settings.yaml years")
    if "backbone.csv" in t:
        bb = t["backbone.csv"]
        for end in ("hub_a", "hub_b"):
            _check_ref(bb[end], hubs.index, root / "backbone.csv", end, "hubs.csv")
        pair = bb[["hub_a", "hub_b"]].apply(lambda r: tuple(sorted(r)), axis=1)
        bad = pair.duplicated() | (bb["hub_a"] == bb["hub_b"])
        if bad.any():
            raise InputError(root / "backbone.csv", "hub_b", f"{_label(int(np.argmax(bad.to_numpy())))}: a pair of two "
                                                              "different hubs, each pair once")
    return t


def _check_ref(values: pd.Series, allowed, path: Path, field: str, where: str) -> None:
    bad = ~values.isin(list(allowed))
    if bad.any():
        raise InputError(path, field, f"unknown id in {_label(int(np.argmax(bad.to_numpy())))} (not in {where})")


def read_settings(path: Path, raw: bytes | None = None) -> dict:
    try:
        data = load_yaml((read_input_bytes(path) if raw is None else raw).decode("utf-8"), str(path))
    except UnicodeDecodeError:
        raise InputError(path, "", "not UTF-8 text") from None
    if not isinstance(data, dict):
        raise InputError(path, "", "expected a mapping of settings")
    for s in DATASET_SETTINGS:
        if s.key not in data:
            if s.default is not REQUIRED:
                continue
            raise InputError(path, s.key, "missing setting")
        v = data[s.key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InputError(path, s.key, "expected a number")
        if not s.lo <= v <= s.hi:  # also refuses NaN
            raise InputError(path, s.key, f"expected a value {expected_range(s.lo, s.hi, s.unit)}")
    years = data.get("years")
    if not (isinstance(years, list) and years and all(type(y) is int for y in years)):
        raise InputError(path, "years", "expected a list of whole years")
    if years != sorted(set(years)):
        raise InputError(path, "years", "years must be increasing and unique")
    if "base_year" in data and data["base_year"] > years[-1]:
        raise InputError(path, "base_year", f"after the last model year ({years[-1]}); costs are discounted to it")
    return data


_CACHE: OrderedDict[tuple[str, str], InputTables] = OrderedDict()  # (folder, content hash) -> checked dataset
CACHE_SIZE = 4


def load_dataset(path: str | Path | None = None) -> InputTables:
    """Load and check a dataset folder (default: the bundled reference dataset).

    Kept per process by content: a folder whose files hash as before returns the InputTables already
    read and checked (treat it as read-only), so app reruns, studies and fresh Planners pay the
    file reads and a hash, not the parsing."""
    root = Path(path) if path is not None else BUNDLED
    if not root.is_dir():
        raise InputError(root, "", "dataset folder not found")
    for f in dataset_files(root):  # one rule (paths.py): every file read is inside the folder
        inside(f, root)
    data = {f.name: read_input_bytes(f) for f in dataset_files(root) if f.parent == root}
    h = hashlib.sha256()
    for f in dataset_files(root):  # hourly profiles too: what dataset_fingerprint hashes
        h.update(f.name.encode())
        h.update(data[f.name] if f.parent == root else read_input_bytes(f))
    key = (str(root.resolve()), h.hexdigest())
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    ds = _load(root, data)
    _CACHE[key] = ds
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return ds


def _load(root: Path, data: dict[str, bytes]) -> InputTables:
    t = {name: read_table(root / name, cols, data[name]) for name, cols in FILES.items()}
    hubs, clusters, regions, workloads, demand = (
        t["hubs.csv"], t["clusters.csv"], t["regions.csv"], t["workloads.csv"], t["demand.csv"])
    settings = read_settings(root / SETTINGS_FILE, data[SETTINGS_FILE])
    for name, table in (("hubs.csv", hubs), ("clusters.csv", clusters), ("regions.csv", regions), ("workloads.csv", workloads)):
        if table.empty:
            raise InputError(root / name, "", "no rows")

    bad_role = ~hubs["role"].isin(["east", "west"])
    if bad_role.any():
        raise InputError(root / "hubs.csv", "role", f"expected east or west in {_label(int(np.argmax(bad_role.to_numpy())))}")
    _check_ref(clusters["hub_id"], hubs.index, root / "clusters.csv", "hub_id", "hubs.csv")
    _check_ref(clusters["region_id"], regions.index, root / "clusters.csv", "region_id", "regions.csv")
    _check_ref(demand["region_id"], regions.index, root / "demand.csv", "region_id", "regions.csv")
    _check_ref(demand["workload_id"], workloads.index, root / "demand.csv", "workload_id", "workloads.csv")
    _check_ref(demand["year"], settings["years"], root / "demand.csv", "year", "settings.yaml years")
    over = clusters["installed_racks"] > clusters["planned_racks"]
    if over.any():
        raise InputError(root / "clusters.csv", "planned_racks",
                         f"below installed_racks in {_label(int(np.argmax(over.to_numpy())))}")
    dup = demand.duplicated(["region_id", "workload_id", "year"])
    if dup.any():
        raise InputError(root / "demand.csv", "racks", f"{_label(int(np.argmax(dup.to_numpy())))} repeats the "
                                                      "region_id, workload_id and year of an earlier row")
    local = None
    if (root / "local.csv").is_file():
        local = read_table(root / "local.csv", OPTIONAL_FILES["local.csv"], data["local.csv"])
        _check_ref(pd.Series(local.index), regions.index, root / "local.csv", "region_id", "regions.csv")
    return InputTables(root, hubs, clusters, regions, workloads, demand, settings, local,
                       read_lifecycle(root, data, hubs, regions, workloads, settings["years"]))
