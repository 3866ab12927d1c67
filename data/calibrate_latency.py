"""Calibrate the distance -> one-way latency rule on the CAICT 2024-Q1 measurement.

latency_ms = latency_overhead_ms + route_factor * great_circle_km / fibre_km_per_ms

Over the 45 pairs of the 10 cluster cities (clusters.csv lat/lon), choose
route_factor and latency_overhead_ms so that the mean is 9.7 ms and the max is
17.1 ms (CAICT optical-layer latency between cluster cities, 2024-Q1).  Two
targets, two unknowns: the fit is an exact 2x2 linear solve.

Usage: python data/calibrate_latency.py   (prints the fit; settings.yaml holds the result)
"""
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
EARTH_RADIUS_KM = 6371.0
TARGET_MEAN_MS = 9.7   # CAICT 2024-Q1, optical layer, mean over cluster-city pairs
TARGET_MAX_MS = 17.1   # CAICT 2024-Q1, optical layer, max over cluster-city pairs


def haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def pair_distances(clusters: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for a, b in combinations(clusters.itertuples(index=False), 2):
        rows.append((a.cluster_id, b.cluster_id, haversine_km(a.lat, a.lon, b.lat, b.lon)))
    return pd.DataFrame(rows, columns=["a", "b", "km"])


def fit(km: np.ndarray, fibre_km_per_ms: float):
    """Return (route_factor, overhead_ms) matching TARGET_MEAN_MS and TARGET_MAX_MS."""
    ms_per_km = 1.0 / fibre_km_per_ms
    route_factor = (TARGET_MAX_MS - TARGET_MEAN_MS) / ((km.max() - km.mean()) * ms_per_km)
    overhead = TARGET_MEAN_MS - route_factor * km.mean() * ms_per_km
    return route_factor, overhead


def latency_ms(km, route_factor, overhead_ms, fibre_km_per_ms):
    return overhead_ms + route_factor * np.asarray(km) / fibre_km_per_ms


def main():
    clusters = pd.read_csv(HERE / "clusters.csv")
    settings = yaml.safe_load((HERE / "settings.yaml").read_text(encoding="utf-8"))
    fibre = settings["fibre_km_per_ms"]
    pairs = pair_distances(clusters)
    rf, oh = fit(pairs["km"].to_numpy(), fibre)
    lat = latency_ms(pairs["km"], round(rf, 3), round(oh, 2), fibre)
    far = pairs.loc[pairs["km"].idxmax()]
    print(f"{len(pairs)} pairs; great-circle km mean {pairs['km'].mean():.0f}, max {far['km']:.0f} ({far['a']}-{far['b']})")
    print(f"fit: route_factor = {rf:.3f}, latency_overhead_ms = {oh:.2f}")
    print(f"rounded fit gives mean {lat.mean():.2f} ms, max {lat.max():.2f} ms (targets {TARGET_MEAN_MS}, {TARGET_MAX_MS})")
    print(f"settings.yaml has route_factor = {settings['route_factor']}, "
          f"latency_overhead_ms = {settings['latency_overhead_ms']}")


if __name__ == "__main__":
    main()
