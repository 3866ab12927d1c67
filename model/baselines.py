"""Rule baselines beside the optimum: nearest, cheapest and greenest admissible cluster.

Each baseline routes every (region, class) to the single admissible cluster its rule prefers —
the same model with the other arcs fixed to zero — so builds, power, unmet demand, cost, carbon
and latency are accounted exactly as for the optimum. What the chosen cluster cannot take (even
after building up to its limits) shows up as unmet demand.

Rules, per rack-year of class w from region r at cluster k:
- nearest:  one-way latency L[r,k];
- cheapest: operating cost PUE[k]·kW[w]·8760·p_grid[k] + τ[r,k,w] + carbon price · e[k] · energy;
- greenest: grid emissions PUE[k]·kW[w]·8760/1000 · e[k].
Ties go to the nearer cluster.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .formulation.blocks import LinearProgram
from .solve import HighsModel, Solution

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


def chosen_arcs(inp: xr.Dataset, lp: LinearProgram, rule: str) -> np.ndarray:
    """Boolean per arc: the preferred admissible cluster of each (region, class)."""
    ix = lp.index
    score, lat = rule_score(inp, lp, rule), inp["latency_ms"].to_numpy()[ix.arc_r, ix.arc_k]
    group = ix.arc_r * ix.W + ix.arc_w
    order = np.lexsort((lat, score, group))  # by group, then score, then latency
    first = np.ones(order.size, bool)
    first[1:] = group[order][1:] != group[order][:-1]
    chosen = np.zeros(ix.A, bool)
    chosen[order[first]] = True
    return chosen


def solve_baseline(hm: HighsModel, inp: xr.Dataset, rule: str) -> Solution:
    lp = hm.lp
    ub = np.where(np.repeat(chosen_arcs(inp, lp, rule), lp.index.Y), np.inf, 0.0)  # x columns, arc-major
    with hm.variant(lp.with_upper("x", ub)):
        return hm.solve()
