"""One-way latency from each demand region to each cluster.

latency = overhead + route_factor × great-circle km / fibre km-per-ms. The defaults in
``data/settings.yaml`` are calibrated against CAICT's 2024-Q1 measurements between the cluster
cities (data/README.md). A planner's measured matrix (CSV) replaces the computed one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance; arguments broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def distance_matrix(regions: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    d = great_circle_km(regions["lat"].to_numpy()[:, None], regions["lon"].to_numpy()[:, None],
                        clusters["lat"].to_numpy()[None, :], clusters["lon"].to_numpy()[None, :])
    return pd.DataFrame(d, index=regions.index, columns=clusters.index)


# latency_layer -> (route-factor key, overhead key or None for 0) in settings.yaml (data/calibrate_latency.py):
# optical: CAICT optical layer (mean 9.7 / max 17.1 ms); ip: CAICT IP private network (14.6 / 23.9 ms),
# what applications see; target: the 2023 action plan's direct links at ≤ 1.5 × theoretical latency
LAYERS = {"optical": ("route_factor", "latency_overhead_ms"), "ip": ("route_factor_ip", "latency_overhead_ms_ip"),
          "target": ("route_factor_target", None)}


def modelled_latency_ms(distance_km: pd.DataFrame, settings: dict, layer: str = "optical",
                        source: str = "settings.yaml") -> pd.DataFrame:
    factor_key, overhead_key = LAYERS[layer]
    for key in (factor_key, overhead_key):
        if key is not None and key not in settings:
            raise InputError(source, key, f"missing setting (needed by latency_layer: {layer})")
    overhead = 0.0 if overhead_key is None else settings[overhead_key]
    return overhead + settings[factor_key] * distance_km / settings["fibre_km_per_ms"]


def read_latency_matrix(path: Path, regions, clusters) -> pd.DataFrame:
    """Measured one-way latency: first column region_id, one column per cluster_id, values in ms.

    Messages name the file, the row or column and what was expected, never the file's text:
    the path comes from a scenario, so it may point at a file that is not a latency matrix."""
    from .dataset import _read_csv  # same size and encoding checks as the dataset files

    df = _read_csv(path)
    if df.columns[0] != "region_id":
        raise InputError(path, "region_id", "column 1 must be region_id (then one column per cluster id)")
    known_c, known_r = set(map(str, clusters)), set(map(str, regions))
    for j, c in enumerate(df.columns[1:], start=2):
        if c not in known_c:
            raise InputError(path, "columns", f"column {j} is not a cluster id of the dataset")
    for i, r in enumerate(df["region_id"]):
        if r not in known_r:
            raise InputError(path, "region_id", f"row {i + 2} is not a region id of the dataset")
    dup = df["region_id"].duplicated()
    if dup.any():
        raise InputError(path, "region_id", f"row {int(dup.to_numpy().argmax()) + 2} repeats region "
                                            f"{df['region_id'][dup].iloc[0]!r}")
    df = df.set_index("region_id")
    for field, wanted, have in (("region_id", regions, df.index), ("columns", clusters, df.columns)):
        missing = [k for k in wanted if k not in have]
        if missing:
            raise InputError(path, field, f"no entry for {missing[0]!r}")
    rows = {r: i + 2 for i, r in enumerate(df.index)}  # file rows, for the messages
    df = df.loc[list(regions), list(clusters)]
    vals = df.apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(vals) | (vals < 0)  # NaN, inf and text are not latencies
    if bad.to_numpy().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        raise InputError(path, str(df.columns[c]),
                         f"expected a finite latency ≥ 0 ms in row {rows[df.index[r]]} (region {df.index[r]!r})")
    return vals.astype(float)
