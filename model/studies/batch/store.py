"""The batch folder format: per-scenario folders published atomically, arrays.npz, the index
(index.csv/parquet) and combined.nc (layout in ``model.studies.batch``)."""
from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ... import strict_json
from ...atomic import write_atomic
from ...reports.sheets import write_csv

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from .jobs import Job

OUTPUTS = ("full", "lean", "kpis")


COMBINED_VARS = ("allocation", "unmet", "served", "build", "local_build", "capacity", "load", "utilisation",
                 "utilisation_shortfall", "it_power_mw", "grid_mw", "green_mw", "facility_power_mw",
                 "energy_mwh", "green_shortfall_mw", "emissions_t", "west_shortfall", "latency_weighted_ms",
                 "rack_value", "mw_value", "marginal_cost", "cost")


DIMS = ("region", "cluster", "workload", "year", "cost_term")


LABELS = ("region_name_zh", "region_name_en", "cluster_name_zh", "cluster_name_en", "hub", "hub_name_zh",
          "hub_name_en", "workload_name_zh", "workload_name_en")


SCALAR_KPIS = ("objective", "emissions_tco2", "energy_mwh", "served_rack_years", "unmet_rack_years",
               "built_racks", "utilisation_mean", "solve_s", "total_s")


TIMINGS = ("inputs_s", "build_s", "handoff_s", "solve_s", "results_s", "total_s")


def required_files(outputs: str, html: bool) -> tuple[str, ...]:
    if outputs == "kpis":  # the headline KPIs and the scenario, in run.json alone
        return ("run.json",)
    files = ("run.json", "arrays.npz", "scenario.yaml")
    if outputs == "full":
        files += ("summary.json", "allocation.csv", "results.nc", "report.xlsx") + (("report.html",) if html else ())
    return files


def is_done(folder: Path, outputs: str, html: bool) -> bool:
    """A solved scenario's folder with every file ``outputs`` asks for (failures have no arrays;
    with ``kpis``, where run.json is the only file, its ``ok``)."""
    if outputs == "kpis":
        return bool((_read_json(folder / "run.json") or {}).get("ok"))
    return all((folder / f).is_file() for f in required_files(outputs, html))


def _publish(tmp: Path, final: Path) -> None:
    """Replace ``final`` by the finished ``tmp`` folder in one rename (old content set aside first)."""
    if final.exists():
        old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


def _tmp_folder(root: Path, h: str) -> Path:
    tmp = root / f".tmp-{h}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    return tmp


