"""Print the reference scenario's headline numbers as Markdown (docs/data-before-after.md).

Unmet demand by reason, utilisation by cluster, the share of each class served in the west,
builds by year and cluster, energy per cluster (and, where the results carry them, water and
EFLOPS). Run: ``python data/reference_numbers.py [scenario.yaml]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from model.inputs.scenario import SCENARIOS, load_scenario
from model.run import solve_scenario

# Published facility energy (TWh/yr run-rate); tests/results/test_reference.py checks the same figures
PUBLISHED_TWH = {
    "zhangjiakou": (4.071 * 2, "H1-2025 4.071 TWh × 2 (国网张家口)"),
    "shaoguan": (0.02634 * 8760 / 744, "Jan-2026 26.34 GWh annualised (China News Service)"),
    "horinger": (1.22 * 4, "Q1-2025 1.22 TWh × 4 (issue 10 lead, not located offline)"),
}


def _table(header: list[str], rows: list[list]) -> str:
    fmt = lambda v: f"{v:,.0f}" if isinstance(v, (float, int, np.floating)) and abs(v) >= 100 else (  # noqa: E731
        f"{v:.2f}" if isinstance(v, (float, np.floating)) else str(v))
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def main(path: str | None = None) -> None:
    res = solve_scenario(load_scenario(path or SCENARIOS / "reference.yaml"))
    years = [int(y) for y in res.year.values]
    print(f"objective {res.attrs['objective'] / 1e8:,.1f} 亿元; cost terms (亿元): "
          + ", ".join(f"{t} {float(c) / 1e8:,.1f}" for t, c in zip(res.cost_term.values, res["cost"].values)))
    print("\n**Unmet demand by reason (standard racks)**\n")
    u = res["unmet"].to_numpy()
    reasons = res["unmet_reason"].to_numpy()
    rows = []
    for reason in sorted(set(reasons.ravel()) - {""}):
        rows.append([reason] + [float(u[..., j][reasons[..., j] == reason].sum()) for j in range(len(years))])
    rows.append(["total"] + [float(u[..., j].sum()) for j in range(len(years))])
    print(_table(["reason"] + years, rows))
    print("\n**Utilisation by cluster (load / capacity)**\n")
    print(_table(["cluster"] + years, [[c] + [float(v) for v in res["utilisation"].sel(cluster=c).values]
                                       for c in res.cluster.values]))
    print("\n**Share of each class served in the west**\n")
    west = res["west"].to_numpy()
    alloc = res["allocation"].sum("region").to_numpy()  # (K, W, Y)
    rows = []
    for j, w in enumerate(res.workload.values):
        tot = alloc[:, j, :].sum(0)
        rows.append([w] + [float(a / t) if t > 0 else float("nan") for a, t in zip(alloc[west, j, :].sum(0), tot)])
    print(_table(["class"] + years, rows))
    print("\n**Builds by year and cluster (standard racks)**\n")
    print(_table(["cluster"] + years, [[c] + [float(v) for v in res["build"].sel(cluster=c).values]
                                       for c in res.cluster.values]))
    print(f"\n**{years[0]} energy per cluster (TWh)**\n")
    cols = ["energy_mwh"] + [v for v in ("water_m3", "eflops") if v in res]
    head = {"energy_mwh": "TWh", "water_m3": "water, million m³", "eflops": "EFLOPS (FP16)"}
    scale = {"energy_mwh": 1e-6, "water_m3": 1e-6, "eflops": 1.0}
    rows = []
    for c in res.cluster.values:
        row = [c]
        for v in cols:
            da = res[v].sel(cluster=c, year=years[0])
            da = da.sum([d for d in da.dims]) if da.dims else da
            row.append(float(da) * scale[v])
        rows.append(row)
    print(_table(["cluster"] + [head[v] for v in cols], rows))
    if "eflops" not in res:
        return
    print("\n**EFLOPS (FP16) by hub, clusters; and the provinces' own stock**\n")
    by_hub = res["eflops"].sum("workload").groupby("hub").sum("cluster")
    rows = [[h] + [float(v) for v in by_hub.sel(hub=h).values] for h in by_hub.hub.values]
    rows.append(["own stock (local)"] + [float(v) for v in res["local_eflops"].sum(("region", "workload")).values])
    print(_table(["hub"] + years, rows))
    print("\n**Utilisation, clusters and the provinces' own stock**\n")
    lc = res["local_capacity"].sum("region")
    loc_u = res["local_served"].sum(("region", "workload")) / lc
    nat = (res["load"].sum("cluster") + res["local_served"].sum(("region", "workload"))) / (res["capacity"].sum("cluster") + lc)
    print(_table(["", *years], [["clusters"] + [float(v) for v in (res["load"].sum("cluster") / res["capacity"].sum("cluster")).values],
                                ["own stock"] + [float(v) for v in loc_u.values], ["national"] + [float(v) for v in nat.values]]))
    print("\n**Cross-check: modelled 2026 energy of the installed racks vs published run-rates (TWh/yr)**\n")
    e = res["energy_mwh"].sel(year=years[0]) * res["installed_racks"] / res["capacity"].sel(year=years[0]) / 1e6
    rows = [[k, twh, float(e.sel(cluster=k)), float(e.sel(cluster=k)) / twh, src] for k, (twh, src) in PUBLISHED_TWH.items()]
    print(_table(["cluster", "published", "modelled", "ratio", "source"], rows))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main(sys.argv[1] if len(sys.argv) > 1 else None)
