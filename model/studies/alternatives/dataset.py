"""A near-optimal study as one Dataset: the optimum's full results, the ranges along an
``aggregate`` dimension and every extreme (and SPORES) plan along an ``alternative`` dimension.

Per alternative: its cost, the aggregate it pushes and which end, and the plan in the optimum's
own dimensions — ``alt_build`` (cluster, year), ``alt_allocation`` (region, cluster, workload,
year), ``alt_unmet`` and ``alt_local_served`` (region, workload, year) — plus ``alt_value``: every
aggregate's value in that plan. ``model.reports.alternatives`` reads it (tables, map, files).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ... import strict_json
from ...formulation.blocks import LinearProgram
from .study import Study, label, verdicts

PLANS = {"alt_build": "build", "alt_allocation": "x", "alt_unmet": "unmet", "alt_local_served": "local"}


def _dense(lp: LinearProgram, res: xr.Dataset, var: str, plans: np.ndarray) -> tuple[tuple, np.ndarray]:
    """Scatter block ``var`` of each plan (rows of ``plans``) into the results' coordinates."""
    vb = lp.variables[var]
    pos = [{v: i for i, v in enumerate(res[d].values.tolist())} for d in vb.dims]
    idx = tuple(np.array([p[lab[i]] for lab in vb.labels]) for i, p in enumerate(pos))
    out = np.zeros((plans.shape[0], *(len(p) for p in pos)), dtype=np.float32)
    out[(slice(None), *idx)] = plans[:, lp.column_slice(var)]
    return ("alternative", *vb.dims), out


def study_dataset(study: Study) -> xr.Dataset:
    res, aggs = study.result, study.aggs
    lp = study.lp
    verdict = verdicts(study)
    names, plans = [], []
    for a in aggs:
        for end in study.ends[a.key]:
            names.append(f"{'min' if end is study.ends[a.key][0] else 'max'} {a.key}")
            plans.append(end.plan)
    for i, (x, *_rest) in enumerate(study.spores, start=1):
        names.append(f"spore {i}")
        plans.append(x)
    P = np.vstack([study.base_plan, *plans]) if plans else study.base_plan[None, :]
    names = ["optimum", *names]
    values = np.array([[a.value(x) for a in aggs] for x in P])
    ends = ["optimum"] + [n.split(" ")[0] for n in names[1:]]
    target = [""] + [n.split(" ", 1)[1] if not n.startswith("spore") else "" for n in names[1:]]
    desc_zh = [""] * (len(names) - len(study.spores)) + [s[2] for s in study.spores]
    desc_en = [""] * (len(names) - len(study.spores)) + [s[3] for s in study.spores]
    out = res.assign(
        alt_cost=(("alternative",), P @ lp.column_cost(), {"units": "yuan (discounted)"}),
        alt_end=(("alternative",), np.array(ends)), alt_target=(("alternative",), np.array(target)),
        alt_description_zh=(("alternative",), np.array(desc_zh)), alt_description_en=(("alternative",), np.array(desc_en)),
        alt_value=(("alternative", "aggregate"), values),
    )
    for name, var in PLANS.items():
        if var in lp.variables:
            dims, arr = _dense(lp, res, var, P)
            out[name] = (dims, arr, {"units": "standard racks"})
    keys = [a.key for a in aggs]
    lo = np.array([study.ends[k][0].value for k in keys])
    hi = np.array([study.ends[k][1].value for k in keys])
    lab = {d: np.array([str(a.labels.get(d, "")) for a in aggs]) for d in ("cluster", "hub", "workload", "year")}
    out = out.assign(
        agg_entry=(("aggregate",), np.array([a.entry.key for a in aggs])),
        agg_unit=(("aggregate",), np.array([a.entry.unit for a in aggs])),
        agg_name_zh=(("aggregate",), np.array([label(a)[0] for a in aggs])),
        agg_name_en=(("aggregate",), np.array([label(a)[1] for a in aggs])),
        **{f"agg_{d}": (("aggregate",), v) for d, v in lab.items()},
        agg_optimum=(("aggregate",), values[0]), agg_min=(("aggregate",), lo), agg_max=(("aggregate",), hi),
        agg_cost_to_min=(("aggregate",), np.maximum(np.array([study.ends[k][0].cost for k in keys]) - study.optimum, 0.0),
                         {"units": "yuan (discounted)", "long_name": "least extra cost of a plan at the minimum"}),
        agg_cost_to_max=(("aggregate",), np.maximum(np.array([study.ends[k][1].cost for k in keys]) - study.optimum, 0.0),
                         {"units": "yuan (discounted)", "long_name": "least extra cost of a plan at the maximum"}),
        agg_scale=(("aggregate",), np.array([verdict[k][0] for k in keys])),
        agg_verdict=(("aggregate",), np.array([verdict[k][1] for k in keys])),
    ).assign_coords(aggregate=keys, alternative=names)
    out["budget"] = ((), study.budget, {"units": "yuan (discounted)", "long_name": "cost ≤ (1 + slack) · optimum"})
    out.attrs.update(slack=study.slack, optimum=study.optimum, budget=study.budget, robust_tol=study.robust_tol,
                     study=strict_json.dumps({"slack": study.slack, "optimum": study.optimum, "budget": study.budget,
                                              "robust_tol": study.robust_tol, "timings": study.timings,
                                              "spores": len(study.spores)}, ensure_ascii=False))
    return out
