"""SPORES-style diverse plans (Lombardi et al. 2020, Calliope's ``spores`` mode): a series of
near-optimal plans, each as far as possible, in the SPORES aggregates, from the ones before.

Scoring (Calliope's ``relative_deployment``, src/calliope/model.py): every aggregate a_i flagged
``spores`` in the catalogue carries a score w_i, zero at first. After plan s (plan 0 is the optimum)
each score grows by the share of its scale the plan used, where that share is not negligible,
w_i ← w_i + r_i · [r_i > θ],  r_i = a_i(x_s) / S_i,  θ = 0.1 (Calliope's score_threshold_factor;
S_i: the largest a_i in the band, from the ranges, or a_i at the optimum), and plan s + 1
minimises  Σ_i w_i · a_i(x) / S_i  within the band: what earlier plans used much becomes
expensive, so the next plan builds elsewhere. The SPORES aggregates are capacities (builds), as
Calliope scores ``flow_cap``: scoring loads instead only pushes work into the provinces' own stock.
"""
from __future__ import annotations

import numpy as np

from .band import Band
from .catalogue import Aggregate

THRESHOLD = 0.1  # θ: a share of its scale below this does not raise an aggregate's score


def spores(band: Band, aggs: list[Aggregate], n: int, start: np.ndarray, scales: dict[str, float]) -> list[tuple[np.ndarray, str]]:
    """``n`` plans (block-order columns, status) after the plan ``start``."""
    linear = [a for a in aggs if a.entry.spores and not a.ratio]
    dirs = [band.dense(*a.num) / max(scales.get(a.key, 0.0), abs(a.value(start)), 1.0) for a in linear]
    w = np.zeros(len(linear))
    x, out = start, []
    for _ in range(n):
        r = np.array([d @ x for d in dirs])
        w += np.where(r > THRESHOLD, r, 0.0)
        sol = band.minimise(sum(wi * d for wi, d in zip(w, dirs)) if len(dirs) else np.zeros(band.cost.size))
        if not sol.has_solution:
            out.append((np.full(band.cost.size, np.nan), sol.status))
            break
        x = sol.col_value
        out.append((x, sol.status))
    return out


def differences(aggs: list[Aggregate], plan: np.ndarray, base: np.ndarray, names: dict, top: int = 3) -> tuple[str, str]:
    """How a plan differs from ``base`` in the SPORES aggregates: the ``top`` largest moves, per
    aggregate over the horizon (a by-year aggregate as its mean over the years), in 万架, as
    (中文, English) text."""
    moves: dict[tuple, list[float]] = {}
    for a in aggs:
        if a.entry.spores and not a.ratio:
            key = (a.entry.key, *(v for d, v in a.labels.items() if d != "year"))
            moves.setdefault(key, [names.get(a.key, (a.key, a.key)), []])[1].append(a.value(plan) - a.value(base))
    rows = sorted(((float(np.mean(d)), n) for n, d in moves.values()), key=lambda r: -abs(r[0]))
    zh, en = [], []
    for d, (n_zh, n_en) in rows[:top]:
        if abs(d) < 1.0:
            continue
        n_zh, n_en = n_zh.rsplit(" · ", 1)[0] if n_zh.endswith("年") else n_zh, _drop_year(n_en)
        zh.append(f"{n_zh} {d / 1e4:+,.1f} 万架")
        en.append(f"{n_en} {d / 1e4:+,.1f}×10⁴ racks")
    return ("；".join(zh) or "与最优方案几乎相同", "; ".join(en) or "almost the optimum itself")


def _drop_year(name: str) -> str:
    head, _, last = name.rpartition(" · ")
    return head if last.isdigit() else name
