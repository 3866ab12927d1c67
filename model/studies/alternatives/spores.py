"""SPORES-style diverse plans (Lombardi et al. 2020, Calliope's ``spores`` mode): a series of
near-optimal plans, each as far as possible, in the SPORES aggregates, from the ones before.

Scoring ("relative deployment"): every aggregate a_i flagged ``spores`` in the catalogue carries a
weight w_i, zero at first. After plan s (plan 0 is the optimum) each weight grows by how much of
its scale the plan used,  w_i ← w_i + a_i(x_s) / S_i  (S_i: the largest a_i in the band, from the
ranges, or a_i at the optimum), and plan s + 1 minimises  Σ_i w_i · a_i(x) / S_i  within the band:
what earlier plans used much becomes expensive, so the next plan builds and loads elsewhere.
"""
from __future__ import annotations

import numpy as np

from .band import Band
from .catalogue import Aggregate


def spores(band: Band, aggs: list[Aggregate], n: int, start: np.ndarray, scales: dict[str, float]) -> list[tuple[np.ndarray, str]]:
    """``n`` plans (block-order columns, status) after the plan ``start``."""
    linear = [a for a in aggs if a.entry.spores and not a.ratio]
    dirs = [band.dense(*a.num) / max(scales.get(a.key, 0.0), abs(a.value(start)), 1.0) for a in linear]
    w = np.zeros(len(linear))
    x, out = start, []
    for _ in range(n):
        w += np.array([max(d @ x, 0.0) for d in dirs])
        sol = band.minimise(sum(wi * d for wi, d in zip(w, dirs)) if len(dirs) else np.zeros(band.cost.size))
        if not sol.has_solution:
            out.append((np.full(band.cost.size, np.nan), sol.status))
            break
        x = sol.col_value
        out.append((x, sol.status))
    return out


def differences(aggs: list[Aggregate], plan: np.ndarray, base: np.ndarray, names: dict, top: int = 3) -> tuple[str, str]:
    """How a plan differs from ``base`` in the SPORES aggregates: the ``top`` largest moves,
    in 万架, as (中文, English) text."""
    rows = []
    for a in aggs:
        if a.entry.spores and not a.ratio:
            rows.append((a.value(plan) - a.value(base), a))
    rows.sort(key=lambda r: -abs(r[0]))
    zh, en = [], []
    for d, a in rows[:top]:
        if abs(d) < 1.0:
            continue
        what = names.get(a.key, (a.key, a.key))
        zh.append(f"{what[0]} {d / 1e4:+,.1f} 万架")
        en.append(f"{what[1]} {d / 1e4:+,.1f}×10⁴ racks")
    return ("；".join(zh) or "与最优方案几乎相同", "; ".join(en) or "almost the optimum itself")
