"""Shadow prices as planner answers, in yuan of the year they refer to (undiscounted by δ_y).

Sign convention: positive = a saving. ``rack_value`` and ``mw_value`` are what one more unit
*saves* (−∂z/∂unit); ``marginal_cost`` is what one more rack of demand *costs* (+∂z/∂D).
HiGHS minimises; its row dual is ∂z/∂(the row's active bound) and a column's reduced cost
d = c − Aᵀy is ∂z/∂(the column's active bound): d ≤ 0 at an upper bound, d ≥ 0 at a lower one.

- ``rack_value[k,y]``: one more standard rack available at cluster k in year y raises the
  right-hand side of every row the installed racks enter, each by a[k,y] times its coefficient:
  ``cluster_capacity[k,y]`` (by 1; and ``general_capacity[k,y]`` by 1 when the AI racks are
  reserved: the extra rack is a general one), ``utilisation_floor[k,y]`` (by φ, the utilisation
  floor: the floor grows with the capacity, so this part is a cost) and, under N-1, ``n1_spare_capacity[f,k,y]`` for every failed
  cluster f ≠ k (by 1), each times u_0[y], the share of an installed rack that can hold load that
  year (the fill-up ramp, ``formulation.capacity.fill_installed``). rack_value = −a[k,y] · u_0[y] ·
  (y_cap + φ · y_floor + Σ_f y_n1cap) / δ_y; it can be negative (a rack that must be kept 上架 costs
  more than it saves).
- ``mw_value[k,y]``: one more MW of grid connection at k in year y relaxes the column bound
  grid[k,y] ≤ G[k] and, under N-1, ``n1_spare_power[f,k,y]`` for every f ≠ k (hi = G[k] + S[k]):
  mw_value = −(min(d_grid, 0) + Σ_f y_n1pow) / δ_y. Only the upper bound's share of d_grid
  counts: where grid sits at its lower bound 0 (d ≥ 0) one more MW of connection changes nothing.
- ``marginal_cost[r,w,y]``: what one more rack of region r's class-w demand in year y costs,
  dual of ``demand_balance`` / δ_y.

These are LP duals: valid for small changes around the optimum (tests compare them with
re-solves after +1 rack / +1 MW). For a MILP run they come from the LP with the integer
decisions fixed (see docs/math.md).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..formulation.blocks import LinearProgram
from ..formulation.capacity import fill_installed


def row_duals(lp: LinearProgram, row_dual: np.ndarray, name: str) -> np.ndarray:
    """Row block ``name``'s duals (0 where the compiler dropped a row; KeyError if the LP has no such block)."""
    return np.nan_to_num(row_dual[lp.row_slice(name)])


def _per_cluster(lp: LinearProgram, values: np.ndarray, name: str) -> np.ndarray:
    """Σ over the failed cluster f of an N-1 block's duals (rows (f, k ≠ f, y)) → (k, y); 0 without N-1."""
    K, Y = lp.index.K, lp.index.Y
    out = np.zeros((K, Y))
    if lp.has_rows(name):
        d = row_duals(lp, values, name)
        k_of_row = np.array([k for f in range(K) for k in range(K) if k != f], dtype=np.int64)
        np.add.at(out, k_of_row, d.reshape(K * (K - 1), Y))
    return out


def shadow_prices(inp: xr.Dataset, lp: LinearProgram, row_dual: np.ndarray, col_dual: np.ndarray) -> dict:
    ix = lp.index
    K, Y, R, W = ix.K, ix.Y, ix.R, ix.W
    discount = inp["discount_factor"].to_numpy()
    a = inp["available"].transpose("cluster", "year").to_numpy()
    phi = float(inp["utilisation_floor"])  # φ (docs/math.md); f is a failed cluster
    cap = row_duals(lp, row_dual, "cluster_capacity").reshape(K, Y)
    if lp.has_rows("general_capacity"):  # an installed rack not fitted for AI (ai_racks_reserved)
        cap = cap + row_duals(lp, row_dual, "general_capacity").reshape(K, Y)
    floor = row_duals(lp, row_dual, "utilisation_floor").reshape(K, Y)
    n1_cap = _per_cluster(lp, row_dual, "n1_spare_capacity")
    rack_value = -(cap + phi * floor + n1_cap) * a * fill_installed(inp)[None, :] / discount
    grid_at_upper = np.minimum(col_dual[lp.column_slice("grid")].reshape(K, Y), 0.0)
    mw_value = -(grid_at_upper + _per_cluster(lp, row_dual, "n1_spare_power")) / discount
    marginal = row_duals(lp, row_dual, "demand_balance").reshape(R, W, Y) / discount
    return {
        "rack_value": (("cluster", "year"), rack_value,
                       {"units": "yuan per standard rack-year", "long_name": "value of one more rack (shadow price)",
                        "sign": "positive = saving per extra rack"}),
        "mw_value": (("cluster", "year"), mw_value,
                     {"units": "yuan per MW-year", "long_name": "value of one more MW of grid connection",
                      "sign": "positive = saving per extra MW; 0 where the connection limit is slack"}),
        "marginal_cost": (("region", "workload", "year"), marginal,
                          {"units": "yuan per rack-year", "long_name": "marginal cost of serving one more rack",
                           "sign": "positive = cost per extra rack of demand"}),
    }


def statements(res: xr.Dataset, top: int = 5) -> list[str]:
    """The largest shadow prices as sentences, e.g. 'one more rack at 庆阳集群 in 2028 is worth ¥1,234 per year'."""
    out = []
    names = dict(zip(res["cluster"].values, res["cluster_name_zh"].values))
    for var, what in (("rack_value", "one more standard rack"), ("mw_value", "one more MW of grid connection")):
        s = res[var].to_series()
        largest = s.loc[s > 1e-6].sort_values(ascending=False).head(top)
        for (k, y), v in zip(largest.index, largest.to_numpy()):
            name = names[k]
            out.append(f"{what} at {name} ({k}) in {y} is worth ¥{v:,.0f} per year")
    return out
