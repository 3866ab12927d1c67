"""Shadow prices as planner answers, in yuan of the year they refer to (undiscounted by δ_y).

- ``rack_value[k,y]``: what one more standard rack available at cluster k in year y saves,
  −(∂z/∂cap[k,y] + f · ∂z/∂floor[k,y]) / δ_y, from the duals of ``cluster_capacity`` and
  ``utilisation_floor`` (a rack more raises both right-hand sides: capacity by 1, the floor by f);
- ``mw_value[k,y]``: what one more MW of grid connection at k in year y saves, −(reduced cost of
  grid[k,y]) / δ_y (nonzero only where the connection limit binds);
- ``marginal_cost[r,w,y]``: what one more rack of region r's class-w demand in year y costs,
  dual of ``demand_balance`` / δ_y.

These are LP duals: valid for small changes around the optimum. For a MILP run they come from
the LP with the integer decisions fixed (see docs/math.md).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..formulation.blocks import LinearProgram


def _rows(lp: LinearProgram, values: np.ndarray, name: str) -> np.ndarray:
    r0 = 0
    for rb in lp.rows:
        if rb.name == name:
            return np.nan_to_num(values[r0: r0 + rb.size])
        r0 += rb.size
    raise KeyError(name)


def _cols(lp: LinearProgram, values: np.ndarray, name: str) -> np.ndarray:
    off = lp.offsets()[name]
    return values[off: off + lp.variables[name].size]


def shadow_prices(inp: xr.Dataset, lp: LinearProgram, row_dual: np.ndarray, col_dual: np.ndarray) -> dict:
    ix = lp.index
    K, Y, R, W = ix.K, ix.Y, ix.R, ix.W
    df = inp["discount_factor"].to_numpy()
    a = inp["available"].transpose("cluster", "year").to_numpy()
    f = float(inp["utilisation_floor"])
    cap = _rows(lp, row_dual, "cluster_capacity").reshape(K, Y)
    floor = _rows(lp, row_dual, "utilisation_floor").reshape(K, Y)
    rack_value = -(cap + f * floor) * a / df
    mw_value = -_cols(lp, col_dual, "grid").reshape(K, Y) / df
    marginal = _rows(lp, row_dual, "demand_balance").reshape(R, W, Y) / df
    return {
        "rack_value": (("cluster", "year"), rack_value,
                       {"units": "yuan per standard rack-year", "long_name": "value of one more rack (shadow price)"}),
        "mw_value": (("cluster", "year"), mw_value,
                     {"units": "yuan per MW-year", "long_name": "value of one more MW of grid connection"}),
        "marginal_cost": (("region", "workload", "year"), marginal,
                          {"units": "yuan per rack-year", "long_name": "marginal cost of serving one more rack"}),
    }


def statements(res: xr.Dataset, top: int = 5) -> list[str]:
    """The largest shadow prices as sentences, e.g. 'one more rack at 庆阳集群 in 2028 is worth ¥1,234 per year'."""
    out = []
    for var, what in (("rack_value", "one more standard rack"), ("mw_value", "one more MW of grid connection")):
        s = res[var].to_series()
        for (k, y), v in s[s > 1e-6].sort_values(ascending=False).head(top).items():
            name = res["cluster_name_zh"].sel(cluster=k).item()
            out.append(f"{what} at {name} ({k}) in {y} is worth ¥{v:,.0f} per year")
    return out