def clean_stale(root: Path) -> None:
    """Remove temporary folders left by an interrupted run (one batch per DIR at a time)."""
    for p in root.glob(".tmp-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in root.glob(".old-*"):
        shutil.rmtree(p, ignore_errors=True)


def _write_json(path: Path, doc: dict) -> None:
    path.write_text(strict_json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def write_failure(root: Path, item: dict, error: str, **extra) -> None:
    """Record a failed scenario: its folder holds only run.json (with the error)."""
    tmp = _tmp_folder(root, item["hash"])
    rec = {"name": item["name"], "hash": item["hash"], "levers": item.get("levers", {}), "ok": False,
           "status": extra.pop("status", "error"), "error": error,
           "finished": datetime.now(UTC).isoformat(timespec="seconds"), **extra}
    _write_json(tmp / "run.json", rec)
    _publish(tmp, root / item["hash"])


def result_arrays(res) -> dict[str, np.ndarray]:
    """The variables of one result that go into combined.nc as one flat buffer plus a JSON
    description (names, dims, shapes, units, coordinate labels): fast to write and read (npz)."""
    V = res.variables
    names = [v for v in COMBINED_VARS if v in res.data_vars]
    arrays = [np.asarray(V[v].values, dtype=float) for v in names]
    meta = {"vars": [{"name": v, "dims": list(V[v].dims), "shape": list(a.shape), "units": V[v].attrs.get("units", "")}
                     for v, a in zip(names, arrays)],
            "coords": {d: V[d].values.tolist() for d in DIMS if d in V},
            "labels": {c: [V[c].dims[0], V[c].values.tolist()] for c in LABELS if c in V}}
    return {"data": np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0),
            "__meta__": np.array(json.dumps(meta, ensure_ascii=False))}


def read_arrays(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """(name → array, meta) from an arrays.npz written by ``result_arrays``."""
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["__meta__"]))
        data = f["data"]
    out, i = {}, 0
    for v in meta["vars"]:
        n = int(np.prod(v["shape"]))
        out[v["name"]] = data[i:i + n].reshape(v["shape"])
        i += n
    return out, meta


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def index_frame(jobs: list[Job], out: Path, reused: set[str], lever_keys: list[str]) -> pd.DataFrame:
    """One row per scenario (command order), read back from the scenario folders."""
    import pandas as pd

    rows = []
    for j in jobs:
        folder = out / "scenarios" / j.hash
        rec = _read_json(folder / "run.json") or {}
        ok = bool(rec.get("ok")) and (rec.get("outputs") == "kpis" or (folder / "arrays.npz").is_file())
        timings = rec.get("timings") or {}
        row = {"name": j.name, "scenario_hash": j.hash, **{k: j.levers.get(k) for k in lever_keys},
               "status": rec.get("status", "not run"), "ok": ok, "error": rec.get("error", "" if ok else "not run"),
               "reused": j.hash in reused}
        if ok:
            row.update(rec.get("kpis", {}))
        elif "objective" in rec:
            row["objective"] = rec["objective"]
        row.update({"warm_start": rec.get("warm_start"), "iterations": rec.get("iterations"),
                    **{k: timings.get(k) for k in TIMINGS}, "wall_s": rec.get("wall_s"),
                    "worker": rec.get("worker"), "finished": rec.get("finished"), "dir": f"scenarios/{j.hash}"})
        rows.append(row)
    df = pd.DataFrame(rows)
    unmet = [c for c in df.columns if c.startswith("unmet: ")]
    if unmet:
        df.loc[df["ok"], unmet] = df.loc[df["ok"], unmet].fillna(0.0)
    tail = ["warm_start", "iterations", *TIMINGS, "wall_s", "worker", "finished", "dir"]
    return df[[c for c in df.columns if c not in tail] + tail]


def _unique_names(names: list[str], hashes: list[str]) -> list[str]:
    """Scenario labels for combined.nc: the name, with the hash added where names repeat."""
    from collections import Counter

    counts, used, out = Counter(names), set(), []
    for n, h in zip(names, hashes):
        label = base = n if counts[n] == 1 else f"{n} ({h[:8]})"
        i = 2
        while label in used:
            label, i = f"{base} #{i}", i + 1
        used.add(label)
        out.append(label)
    return out


def _lever_coord(values: list) -> np.ndarray:
    if all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype="int8")
    if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return np.asarray(values, dtype="int64")
        return np.asarray([np.nan if v is None else float(v) for v in values], dtype=float)
    return np.asarray(["" if v is None else str(v) for v in values], dtype=str)


