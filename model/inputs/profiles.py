"""Hourly inputs: wind/solar capacity factors, demand shapes, representative days.

- Capacity factors: a CSV of 8,760 rows (a 365-day year, hour 0 = 1 Jan 00:00 Beijing time),
  optional column ``hour``, one column ``<cluster_id>/<technology>`` per profile, values in [0, 1]
  (output / nameplate). The dataset's ``profiles/capacity_factors.csv.gz`` is the default (written
  by ``data/make_profiles.py``); a planner's file replaces the columns it has. A dataset without
  profiles has flat profiles of 1 (firm green supply: nameplate = average).
- Demand shapes: a CSV of 24 rows, optional column ``hour``, one column per workload class: the
  hourly IT load of a class relative to its daily mean (normalised here to mean 1). Classes absent
  from every file are flat.
- Representative days: tsam (hierarchical clustering, medoids, column means preserved) on the
  365 daily profiles of all clusters and technologies; ``full_year`` keeps all 365 days.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from . import day_cache
from .dataset import PROFILE_FILES
from .paths import MAX_FILE_BYTES, read_input_bytes, regular_file

TECHNOLOGIES = ("wind", "solar")
HOURS, DAYS = 24, 365
YEAR_HOURS = HOURS * DAYS
MAX_PROFILE_BYTES = MAX_FILE_BYTES  # after decompression


def _read(path: Path, rows: int, what: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """The profile columns as floats, and each column's position in the file (1 = first).

    Messages follow the dataset reader's rule: the file, the column or row number and what was
    expected — never a cell or a header (the file may not be a profile at all)."""
    data = read_input_bytes(path, MAX_PROFILE_BYTES)  # inflated here, within the limit (paths.py)
    try:  # fast path: every cell a number (the bundled profiles); anything else: the checks below
        df = pd.read_csv(io.BytesIO(data), encoding="utf-8", na_filter=False)
        position = {str(c).strip(): j for j, c in enumerate(df.columns, start=1)}
        df = df.rename(columns=lambda c: str(c).strip()).drop(columns=["hour"], errors="ignore")
        if len(df) == rows and not df.columns.empty and all(t.kind in "fi" for t in df.dtypes):
            out = df.astype(float)
            if np.isfinite(out.to_numpy()).all():
                return out, position
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        pass
    try:
        df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "", "not UTF-8 text") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        raise InputError(path, "", f"not a readable CSV (expected a header and {rows} rows of numbers)") from None
    position = {str(c).strip(): j for j, c in enumerate(df.columns, start=1)}
    df.columns = [str(c).strip() for c in df.columns]
    df = df.drop(columns=[c for c in df.columns if c == "hour"])
    if len(df) != rows:
        raise InputError(path, "", f"{len(df)} rows, expected {rows} ({what})")
    if df.columns.empty:
        raise InputError(path, "", "no profile columns")
    out = {}
    for c in df.columns:
        v = pd.to_numeric(df[c].str.strip(), errors="coerce").to_numpy(float)
        bad = ~np.isfinite(v)
        if bad.any():
            raise InputError(path, f"column {position[c]}", f"expected a finite number in row {int(np.argmax(bad)) + 2}")
        out[c] = v
    return pd.DataFrame(out), position


def read_capacity_factors(path: Path, clusters: list[str]) -> dict[tuple[str, str], np.ndarray]:
    """{(cluster, technology): 8,760 values in [0, 1]} from a profile CSV (validated)."""
    df, position = _read(path, YEAR_HOURS, "one per hour of a 365-day year")
    out = {}
    for c in df.columns:
        cl, _, tech = c.partition("/")
        if cl not in clusters or tech not in TECHNOLOGIES:
            raise InputError(path, f"column {position[c]}", "header is not <cluster_id>/<technology> of the dataset "
                             f"(clusters: {', '.join(clusters)}; technologies: {', '.join(TECHNOLOGIES)})")
        v = df[c].to_numpy()
        if (v < 0).any() or (v > 1).any():
            i = int(np.argmax((v < 0) | (v > 1)))
            raise InputError(path, f"column {position[c]}", f"expected a capacity factor in [0, 1] in row {i + 2}")
        out[(cl, tech)] = v
    return out


def read_demand_shapes(path: Path, workloads: list[str]) -> dict[str, np.ndarray]:
    """{workload: 24 values with mean 1} from a shape CSV (validated)."""
    df, position = _read(path, HOURS, "one per hour of the day")
    out = {}
    for w in df.columns:
        if w not in workloads:
            raise InputError(path, f"column {position[w]}", f"header is not a workload id of the dataset (known: {', '.join(workloads)})")
        v = df[w].to_numpy()
        if (v < 0).any() or v.sum() <= 0:
            raise InputError(path, f"column {position[w]}", "shape values must be ≥ 0 with a positive sum")
        out[w] = v / v.mean()
    return out


def capacity_factor_array(sources: list[Path], clusters: list[str]) -> np.ndarray:
    """(cluster, technology, 8760): later files replace earlier columns; missing: flat 1."""
    cf = np.ones((len(clusters), len(TECHNOLOGIES), YEAR_HOURS))
    for path in sources:
        for (cl, tech), v in read_capacity_factors(path, clusters).items():
            cf[clusters.index(cl), TECHNOLOGIES.index(tech)] = v
    return cf


def demand_shape_array(sources: list[Path], workloads: list[str]) -> np.ndarray:
    """(workload, 24): later files replace earlier columns; missing: flat 1."""
    out = np.ones((len(workloads), HOURS))
    for path in sources:
        for w, v in read_demand_shapes(path, workloads).items():
            out[workloads.index(w)] = v
    return out


@dataclass
class RepresentativeDays:
    cf: np.ndarray  # (cluster, technology, day, hour)
    weight: np.ndarray  # (day,) days of the year each represents; Σ = 365
    assignment: np.ndarray  # (365,) representative day of each calendar day
    rmse: float  # root-mean-square error of the reconstructed 8,760-hour profiles (CF units)
    mean_error: float  # largest |annual mean error| over profiles (CF units)


def representative_days(cf: np.ndarray, count: int | str) -> RepresentativeDays:
    """Choose representative days from (cluster, technology, 8760) profiles.

    ``count = "full_year"`` (or ≥ 365) keeps every day with weight 1 (exact). Otherwise tsam
    groups the days (hierarchical clustering, medoid representatives, column means preserved so
    each profile's annual energy is kept) and each representative day is weighted by the number
    of days in its group. tsam's result is kept on disk by content (``day_cache``): a later
    process with the same profiles and count reads it instead of importing tsam."""
    K, T, _ = cf.shape
    days = cf.reshape(K, T, DAYS, HOURS)
    if count == "full_year" or int(count) >= DAYS:
        return RepresentativeDays(days.copy(), np.ones(DAYS), np.arange(DAYS), 0.0, 0.0)
    flat = cf.reshape(K * T, YEAR_HOURS).T
    varying = flat.std(axis=0) > 0  # tsam cannot normalise a constant column; keep it as it is
    if not varying.any():  # every profile flat: one day represents the year
        return RepresentativeDays(days[:, :, :1].copy(), np.array([float(DAYS)]), np.zeros(DAYS, int), 0.0, 0.0)
    key = day_cache.fingerprint(cf, int(count))
    stored = day_cache.load(key, (K, T))
    if stored is not None:
        return RepresentativeDays(**stored)
    rd = aggregate(cf, int(count))
    day_cache.store(key, vars(rd))
    return rd


def aggregate(cf: np.ndarray, count: int) -> RepresentativeDays:
    """tsam's ``count`` representative days of (cluster, technology, 8760) profiles, at least one
    of them not constant (no cache: what ``representative_days`` stores)."""
    import tsam

    K, T, _ = cf.shape
    cols = [f"{k}/{t}" for k in range(K) for t in range(T)]
    flat = cf.reshape(K * T, YEAR_HOURS).T
    varying = flat.std(axis=0) > 0  # tsam cannot normalise a constant column; keep it as it is
    df = pd.DataFrame(flat[:, varying], columns=[c for c, v in zip(cols, varying) if v],
                      index=pd.date_range("2025-01-01", periods=YEAR_HOURS, freq="h"))
    res = tsam.aggregate(df, count, period_duration=24,
                         cluster=tsam.ClusterConfig(method="hierarchical", representation="medoid"))
    rep = res.cluster_representatives
    n = int(res.n_clusters)
    out = np.empty((K * T, n, HOURS))
    for j, c in enumerate(cols):
        out[j] = (rep[c].to_numpy().reshape(n, HOURS) if c in rep.columns else flat[:HOURS * n, j].reshape(n, HOURS))
    out = np.clip(out, 0.0, 1.0).reshape(K, T, n, HOURS)
    weight = np.array([float(res.cluster_counts[i]) for i in range(n)])
    assignment = np.asarray(res.cluster_assignments, dtype=int)[:DAYS]
    recon = out.reshape(K * T, n, HOURS)[:, assignment, :].reshape(K * T, YEAR_HOURS)
    err = recon - cf.reshape(K * T, YEAR_HOURS)
    w_mean = (out.reshape(K * T, n, HOURS).mean(axis=2) * weight).sum(axis=1) / weight.sum()
    return RepresentativeDays(out, weight, assignment, float(np.sqrt((err ** 2).mean())),
                              float(np.abs(w_mean - cf.reshape(K * T, -1).mean(axis=1)).max()))


DEFAULT_FLEXIBLE = ("processing", "ai_training")


def _stamp(paths: list[Path]) -> tuple:
    """Cache key of regular files (anything else is refused here, with what it is)."""
    return tuple((str(p), st.st_mtime_ns, st.st_size) for p, st in ((p, regular_file(p)) for p in paths))


_CACHE: dict = {}


def _cached(key, make):
    """Profiles and representative days are read once per process (files keyed by mtime)."""
    if key not in _CACHE:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = make()
    return _CACHE[key]


def hourly_variables(sc, dataset_path: Path, clusters: list[str], workloads: list[str]) -> tuple[dict, dict, dict]:
    """(data_vars, coords, attrs) of the hourly inputs for ``build_inputs``.

    Always present: ``green_cf_annual[k]`` (the annual mean capacity factor of the cluster's
    better technology; 1 without profiles) and the representative days the hourly model uses
    (the annual model uses them for its hour-by-hour matching estimate)."""
    opt = sc.hourly
    bundled = [dataset_path / "profiles" / n for n in PROFILE_FILES]
    cf_files = [p for p in bundled[:2] if p.is_file()][:1]
    sh_files = [p for p in bundled[2:] if p.is_file()]
    if opt.capacity_factors:
        cf_files.append(sc.input_path("hourly.capacity_factors"))
    if opt.demand_shapes:
        sh_files.append(sc.input_path("hourly.demand_shapes"))
    key = (_stamp(cf_files), tuple(clusters))
    cf = _cached(("cf",) + key, lambda: capacity_factor_array(cf_files, clusters))
    mean_cf = cf.mean(axis=2)  # (K, T)
    best = cf[np.arange(len(clusters)), mean_cf.argmax(axis=1)]  # (K, 8760)
    ratios = np.linspace(0, 2, 41)
    curve = _cached(("curve",) + key, lambda: np.array([[np.minimum(r * b / max(b.mean(), 1e-12), 1.0).mean()
                                                          for r in ratios] for b in best]))
    base = dict(
        green_cf_annual=(("cluster",), mean_cf.max(axis=1), {"long_name": "annual mean capacity factor of the better green technology"}),
        capacity_factor_mean=(("cluster", "technology"), mean_cf, {"long_name": "annual mean capacity factor (full year)"}),
        cfe_curve=(("cluster", "green_ratio"), curve,
                   {"long_name": "hour-by-hour matched share of a flat load when annual green volume = ratio × load, "
                                 "green shaped like the better technology (full year)"}),
    )
    base_coords = dict(technology=list(TECHNOLOGIES), green_ratio=ratios)
    attrs = dict(resolution=sc.resolution, green_matching=opt.green_matching)
    if sc.resolution == "annual":
        return base, base_coords, attrs
    rd = _cached(("rd", opt.representative_days) + key, lambda: representative_days(cf, opt.representative_days))
    shapes = _cached(("sh", _stamp(sh_files), tuple(workloads)), lambda: demand_shape_array(sh_files, workloads))
    flexible = list(DEFAULT_FLEXIBLE if opt.flexible_classes is None else opt.flexible_classes)
    for w in flexible:
        if w not in workloads and opt.flexible_classes is not None:
            raise InputError(sc.source, "hourly.flexible_classes", f"unknown workload id {w!r} (known: {', '.join(workloads)})")
    st = opt.storage
    D = ("day",)
    data_vars = dict(
        **base,
        capacity_factor=(("cluster", "technology", "day", "hour"), rd.cf, {"long_name": "capacity factor on representative days"}),
        day_weight=(D, rd.weight, {"units": "days of the year", "long_name": "days each representative day stands for"}),
        day_of_year_rep=(("day_of_year",), rd.assignment, {"long_name": "representative day of each calendar day"}),
        demand_shape=(("workload", "hour"), shapes, {"long_name": "hourly IT load / daily mean (inflexible classes)"}),
        flexible=(("workload",), np.array([w in flexible for w in workloads]), {"long_name": "load shifts within the day"}),
        flexibility_band=((), float(opt.flexibility_band)),
        storage_on=((), st is not None),
        storage_power_cost_yuan_per_mw_year=((), st.power_cost_yuan_per_mw_year if st else 0.0),
        storage_energy_cost_yuan_per_mwh_year=((), st.energy_cost_yuan_per_mwh_year if st else 0.0),
        storage_round_trip_efficiency=((), st.round_trip_efficiency if st else 1.0),
    )
    coords = dict(**base_coords, day=np.arange(rd.weight.size), hour=np.arange(HOURS), day_of_year=np.arange(DAYS))
    attrs.update(representative_days=str(opt.representative_days), rep_day_rmse=rd.rmse, rep_day_mean_error=rd.mean_error)
    return data_vars, coords, attrs
