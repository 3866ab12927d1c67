"""Why demand went unmet: one reason per (region, workload, year), read off the registry.

A cluster is *full* in a year when it could not have served one more rack: its racks are used
and it cannot build more (or it is out of service), or its power is used — every grid MW and every
green MW, or a family capping its power as a whole. Which rows and bounds count is declared by the
families themselves (``Family.limits``): a new limit joins the reasons by declaring it. Work whose
admissible clusters are all full is blamed on the limits; when they are full only because a family
with a reason of its own binds (``Family.reason``: the carbon budget, a water limit), on the first
such family in registry order. Work held back only by the *construction rate* — every admissible
cluster is full once the yearly build limit binds in the latest year whose racks serve that year
(after the lead time ``build_lead_years`` and the fill-up ramp), though earlier years had room — has
that physical limit as its reason: serving it would need racks built earlier that stand idle until
then, which the optimum found dearer than the penalty (``REASON_RATE``). A row without a
cluster dimension limits only the clusters whose columns it holds with a nonzero coefficient (the
budget holds back a cluster whose grid emits, not a clean one).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..formulation import BY_NAME, FAMILIES
from ..formulation.blocks import LinearProgram
from ..formulation.capacity import fill_new
from ..formulation.market import remote_arcs


def unmet_value(res: xr.Dataset) -> xr.DataArray:
    """Each class's value of lost load as the objective prices it, V · λ[w] (yuan per rack-year; docs/math.md,
    the unmet penalty); results written before per-class values: V for every class."""
    v = float(res["unmet_penalty_yuan_per_rack_year"])
    ratio = res["unmet_value_ratio"] if "unmet_value_ratio" in res else xr.ones_like(res["workload"], dtype=float)
    return v * ratio


REASON_NO_ARC = "no admissible cluster within the latency bound"
REASON_CAPACITY = "admissible clusters full (capacity, build or power limits)"
REASON_RATE = "yearly construction rate (builds at their limit in the last year that could serve)"
REASON_COST = "serving costs more than the unmet penalty"
REASON_NONE = ""
# families with a reason of their own, in registry order: (name, (English, 中文))
_HOLDING_BACK = [(f.name, f.reason) for f in FAMILIES if f.reason is not None]
REASON_POLICY = dict(_HOLDING_BACK)["emission_cap"][0]
REASON_WATER = dict(_HOLDING_BACK)["water_limit"][0]
REASONS = (REASON_NO_ARC, REASON_CAPACITY, *(en for _, (en, _zh) in _HOLDING_BACK), REASON_RATE, REASON_COST)
REASON_ZH = {REASON_NO_ARC: "时延上限内无集群", REASON_CAPACITY: "可达集群已满（容量、建设或电力上限）",
             **dict(reason for _, reason in _HOLDING_BACK), REASON_RATE: "年建设速度（可服务的最后一年建设已达上限）",
             REASON_COST: "服务成本高于未满足惩罚"}
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
    kd, yd = (dims.index(d) if d in dims else None for d in ("cluster", "year"))
    # ~60k True rows hourly: collect their few (cluster, year) pairs first, then set each once
    pairs = {(None if kd is None else lab[kd], None if yd is None else lab[yd])
             for lab in (labels[i] for i in np.flatnonzero(np.asarray(where)[:len(labels)]))}
    for k, y in pairs:
        out[slice(None) if k is None else k_pos[k], slice(None) if y is None else y_pos[int(y)]] = True
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


def binding_limits(lp: LinearProgram, col_value: np.ndarray, counted: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
    """For each limit (``LIMITS``): (K, Y) True where a family declaring it binds. Families with a
    reason of their own count only when named in ``counted``."""
    ix = lp.index
    out: dict[str, np.ndarray] = {}

    def add(limit, mask):
        out[limit] = out.get(limit, np.zeros((ix.K, ix.Y), bool)) | mask

    for rb in lp.rows:
        f = BY_NAME.get(rb.name)
        if f is None or f.limits is None or (f.reason and f.name not in counted):
            continue
        binding = np.isfinite(rb.hi) & at_limit(lp.activity(rb.name, col_value), rb.hi)
        add(f.limits, _on_cluster_years(lp, rb.dims, rb.labels, binding) if "cluster" in rb.dims
            else _touched(lp, rb, binding))
    for b in lp.bounds:
        f = BY_NAME[b.name]
        if f.limits is None or (f.reason and f.name not in counted):
            continue
        vb = lp.variables[b.var]
        value = col_value[lp.column_slice(b.var)]
        add(f.limits, _on_cluster_years(lp, vb.dims, vb.labels, np.isfinite(b.ub) & at_limit(value, b.ub)))
    return out


def full_clusters(inp: xr.Dataset, lp: LinearProgram, col_value: np.ndarray,
                  counted: frozenset[str] = frozenset(), rate: bool = False) -> np.ndarray:
    """(K, Y) True where a cluster could not have served one more rack that year (families with a
    reason of their own only if named in ``counted``). With ``rate``, the build limit counts as
    binding when it binds in the latest year whose racks serve that year (the construction rate)."""
    b = binding_limits(lp, col_value, counted)
    none = np.zeros((lp.index.K, lp.index.Y), bool)
    out_of_service = inp["available"].transpose("cluster", "year").to_numpy() == 0
    # one more rack in year y needs a build in a year y' whose racks serve in y (u[y,y'] > 0, after the
    # construction lead time): the build limit blocks it only when it binds in every such year
    serves = fill_new(inp) > 0  # (Y, Y')
    build_full = np.all(~serves[None, :, :] | b.get("build", none)[:, None, :], axis=2)
    if rate:  # the latest build year that serves y (none: no build can serve y)
        latest = np.where(serves.any(axis=1), serves.shape[1] - 1 - np.argmax(serves[:, ::-1], axis=1), -1)
        build_full = build_full | np.where(latest >= 0, b.get("build", none)[:, np.maximum(latest, 0)], True)
    racks_full = b.get("racks", none) & (build_full | out_of_service)
    power_full = (b.get("grid", none) & b.get("green", none)) | b.get("power", none)
    return racks_full | power_full


def _budget_binds(lp: LinearProgram, col_value: np.ndarray) -> bool:
    """The carbon budget row is at its limit."""
    if not lp.has_rows("emission_cap"):
        return False
    rb = lp.row_block("emission_cap")
    if not np.isfinite(rb.hi[0]) or rb.hi[0] >= 1e19:
        return False
    return bool(at_limit(lp.activity("emission_cap", col_value), rb.hi)[0])


def local_full(inp: xr.Dataset, lp: LinearProgram, col_value: np.ndarray, counted: frozenset[str] = frozenset()) -> np.ndarray:
    """(R, W, Y) True where no province's stock outside the clusters can take one more rack of region
    r's class-w work: its own stock is beyond the class's latency bound or used up (after retirement,
    with its yearly growth limit reached; for an AI class its AI-fitted share, ``local_ai_capacity``,
    and with ``local_general_capacity`` for a general class the rest), and so is every other
    province's stock it may use on the national market (``remote_admissible``). With ``emission_cap`` in ``counted`` and the budget
    binding, a stock whose grid emits counts as held back too."""
    ix = lp.index
    R, W, Y = ix.R, ix.W, ix.Y
    adm = inp["local_admissible"].transpose("region", "workload").to_numpy()[:, :, None]
    if "local" not in lp.variables:
        return np.ones((R, W, Y), bool)

    def block(name: str, shape: tuple[int, ...]) -> np.ndarray:
        return col_value[lp.column_slice(name)].reshape(shape)

    hosted = block("local", (R, W, Y)).copy()  # (S, W, Y) racks of each class in each stock; a copy: block is a view of the solution
    if "remote" in lp.variables:
        r_, s_, w_ = remote_arcs(ix, inp)
        np.add.at(hosted, (s_, w_), block("remote", (r_.size, Y)))
    built = block("local_build", (R, Y))
    cap = (inp["local_available_racks"].transpose("region", "year").to_numpy() + np.cumsum(built, axis=1)
           - np.cumsum(block("local_retire", (R, Y)), axis=1))
    growth_used = at_limit(built, inp["local_build_limit_racks_per_year"].to_numpy()[:, None])
    used_up = at_limit(hosted.sum(axis=1), cap) & growth_used
    if "emission_cap" in counted and _budget_binds(lp, col_value):
        used_up |= (inp["region_co2_t_per_mwh"].to_numpy() > 0)[:, None]
    used = np.repeat(used_up[:, None, :], W, axis=1)  # (S, W, Y)
    ai = inp["ai_class"].to_numpy().astype(bool)
    a = inp["local_ai_share"].to_numpy()[:, None] if "local_ai_share" in inp else None
    for name, kind, share in (("local_ai_capacity", ai, a), ("local_general_capacity", ~ai, None if a is None else 1 - a)):
        if lp.has_rows(name):  # the AI-fitted share (or the rest) used up: full for its classes only
            used[:, kind, :] |= (at_limit(hosted[:, kind].sum(axis=1), share * cap) & growth_used)[:, None, :]
    own = ~adm | used
    if "remote_admissible" not in inp:
        return own
    remote = inp["remote_admissible"].transpose("region", "stock", "workload").to_numpy()  # (R, S, W)
    others = np.all(~remote[:, :, :, None] | used[None, :, :, :], axis=1)  # (R, W, Y)
    return own & others


def unmet_reasons(inp: xr.Dataset, lp: LinearProgram, col_value: np.ndarray, unmet: np.ndarray) -> np.ndarray:
    """One reason per (region, workload, year) with unmet demand ('' where all is served)."""
    adm = inp["admissible"].transpose("region", "cluster", "workload").to_numpy()
    # the provinces' stock counts as one more supplier (its own, and others' on the national market)
    stock_arc = (inp["local_admissible"].transpose("region", "workload").to_numpy() if "local" in lp.variables
                 else np.zeros((adm.shape[0], adm.shape[2]), bool))
    if "remote" in lp.variables:
        stock_arc = stock_arc | inp["remote_admissible"].transpose("region", "stock", "workload").to_numpy().any(axis=1)
    has_arc = adm.any(axis=1) | stock_arc  # (R, W): a cluster or a province's stock within the bound

    def all_full(counted, rate=False):  # (R, W, Y): every admissible cluster of (r, w), and the stock it may use, full in year y
        full = full_clusters(inp, lp, col_value, counted, rate)
        return np.all(~adm[:, :, :, None] | full[None, :, None, :], axis=1) & local_full(inp, lp, col_value, counted)

    blocked = np.where(all_full(frozenset()), REASON_CAPACITY, REASON_NONE).astype(object)
    counted: frozenset[str] = frozenset()
    for name, (why, _zh) in _HOLDING_BACK:  # each family with its own reason, in registry order, on top of the others
        counted |= {name}
        blocked = np.where((blocked == REASON_NONE) & all_full(counted), why, blocked)
    blocked = np.where((blocked == REASON_NONE) & all_full(frozenset(), rate=True), REASON_RATE, blocked)
    blocked = np.where(blocked == REASON_NONE, REASON_COST, blocked)
    reason = np.where(has_arc[:, :, None], blocked, REASON_NO_ARC)
    return np.where(unmet > TOL, reason, REASON_NONE).astype(object)
