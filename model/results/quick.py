"""The headline figures of a solve straight from the solution arrays, without the results Dataset.

A lever sweep or the app's headline needs a dozen numbers per solve; building the results Dataset
(every decision, KPI, shadow price and unmet reason as xarray variables) costs several times the
warm solve itself. ``headline`` computes the KPIs below with the same arithmetic as
``build_results`` and the KPI catalogue (``model.reports.kpis``), so each equals its ``kpi_row``
value (tests/solve/test_warm_answers.py); everything else comes from the full results, built on demand.
"""
from __future__ import annotations

import numpy as np

from ..formulation.blocks import LinearProgram
from ..formulation.capacity import in_service
from ..solve.highs import Solution
from .build import _block, cost_by_term, emissions_by_source

HEADLINE = ("status", "objective", "cost_*", "emissions_tco2", "demand_rack_years", "served_rack_years",
            "unmet_rack_years", "unmet_share", "built_racks", "utilisation_mean")


def headline(inp, lp: LinearProgram, sol: Solution) -> dict:
    """{KPI key: value} for the keys of ``HEADLINE`` (``cost_*``: one per cost term); ``inp`` is the
    inputs Dataset or a view of it (``formulation.InputsView``)."""
    ix, v = lp.index, sol.col_value
    K, Y = ix.K, ix.Y
    x = _block(lp, v, "x").reshape(ix.A, Y)
    load = np.zeros((K, Y))
    np.add.at(load, ix.arc_k, x)
    capacity = in_service(inp, _block(lp, v, "build").reshape(K, Y), _block(lp, v, "retire").reshape(K, Y))
    served, unmet = float(x.sum()), float(_block(lp, v, "unmet").sum())
    demand = float(inp["demand"].to_numpy().sum())
    em = emissions_by_source(inp, lp, v)
    cap = float(capacity.sum())
    return {"status": sol.status, "objective": float(sol.objective),
            **{f"cost_{t}": c for t, c in cost_by_term(lp, v).items()},
            "emissions_tco2": float(sum((e.sum(axis=0) for e in em.values()), np.zeros(Y)).sum()),
            "demand_rack_years": demand, "served_rack_years": served, "unmet_rack_years": unmet,
            "unmet_share": unmet / max(demand, 1e-9), "built_racks": float(_block(lp, v, "build").sum()),
            "utilisation_mean": float(load.sum()) / cap if cap > 0 else float("nan")}
