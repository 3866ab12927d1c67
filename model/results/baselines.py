"""Rule baselines beside the optimum: nearest, cheapest and greenest admissible cluster.

Each baseline allocates greedily, year by year: all admissible arcs are taken in the rule's order
(best first, ties to the nearer cluster) and each gets as much of its region's remaining demand as
the cluster can still hold — capacity it could reach by building at its yearly limit up to its
planned size, and power up to grid limit + green availability. The model is then solved with x
capped at that allocation, so builds, power, unmet demand, cost, carbon and latency are accounted
exactly as for the optimum.

Rules, per rack-year of class w from region r at cluster k:
- nearest:  one-way latency L[r,k];
- cheapest: operating cost PUE[k]·kW[w]·8760·p_grid[k] + τ[r,k,w] + carbon price · e[k] · energy;
- greenest: grid emissions PUE[k]·kW[w]·8760/1000 · e[k].
Ties go to the nearer cluster.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..formulation.blocks import LinearProgram
from ..formulation.capacity import site_potential
from ..solve.highs import HighsModel, Solution

RULES = ("nearest", "cheapest", "greenest")


def rule_score(inp: xr.Dataset, lp: LinearProgram, rule: str) -> np.ndarray:
    """Score per admissible arc (lower is preferred)."""
    ix = lp.index
    r, k, w = ix.arc_r, ix.arc_k, ix.arc_w
    lat = inp["latency_ms"].to_numpy()[r, k]
    mwh = (inp["pue"].to_numpy()[k] * inp["kw_per_rack"].to_numpy()[w] * float(inp.attrs["hours_per_year"]) / 1000.0)
    ef = inp["cluster_co2_t_per_mwh"].to_numpy()[k]
    if rule == "nearest":
        return lat
    if rule == "cheapest":
        tau = inp["transport_yuan_per_rack_year"].transpose("region", "cluster", "workload").to_numpy()[r, k, w]
        return mwh * 1000 * inp["grid_price_yuan_per_kwh"].to_numpy()[k] + tau + float(inp["carbon_price_yuan_per_t"]) * ef * mwh
    if rule == "greenest":
        return mwh * ef
    raise ValueError(f"unknown baseline rule {rule!r} (known: {', '.join(RULES)})")


def greedy_allocation(inp: xr.Dataset, lp: LinearProgram, rule: str) -> np.ndarray:
    """Racks per arc and year (A, Y) allocated greedily in the rule's order."""
    ix = lp.index
    r, k, w = ix.arc_r, ix.arc_k, ix.arc_w
    order = np.lexsort((inp["latency_ms"].to_numpy()[r, k], rule_score(inp, lp, rule)))
    demand = inp["demand"].transpose("region", "workload", "year").to_numpy()
    installed, planned = inp["installed_racks"].to_numpy(), site_potential(inp)
    limit = inp["build_limit_racks_per_year"].to_numpy()
    avail = inp["available"].transpose("cluster", "year").to_numpy()
    supply_mw = (inp["grid_limit_mw"] + inp["green_avail_avg_mw"]).to_numpy()
    mw_per_rack = inp["pue"].to_numpy()[k] * inp["kw_per_rack"].to_numpy()[w] / 1000.0
    x = np.zeros((ix.A, ix.Y))
    for t in range(ix.Y):
        left = demand[:, :, t].copy()
        room = avail[:, t] * np.minimum(installed + limit * (t + 1), planned)
        mw = supply_mw.copy()
        for a in order:
            q = min(left[r[a], w[a]], room[k[a]], mw[k[a]] / mw_per_rack[a] if mw_per_rack[a] > 0 else np.inf)
            if q > 0:
                x[a, t] = q
                left[r[a], w[a]] -= q
                room[k[a]] -= q
                mw[k[a]] -= q * mw_per_rack[a]
    return x


def solve_baseline(hm: HighsModel, inp: xr.Dataset, rule: str) -> Solution:
    lp = hm.lp
    with hm.variant(lp.with_upper("x", greedy_allocation(inp, lp, rule).ravel())):
        return hm.solve()
