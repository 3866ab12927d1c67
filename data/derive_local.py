"""Derive data/local.csv: the data-center stock of each province outside the 10 clusters.

    national[end-2025] = national_racks_2025_06 × (1 + 20 %)^0.5
    stock[r]           = national × group_share[g(r)] × gdp[r] / Σ_{r' ∈ g(r)} gdp[r']   (Guangdong pinned, below)
    existing_racks[r]  = max(0, stock[r] − Σ installed racks of the clusters in r)

Groups and their published shares of in-use racks (CAICT, end-2023): 京津冀 21.5 %, 长三角 24.5 %,
the other six hubs' provinces 25.5 %, all other provinces the remaining 28.5 %. Guangdong is pinned
to its published 2025 data-center energy (10.9 TWh): racks = E / (8760 × PUE × 2.0 kW × 0.63); the
rest of its group is split by GDP. The other columns are documented rules (sources.csv): a 1 ms
in-city latency, the local PUE, a price by grid region, opex by tier, retirement and a growth limit.

Usage: python data/derive_local.py [--out PATH]
"""
import argparse
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

NATIONAL_RACKS_2025_06 = 10_850_000  # published: 2025 China Computing Power Conference (人民日报海外版 2025-08-25)
GROWTH = 0.20  # published: racks growing ~20 %/yr (NDRC, MIIT)
GROUPS = {  # published: CAICT in-use rack shares, end-2023
    "jjj": (0.215, ["beijing", "tianjin", "hebei"]),
    "yrd": (0.245, ["shanghai", "jiangsu", "zhejiang", "anhui"]),
    "other_hubs": (0.255, ["guangdong", "sichuan", "chongqing", "inner_mongolia", "guizhou", "gansu", "ningxia"]),
}
GUANGDONG_TWH_2025 = 10.9  # published: 307 data centers in Guangdong, 2025 (南方都市报 2026-01-21)
LOCAL_PUE = 1.45  # derived: national average 1.42 (2025-06) with the clusters (~15 % of racks at ~1.25) taken out
KW_PER_OCCUPIED_RACK, OCCUPANCY = 2.0, 0.63
PRICE = {"north": 0.55, "northeast": 0.55, "east": 0.65, "central": 0.60, "south": 0.62,
         "southwest": 0.50, "northwest": 0.45}  # assumption: yuan/kWh by regional grid
OPEX_EAST_HUB, OPEX_OTHER = 12000, 8000  # assumption: yuan per occupied rack-year, excl. electricity
EAST_HUB_PROVINCES = set(GROUPS["jjj"][1] + GROUPS["yrd"][1] + ["guangdong"])
RETIRE, GROWTH_LIMIT = 0.05, 0.08  # assumption: share of the 2026 stock retired / addable per year
LATENCY_MS = 1.0  # published tier: 1 ms in-city (2023-12 implementation opinions)
CAPEX = 80000  # assumption: yuan per standard rack, the eastern cluster anchor


def derive(data_dir: Path = HERE) -> pd.DataFrame:
    regions = pd.read_csv(data_dir / "regions.csv").set_index("region_id")
    clusters = pd.read_csv(data_dir / "clusters.csv")
    national = NATIONAL_RACKS_2025_06 * (1 + GROWTH) ** 0.5
    gdp = regions["gdp_2023_100m_yuan"]
    in_group = {r for _, members in GROUPS.values() for r in members}
    groups = {**GROUPS, "rest": (1 - sum(s for s, _ in GROUPS.values()), [r for r in regions.index if r not in in_group])}
    stock = pd.Series(0.0, index=regions.index)
    for share, members in groups.values():
        total = national * share
        if "guangdong" in members:
            gd = GUANGDONG_TWH_2025 * 1e6 / 8760 / LOCAL_PUE / (KW_PER_OCCUPIED_RACK / 1000) / OCCUPANCY
            stock["guangdong"], total, members = gd, total - gd, [r for r in members if r != "guangdong"]
        stock[members] = total * gdp[members] / gdp[members].sum()
    in_clusters = clusters.groupby("region_id")["installed_racks"].sum().reindex(regions.index, fill_value=0)
    existing = (stock - in_clusters).clip(lower=0).round(-2)
    return pd.DataFrame({
        "region_id": regions.index,
        "existing_racks": existing.astype(int).to_numpy(),
        "retire_share_per_year": RETIRE,
        "build_limit_racks_per_year": (existing * GROWTH_LIMIT).round(-2).astype(int).to_numpy(),
        "latency_ms": LATENCY_MS,
        "pue": LOCAL_PUE,
        "grid_price_yuan_per_kwh": regions["grid_region"].map(PRICE).to_numpy(),
        "opex_yuan_per_rack_year": [OPEX_EAST_HUB if r in EAST_HUB_PROVINCES else OPEX_OTHER for r in regions.index],
        "capex_yuan_per_rack": CAPEX,
    })


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "local.csv")
    out = ap.parse_args().out
    local = derive()
    local.to_csv(out, index=False, lineterminator="\n")
    print(f"wrote {len(local)} rows to {out}; existing racks {local['existing_racks'].sum():,.0f}")


if __name__ == "__main__":
    main()
