"""Write data/lifecycle/: the chains, the TB each province collects and the backbone between the
eight hubs (issue 21). Scenarios name the folder (``lifecycle.folder``, data/scenarios/data_lifecycle.yaml);
the bundled dataset itself has no chains, so its reference is unchanged.

Figures (data/sources.csv):
- stored data: 41.06 ZB produced in 2024 (published), 2.9 % of it stored (published, 2023) →
  1.19e9 TB/yr; the chains carry a share of it (assumption 10 %, range 5–30 %: demand.csv already
  holds most storage work), growing 25 %/yr (published 2024 growth, assumed to continue);
- six provinces (粤苏鲁浙豫川) produce 57.45 % (published), split equally among them; the rest
  equally over the other provinces (assumption);
- backbone: 751 Tbps inter-hub IP bandwidth at ~16 % use (published, CAICT 2024-Q1), split
  equally over the 28 hub pairs (assumption, range ×/÷ 3 per pair); planned maximum use 0.7
  (assumption, 0.5–0.8); 100 yuan/TB (assumption, 40–260 from retail cloud/CDN prices); expansion
  3,000 yuan per Tbps-km (assumption, 1,000–10,000: a fibre pair lit to 64 Tbps over 1,200 km,
  published trial, at ~0.1–0.2 M yuan/km of cable and terminals); route km = great circle between
  the hubs' first clusters × the optical route factor of settings.yaml (derived);
- stored data stay where stored for 3 years (assumption, range 1–10), 3,000 TB per storage rack
  (assumption, range 1,000–10,000; the 1,000 TB/yr per rack of before held 3 years of data);
- a TB/yr the plan does not store costs 1,440 yuan (assumption, range 500–1,500: stored elsewhere
  at retail object-storage prices, ~0.12 yuan/GB-month).
"""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

DATA = Path(__file__).parent
STORED_TB_2024 = 41.06e9 * 0.029  # TB/yr: 41.06 ZB produced (2024) × 2.9 % stored
CHAIN_SHARE, GROWTH = 0.10, 0.25
TOP6, TOP6_SHARE = ["guangdong", "jiangsu", "shandong", "zhejiang", "henan", "sichuan"], 0.5745
# stored data as a stock: kept 3 years where stored (assumption, range 1-10; about 40 % of stored data go
# unused for a year, published 2023), one 2.5 kW storage rack holding 3,000 TB (assumption, range 1,000-10,000)
RETENTION_YEARS, TB_PER_STORAGE_RACK = 3, 3000.0
UNMET_YUAN_PER_TB = 1440.0  # a TB the plan does not store is stored elsewhere: public-cloud object storage ~0.12 yuan/GB-month
# chain: (share of the chains' TB, [(stage, order, class, TB per TB collected, TB/yr per rack, copies)])
CHAINS = {
    "iot": (0.30, [("iot_store", 1, "storage", 1.0, 1000.0, ""), ("iot_analyse", 2, "processing", 0.1, 200.0, "")]),
    "media": (0.30, [("media_store", 1, "storage", 1.0, 1000.0, ""), ("media_process", 2, "processing", 0.2, 200.0, "")]),
    "enterprise": (0.15, [("ent_store", 1, "storage", 1.0, 1000.0, ""), ("ent_analyse", 2, "processing", 0.3, 200.0, "")]),
    "ai_corpus": (0.15, [("corpus_store", 1, "storage", 1.0, 1000.0, ""), ("corpus_train", 2, "ai_training", 0.5, 50.0, "")]),
    "backup": (0.10, [("backup_copy", 1, "storage", 2.0, 1000.0, 2)]),
}


def great_circle_km(a, b) -> float:
    la1, lo1, la2, lo2 = map(np.radians, (a[0], a[1], b[0], b[1]))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return float(2 * 6371.0 * np.arcsin(np.sqrt(h)))


def main() -> None:
    out = DATA / "lifecycle"
    out.mkdir(exist_ok=True)
    settings = yaml.safe_load((DATA / "settings.yaml").read_text())
    regions = pd.read_csv(DATA / "regions.csv")["region_id"].tolist()
    rest = [r for r in regions if r not in TOP6]
    share = {r: TOP6_SHARE / len(TOP6) if r in TOP6 else (1 - TOP6_SHARE) / len(rest) for r in regions}
    pd.DataFrame([dict(chain_id=c, stage_id=s, stage_order=o, workload_id=w, volume_ratio=v, tb_per_rack_year=t, copies=n,
                       unmet_yuan_per_tb=UNMET_YUAN_PER_TB if o == 1 else None,
                       retention_years=RETENTION_YEARS if w == "storage" else None,
                       tb_per_rack=TB_PER_STORAGE_RACK if w == "storage" else None)
                  for c, (_, stages) in CHAINS.items() for s, o, w, v, t, n in stages]).to_csv(out / "chains.csv", index=False)
    years = settings["years"]
    pd.DataFrame([dict(chain_id=c, region_id=r, year=y,
                       tb_per_year=round(STORED_TB_2024 * CHAIN_SHARE * cs * share[r] * (1 + GROWTH) ** (y - 2024)))
                  for c, (cs, _) in CHAINS.items() for r in regions for y in years]).to_csv(out / "chain_sources.csv", index=False)
    cl = pd.read_csv(DATA / "clusters.csv").drop_duplicates("hub_id").set_index("hub_id")
    hubs = pd.read_csv(DATA / "hubs.csv")["hub_id"].tolist()
    pairs = list(itertools.combinations(hubs, 2))
    pd.DataFrame([dict(hub_a=a, hub_b=b, km=round(settings["route_factor"] * great_circle_km(
        cl.loc[a, ["lat", "lon"]].to_numpy(float), cl.loc[b, ["lat", "lon"]].to_numpy(float))), capacity_tbps=round(751.0 / len(pairs), 2),
        background_share=0.16, max_use=0.7, price_yuan_per_tb=100.0, expansion_yuan_per_tbps_km=3000.0)
        for a, b in pairs]).to_csv(out / "backbone.csv", index=False)


if __name__ == "__main__":
    main()
