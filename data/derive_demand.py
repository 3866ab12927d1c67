"""Derive data/demand.csv (region x workload x year, in-use standard racks).

racks[r, w, y] = demand_2026_racks * share_2026[w] * gdp_share[r] * (1 + growth_per_year[w]) ** (y - base_year)

gdp_share[r] = gdp_2023[r] / sum(gdp_2023): a published proxy for where compute demand
originates (per-province rack or digital-economy figures were not found). Deterministic.

Usage: python data/derive_demand.py [--out PATH]
"""
import argparse
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent


def derive(data_dir: Path = HERE) -> pd.DataFrame:
    regions = pd.read_csv(data_dir / "regions.csv")
    workloads = pd.read_csv(data_dir / "workloads.csv")
    settings = yaml.safe_load((data_dir / "settings.yaml").read_text(encoding="utf-8"))
    total, base = settings["demand_2026_racks"], settings["base_year"]
    gdp_share = regions["gdp_2023_100m_yuan"] / regions["gdp_2023_100m_yuan"].sum()
    rows = []
    for region_id, rshare in zip(regions["region_id"], gdp_share):
        for w in workloads.itertuples(index=False):
            for year in settings["years"]:
                racks = total * w.share_2026 * rshare * (1 + w.growth_per_year) ** (year - base)
                rows.append((region_id, w.workload_id, year, round(racks, 1)))
    return pd.DataFrame(rows, columns=["region_id", "workload_id", "year", "racks"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "demand.csv")
    out = ap.parse_args().out
    demand = derive()
    demand.to_csv(out, index=False, float_format="%.1f", lineterminator="\n")
    by_year = demand.groupby("year")["racks"].sum()
    print(f"wrote {len(demand)} rows to {out}")
    print("national total by year:", ", ".join(f"{y}: {v:,.0f}" for y, v in by_year.items()))


if __name__ == "__main__":
    main()
