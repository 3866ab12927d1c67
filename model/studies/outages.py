"""N-1 by re-solving: for each cluster, the same scenario with that cluster out of service in every
year — what it costs, how much demand can no longer be served, and where its load moves.

This answers "what if we lose k?" one cluster at a time, with the plan re-optimised (builds
included). It differs from ``policy.n_minus_1``, which asks for one plan that survives any loss.
Each case is a warm re-solve of one Planner (only bounds change).
"""
from __future__ import annotations

import pandas as pd

from ..inputs.scenario import Scenario, apply_changes
from ..run import Planner


def _short(name_zh: str) -> str:
    """'中卫集群' → '中卫'; long names cut to three characters ('长三角…' → '长三角')."""
    n = name_zh.removesuffix("集群")
    return n[:3] if len(n) > 4 else n


def single_cluster_outages(sc: Scenario, planner: Planner | None = None, top: int = 3) -> pd.DataFrame:
    """One row per cluster carrying load in the base plan: its load in the last year, the change
    in cost (yuan, discounted) and in unmet demand (rack-years over the horizon, racks in the last
    year), and the ``top`` clusters (or the provinces' own stock) that take most of its load in the
    last year ("—": none of it moves)."""
    planner = planner or Planner()
    base = planner.solve(sc)
    last = int(base.year.values[-1])
    names = dict(zip(base.cluster.values, base["cluster_name_zh"].values))
    short = {k: _short(v) for k, v in names.items()}
    kept = [o.model_dump(mode="json") for o in sc.outages]
    rows = []
    for k in base.cluster.values:
        lost = float(base["load"].sel(cluster=k, year=last))
        if lost <= 1e-6:
            continue
        res = planner.solve(apply_changes(sc, {"outages": kept + [{"cluster": str(k)}]}))
        gain = (res["load"] - base["load"]).sel(year=last).to_series().drop(k).rename(index=short)
        if "local_served" in res:  # the provinces' own stock outside the clusters
            gain["本省机房 own stock"] = float((res["local_served"] - base["local_served"]).sel(year=last).sum())
        gain = gain[gain > 1e-6].sort_values(ascending=False)
        rows.append({
            "cluster": str(k), "cluster_zh": names[k], "cluster_en": str(base["cluster_name_en"].sel(cluster=k).item()),
            "status": str(res.attrs["status"]), "lost_load_racks": lost,
            "lost_load_rack_years": float(base["load"].sel(cluster=k).sum()),
            "cost_delta_yuan": float(res.attrs["objective"]) - float(base.attrs["objective"]),
            "unmet_delta_rack_years": float(res["unmet"].sum() - base["unmet"].sum()),
            "not_moved_racks": float((res["unmet"] - base["unmet"]).sel(year=last).sum()),
            "moved_to": "; ".join(f"{c} +{v:,.0f}" for c, v in gain.head(top).items()) or "—",
        })
    planner.solve(sc)  # leave the planner on the scenario itself
    return pd.DataFrame(rows)
