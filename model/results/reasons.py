"""Why demand went unmet: one reason per (region, workload, year), read off the registry.

A cluster is *full* in a year when it could not have served one more rack: its racks are used
and it cannot build more (or it is out of service), or its power is used — every grid MW and every
green MW, or a family capping its power as a whole. Which rows and bounds count is declared by the
families themselves (``Family.limits``): a new limit joins the reasons by declaring it. Work whose
admissible clusters are all full is blamed on the limits; when they are full only because a hard
policy limit (``Family.policy``, e.g. the carbon budget) binds, on that policy. A row without a
cluster dimension limits only the clusters whose columns it holds with a nonzero coefficient (the
budget holds back a cluster whose grid emits, not a clean one).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..formulation import BY_NAME
from ..formulation.blocks import LinearProgram

REASON_NO_ARC = "no admissible cluster within the latency bound"
REASON_CAPACITY = "admissible clusters full (capacity, build or power limits)"
REASON_WATER = "admissible clusters at their water limit"
REASON_POLICY = "admissible clusters held back by a hard policy limit (carbon budget)"
REASON_COST = "serving costs more than the unmet penalty"
REASON_NONE = ""
REASONS = (REASON_NO_ARC, REASON_CAPACITY, REASON_WATER, REASON_POLICY, REASON_COST)
REASON_ZH = {REASON_NO_ARC: "时延上限内无集群", REASON_CAPACITY: "可达集群已满（容量、建设或电力上限）",
             REASON_WATER: "可达集群已达用水上限", REASON_POLICY: "可达集群受硬性政策约束（碳预算）", REASON_COST: "服务成本高于未满足惩罚"}
TOL = 1e-6


def at_limit(value, limit) -> np.ndarray:
    """value has reached limit, up to solver tolerances (absolute and relative)."""
    return value >= limit - (TOL + 1e-7 * np.abs(limit))


def _on_cluster_years(lp: LinearProgram, dims, labels, where: np.ndarray) -> np.ndarray:
    """(K, Y) True where a labelled entry (with a cluster dimension) is True; one without a year
    dimension applies to every year."""
    ix = lp.index
    out = np.zeros((ix.K, ix.Y), bool)
    k_pos, y_pos = {k: i for i, k in enumerate(ix.clusters)}, {y: i for i, y in enumerate(ix.years)}
    for lab in (lab for lab, w in zip(labels, where) if w):
        ks = [k_pos[lab[dims.index("cluster")]]] if "cluster" in dims else slice(None)
        ys = [y_pos[int(lab[dims.index("year")])]] if "year" in dims else slice(None)
        out[ks, ys] = True
    return out


def _touched(lp: LinearProgram, rb, binding: np.ndarray) -> np.ndarray:
    """(K, Y) True at the (cluster, year) of every cluster-indexed column with a nonzero coefficient
    in a binding row of ``rb``: what a row without a cluster dimension (the carbon budget) holds back.
    A cluster whose grid emits nothing is not limited by the budget."""
    ix = lp.index
    out = np.zeros((ix.K, ix.Y), bool)
    k_pos, y_pos = {k: i for i, k in enumerate(ix.clusters)}, {y: i for i, y in enumerate(ix.years)}
    for t in rb.terms:
        vb = lp.variables[t.var]
        if "cluster" not in vb.dims:
            continue
        hit = binding[t.row] & (t.coef != 0)
        ki, yi = vb.dims.index("cluster"), vb.dims.index("year") if "year" in vb.dims else None
        for c in np.unique(t.col[hit]):
            lab = vb.labels[c]
            out[k_pos[lab[ki]], slice(None) if yi is None else y_pos[int(lab[yi])]] = True
    return out


def binding_limits(lp: LinearProgram, col_value: np.ndarray, policy: bool) -> dict[str, np.ndarray]:
    """For each limit (``LIMITS``): (K, Y) True where a family declaring it binds. Hard policy
    families count only with ``policy``."""
    ix, off = lp.index, lp.offsets()
    out: dict[str, np.ndarray] = {}

    def add(limit, mask):
        out[limit] = out.get(limit, np.zeros((ix.K, ix.Y), bool)) | mask

    for rb in lp.rows:
        f = BY_NAME.get(rb.name)
        if f is None or f.limits is None or (f.policy and not policy):
            continue
        activity = np.zeros(rb.size)
        for t in rb.terms:
            np.add.at(activity, t.row, t.coef * col_value[off[t.var] + t.col])
        binding = np.isfinite(rb.hi) & at_limit(activity, rb.hi)
        add(f.limits, _on_cluster_years(lp, rb.dims, rb.labels, binding) if "cluster" in rb.dims
            else _touched(lp, rb, binding))
    for b in lp.bounds:
        f = BY_NAME[b.name]
        if f.limits is None or (f.policy and not policy):
            continue
        vb = lp.variables[b.var]
        value = col_value[off[b.var]: off[b.var] + vb.size]
        add(f.limits, _on_cluster_years(lp, vb.dims, vb.labels, np.isfinite(b.ub) & at_limit(value, b.ub)))
    return out


def full_clusters(inp: xr.Dataset, lp: LinearProgram, col_value: np.ndarray, policy: bool = True,
                  water: bool = True) -> np.ndarray:
    """(K, Y) True where a cluster could not have served one more rack that year."""
    b = binding_limits(lp, col_value, policy)
    none = np.zeros((lp.index.K, lp.index.Y), bool)
    out_of_service = inp["available"].transpose("cluster", "year").to_numpy() == 0
    racks_full = b.get("racks", none) & (b.get("build", none) | out_of_service)
    power_full = (b.get("grid", none) & b.get("green", none)) | b.get("power", none)
    return racks_full | power_full | (b.get("water", none) if water else none)


def local_full(inp: xr.Dataset, lp: LinearProgram, col_value: np.ndarray) -> np.ndarray:
    """(R, W, Y) True where region r's own stock cannot take one more rack of class w: beyond the
    class's latency bound, or used up (after retirement) with its yearly growth limit reached."""
    ix = lp.index
    adm = inp["local_admissible"].transpose("region", "workload").to_numpy()[:, :, None]
    if "local" not in lp.variables:
        return np.ones((ix.R, ix.W, ix.Y), bool)
    off = lp.offsets()
    local = col_value[off["local"]: off["local"] + ix.R * ix.W * ix.Y].reshape(ix.R, ix.W, ix.Y)
    built = col_value[off["local_build"]: off["local_build"] + ix.R * ix.Y].reshape(ix.R, ix.Y)
    cap = inp["local_available_racks"].transpose("region", "year").to_numpy() + np.cumsum(built, axis=1)
    used_up = at_limit(local.sum(axis=1), cap) & at_limit(built, inp["local_build_limit_racks_per_year"].to_numpy()[:, None])
    return ~adm | used_up[:, None, :]


def unmet_reasons(inp: xr.Dataset, lp: LinearProgram, col_value: np.ndarray, unmet: np.ndarray) -> np.ndarray:
    """One reason per (region, workload, year) with unmet demand ('' where all is served)."""
    adm = inp["admissible"].transpose("region", "cluster", "workload").to_numpy()
    own = local_full(inp, lp, col_value)  # the province's own stock counts as one more supplier
    has_arc = adm.any(axis=1) | ~own.all(axis=2)  # (R, W)

    def all_full(full):  # (R, W, Y): every admissible cluster of (r, w), and its own stock, full in year y
        return np.all(~adm[:, :, :, None] | full[None, :, None, :], axis=1) & own

    physical = all_full(full_clusters(inp, lp, col_value, policy=False, water=False))
    with_water = all_full(full_clusters(inp, lp, col_value, policy=False))
    with_policy = all_full(full_clusters(inp, lp, col_value))
    blocked = np.where(physical, REASON_CAPACITY, np.where(with_water, REASON_WATER,
                                                          np.where(with_policy, REASON_POLICY, REASON_COST)))
    reason = np.where(has_arc[:, :, None], blocked, REASON_NO_ARC)
    return np.where(unmet > TOL, reason, REASON_NONE).astype(object)
