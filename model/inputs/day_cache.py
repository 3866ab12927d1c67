"""Representative days kept on disk, by content: tsam's aggregation is deterministic on the
profiles, the day count, the method and the versions of the packages that compute it, so its
result is stored under a fingerprint of all of these and reused by later processes — tsam and
scikit-learn (1.3 s of imports) are then not imported at all.

Where: ``$HUBPLAN_CACHE`` (a folder; ``off`` turns the disk cache off), else
``$XDG_CACHE_HOME/hubplan``, else ``~/.cache/hubplan``; entries go to its ``representative-days/``
folder, one ``<fingerprint>.npz`` each. The bundled dataset ships its default entry in
``data/profiles/representative-days/`` (found by the same fingerprint, so it is used only while
the bundled profiles, the count and the versions are those it was made from).

An entry is trusted only if it names its own fingerprint and its arrays have the shapes, ranges
and totals a result has; anything else (a truncated, foreign or stale file) is ignored and
recomputed. Entries are written atomically (``model/atomic.py``): concurrent writers of the same
entry write the same bytes, and a reader sees a whole file or none. A folder that cannot be
written only costs the next process a recomputation; the folder keeps the 200 newest entries."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from ..atomic import write_bytes_atomic
from .paths import DATA

ENV = "HUBPLAN_CACHE"
FOLDER = "representative-days"
SHIPPED = DATA / "profiles" / FOLDER
METHOD = "tsam.aggregate(period_duration=24, hierarchical, medoid); constant columns kept as they are"
# packages whose code computes the aggregation: another version may group the days differently
PACKAGES = ("tsam", "scikit-learn", "numpy", "pandas")
FIELDS = ("cf", "weight", "assignment", "rmse", "mean_error")
DAYS, HOURS = 365, 24
KEEP = 200  # entries kept in the user's folder (~35 kB each at 10 clusters and 12 days)


@cache
def versions() -> str:
    """The versions of ``PACKAGES`` installed here, as part of the fingerprint."""
    out = []
    for name in PACKAGES:
        try:
            out.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} missing")
    return ";".join(out)


def fingerprint(cf: np.ndarray, count: int) -> str:
    """sha256 of the (cluster, technology, 8760) profiles' shape and bytes, the count, the method
    and the package versions."""
    h = hashlib.sha256()
    h.update(f"{cf.shape}|{count}|{METHOD}|{versions()}|".encode())
    h.update(np.ascontiguousarray(cf, dtype="<f8").tobytes())
    return h.hexdigest()


def folder() -> Path | None:
    """The user's cache folder for representative days, or None when ``$HUBPLAN_CACHE`` is ``off``."""
    base = os.environ.get(ENV)
    if base == "off":
        return None
    if not base:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hubplan"
    return Path(base) / FOLDER


def _valid(arrays: dict, key: str, shape: tuple[int, int]) -> bool:
    """Whether loaded arrays are a result of this fingerprint (a whole, well-formed one)."""
    cf, w, a = arrays["cf"], arrays["weight"], arrays["assignment"]
    n = w.shape[0] if w.ndim == 1 else -1
    return (str(arrays["key"]) == key
            and cf.dtype == np.float64 and cf.shape == (*shape, n, HOURS) and n >= 1
            and w.dtype == np.float64 and a.shape == (DAYS,) and a.dtype.kind == "i"
            and bool(np.all((cf >= 0) & (cf <= 1))) and bool(np.all(w > 0)) and float(w.sum()) == DAYS
            and bool(np.all((a >= 0) & (a < n))) and np.array_equal(np.bincount(a, minlength=n), w)
            and all(arrays[f].shape == () and np.isfinite(arrays[f]) for f in ("rmse", "mean_error")))


def load(key: str, shape: tuple[int, int]) -> dict | None:
    """The stored result of ``key`` (fields of ``profiles.RepresentativeDays``): the shipped entry,
    else the user's; None when neither holds a valid one."""
    user = folder()
    for place in (SHIPPED, user):
        if place is None:
            continue
        try:
            with np.load(place / f"{key}.npz", allow_pickle=False) as f:
                arrays = {name: f[name] for name in ("key", *FIELDS)}
            if _valid(arrays, key, shape):
                return {name: arrays[name] if arrays[name].ndim else float(arrays[name]) for name in FIELDS}
        except (OSError, ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile):
            continue  # absent, truncated or foreign: recompute
    return None


def store(key: str, fields: dict, place: Path | None = None) -> Path | None:
    """Write ``fields`` as the entry of ``key`` (default: in the user's folder); None if it cannot."""
    place = folder() if place is None else place
    if place is None:
        return None
    arrays = {"key": key, "made_with": versions(), **{name: fields[name] for name in FIELDS}}
    try:
        place.mkdir(parents=True, exist_ok=True)
        path = write_bytes_atomic(place / f"{key}.npz", _npz(arrays))
    except OSError:
        return None  # a read-only or full disk: the next process recomputes
    _prune(place)
    return path


def _prune(place: Path) -> None:
    """Keep the ``KEEP`` most recently written entries (each profile set and count adds one)."""
    for old in sorted(place.glob("*.npz"), key=_written)[:-KEEP]:
        old.unlink(missing_ok=True)  # another process may have removed it already


def _written(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # removed meanwhile by another process
        return 0


def _npz(arrays: dict) -> bytes:
    """A compressed .npz (what ``np.load`` reads) with fixed timestamps: the same result is the
    same bytes, so regenerating the shipped entry leaves git clean."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w") as f:
                np.lib.format.write_array(f, np.asarray(value), allow_pickle=False)
    return buf.getvalue()