def combine(index: pd.DataFrame, out: Path, lever_keys: list[str]) -> xr.Dataset:
    """combined.nc contents: the solved scenarios' arrays along ``scenario`` (read from arrays.npz).

    Scenarios on the same dataset share labels and are stacked directly; a mix of datasets is
    aligned on the union of labels (NaN where a scenario has no entry)."""
    import xarray as xr

    ok = index[index["ok"]].reset_index(drop=True)
    if ok.empty:
        return None
    folders = [out / "scenarios" / h for h in ok["scenario_hash"]]
    if not all((f / "arrays.npz").is_file() for f in folders):  # --outputs kpis: the scalar KPIs only
        return _with_kpis(xr.Dataset(), ok, lever_keys)
    cache: dict[str, tuple[dict, dict]] = {}
    for h in ok["scenario_hash"]:
        if h not in cache:
            cache[h] = read_arrays(out / "scenarios" / h / "arrays.npz")
    first = cache[ok["scenario_hash"].iloc[0]][1]

    def layout(meta: dict):
        return meta["coords"], [(v["name"], v["dims"]) for v in meta["vars"]]

    def coords(meta: dict) -> dict:
        return {**meta["coords"], **{c: (d, vals) for c, (d, vals) in meta["labels"].items()}}

    if all(layout(m) == layout(first) for _, m in cache.values()):
        ds = xr.Dataset({v["name"]: (("scenario", *v["dims"]),
                                     np.stack([cache[h][0][v["name"]] for h in ok["scenario_hash"]]),
                                     {"units": v["units"]}) for v in first["vars"]}, coords=coords(first))
    else:
        parts = [xr.Dataset({v["name"]: (v["dims"], arrs[v["name"]], {"units": v["units"]}) for v in meta["vars"]},
                            coords=coords(meta)) for arrs, meta in (cache[h] for h in ok["scenario_hash"])]
        ds = xr.concat(parts, dim="scenario", join="outer", coords="minimal", compat="override",
                       combine_attrs="drop_conflicts")
    return _with_kpis(ds, ok, lever_keys)


def _with_kpis(ds: xr.Dataset, ok: pd.DataFrame, lever_keys: list[str]) -> xr.Dataset:
    """``ds`` along ``scenario`` with the scenarios' names, hashes, status, swept levers and scalar KPIs."""
    names = _unique_names(list(ok["name"]), list(ok["scenario_hash"]))
    ds = ds.assign_coords(scenario=("scenario", names),
                          scenario_name=("scenario", ok["name"].astype(str).to_numpy()),
                          scenario_hash=("scenario", ok["scenario_hash"].astype(str).to_numpy()),
                          status=("scenario", ok["status"].astype(str).to_numpy()))
    for k in lever_keys:
        ds = ds.assign_coords({k: ("scenario", _lever_coord(list(ok[k])), {"long_name": f"swept lever {k}"})})
    for k in SCALAR_KPIS:
        if k in ok.columns:
            ds[k] = ("scenario", pd_float(ok[k]))
    ds.attrs.update(title="hubplan batch: per-scenario decisions and KPIs", levers=json.dumps(lever_keys),
                    n_scenarios=int(len(ok)), created=datetime.now(UTC).isoformat(timespec="seconds"))
    return ds


def _combined_current(path: Path, index, lever_keys: list[str]) -> bool:
    """combined.nc already holds exactly these solved scenarios (a re-run that solved nothing)."""
    import xarray as xr

    if not path.is_file():
        return False
    ok = index[index["ok"]]
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return (list(ds["scenario_hash"].values) == list(ok["scenario_hash"])
                    and list(ds["scenario_name"].values) == list(ok["name"])
                    and all(k in ds.coords for k in lever_keys))
    except (OSError, KeyError, ValueError):
        return False


def pd_float(col) -> np.ndarray:
    return np.asarray([np.nan if v is None else float(v) for v in col], dtype=float)


def write_index(index, out: Path) -> dict[str, Path]:
    paths = {}
    write_atomic(out / "index.csv", lambda p: write_csv(index, p))
    paths["index.csv"] = out / "index.csv"

    def parquet(p: Path):
        try:
            index.to_parquet(p, index=False)
        except Exception:  # noqa: BLE001 - mixed-type lever columns: store them as text
            safe = index.copy()
            for c in safe.select_dtypes(include=object).columns:
                safe[c] = safe[c].map(lambda v: None if v is None else str(v))
            safe.to_parquet(p, index=False)

    write_atomic(out / "index.parquet", parquet)
    paths["index.parquet"] = out / "index.parquet"
    return paths

