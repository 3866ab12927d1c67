"""A synthetic city-level dataset for benchmarks: ~340 demand nodes instead of 31 provinces.

Each provincial region of ``data/regions.csv`` is split into prefecture-level "cities":

- the number of cities of a province is proportional to its 2023 GDP share (at least one; largest
  remainder, 340 in all, about China's 333 prefecture-level divisions plus the 4 municipalities);
- the first city is the provincial capital itself and keeps the province's id, coordinates and
  CO2 factor, so ``data/clusters.csv`` (whose ``region_id`` names a province) is reused unchanged;
- the other cities are jittered around the capital (normal, σ = 1.6° in a province, 0.35° in a
  municipality, clipped to the schema's lat/lon ranges) and inherit the province's grid region
  and CO2 factor;
- each province's demand (``data/demand.csv``, every class and year) is split over its cities
  with Zipf-like weights (1 / rank^0.9, the capital first) times log-normal noise (σ = 0.3), so
  city demand adds up to the provincial demand exactly.

Clusters, hubs, workload classes and settings are the bundled ones (10 clusters, 5 classes,
5 years 2026–2030). Deterministic: the same seed writes byte-identical files.

    python benchmarks/synthetic.py OUT_DIR [--cities 340] [--seed 20260101]
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from model.inputs.dataset import BUNDLED
from model.inputs.schema import FILES

N_CITIES = 340
SEED = 20260101
SIGMA_PROVINCE_DEG = 1.6
SIGMA_MUNICIPALITY_DEG = 0.35


def city_counts(gdp: pd.Series, total: int) -> pd.Series:
    """Cities per province ∝ GDP share, at least one each, summing to ``total`` (largest remainder)."""
    n = len(gdp)
    if total < n:
        raise ValueError(f"need at least one city per province ({n})")
    quota = (total - n) * gdp / gdp.sum()
    counts = 1 + np.floor(quota).astype(int)
    short = total - int(counts.sum())
    counts.iloc[np.argsort(-(quota - np.floor(quota)).to_numpy(), kind="stable")[:short]] += 1
    return counts


def city_tables(regions: pd.DataFrame, demand: pd.DataFrame, n_cities: int = N_CITIES,
                seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(regions.csv, demand.csv) of the city-level dataset, from the provincial ones."""
    rng = np.random.default_rng(seed)
    regions = regions.set_index("region_id")
    counts = city_counts(regions["gdp_2023_100m_yuan"].astype(float), n_cities)
    rows, shares = [], {}
    for rid, prov in regions.iterrows():
        n = int(counts[rid])
        municipality = prov["name_zh"].endswith("市")
        sigma = SIGMA_MUNICIPALITY_DEG if municipality else SIGMA_PROVINCE_DEG
        lat0, lon0 = float(prov["lat"]), float(prov["lon"])
        lat = np.clip(lat0 + sigma * rng.standard_normal(n), 15.5, 54.5)
        lon = np.clip(lon0 + sigma * rng.standard_normal(n), 70.5, 139.5)
        lat[0], lon[0] = lat0, lon0  # the capital stays where it is
        w = (1.0 / np.arange(1, n + 1) ** 0.9) * np.exp(0.3 * rng.standard_normal(n))
        w /= w.sum()
        for i in range(n):
            cid = rid if i == 0 else f"{rid}_{i + 1:02d}"
            unit = ("区", "district") if municipality else ("市", "city")
            zh = prov["capital_zh"] if i == 0 else f"{prov['name_zh']}第{i + 1}{unit[0]}"
            en = prov["capital_en"] if i == 0 else f"{prov['name_en']} {unit[1]} {i + 1}"
            rows.append(dict(region_id=cid, name_zh=zh, name_en=en, capital_zh=zh, capital_en=en,
                             lat=round(float(lat[i]), 4), lon=round(float(lon[i]), 4),
                             grid_region=prov["grid_region"], co2_t_per_mwh=prov["co2_t_per_mwh"],
                             gdp_2023_100m_yuan=round(float(prov["gdp_2023_100m_yuan"]) * w[i], 1)))
            shares[cid] = (rid, w[i])
    cities = pd.DataFrame(rows)
    city_of = pd.DataFrame([(c, p, s) for c, (p, s) in shares.items()], columns=["city", "province", "share"])
    d = demand.astype({"racks": float, "year": int}).merge(city_of, left_on="region_id", right_on="province")
    d = pd.DataFrame({"region_id": d["city"], "workload_id": d["workload_id"], "year": d["year"],
                      "racks": (d["racks"] * d["share"]).round(4)})
    order = {c: i for i, c in enumerate(cities["region_id"])}
    d = d.sort_values(["region_id", "workload_id", "year"], key=lambda s: s.map(order) if s.name == "region_id" else s)
    return cities, d.reset_index(drop=True)


def write_city_dataset(root: str | Path, n_cities: int = N_CITIES, seed: int = SEED) -> Path:
    """Write the city-level dataset into ``root`` (created) and return it."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name in ("hubs.csv", "clusters.csv", "workloads.csv", "settings.yaml"):
        shutil.copyfile(BUNDLED / name, root / name)
    regions = pd.read_csv(BUNDLED / "regions.csv", dtype=str, keep_default_na=False)
    demand = pd.read_csv(BUNDLED / "demand.csv", dtype=str, keep_default_na=False)
    cities, city_demand = city_tables(regions, demand, n_cities, seed)
    cols = [c.name for c in FILES["regions.csv"]] + ["gdp_2023_100m_yuan"]
    cities[cols].to_csv(root / "regions.csv", index=False)
    city_demand[[c.name for c in FILES["demand.csv"]]].to_csv(root / "demand.csv", index=False)
    return root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cities", type=int, default=N_CITIES)
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args()
    root = write_city_dataset(a.out, a.cities, a.seed)
    print(f"wrote {root} ({a.cities} demand nodes)")


if __name__ == "__main__":
    main()
