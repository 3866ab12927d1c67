"""A workspace as text: the rows ``hubplan workspace list`` and ``show`` print (planners' units
from the KPI catalogue; a stochastic run's answers in 亿元)."""
from __future__ import annotations

import pandas as pd

from ..reports.kpis import YUAN, label, with_unit
from .register import STOCHASTIC_KPIS
from .store import Workspace


def _when(t) -> str:
    return pd.Timestamp(t).strftime("%Y-%m-%d %H:%M UTC") if t is not None and not pd.isna(t) else ""


def run_rows(ws: Workspace) -> list[tuple[str, ...]]:
    """(run, scenario, source, status, objective 亿元, results, created), newest first."""
    return [(str(r.id), r.scenario, r.source, r.status, with_unit(r.objective, YUAN) if pd.notna(r.objective) else "—",
             "results.nc" if r.has_results else "KPIs only", _when(r.created))
            for r in ws.runs().itertuples()]


def scenario_rows(ws: Workspace) -> list[tuple[str, ...]]:
    """(id, name, scenario name, parent, runs, hash, created), newest first."""
    return [(str(s.id), s.name, s.scenario_name, s.parent or "", str(s.runs), s.hash, _when(s.created))
            for s in ws.scenarios().itertuples()]


def kpi_lines(kpis: dict, kind: str = "scenario") -> list[tuple[str, str]]:
    """(label, value) per KPI in planners' units."""
    if kind == "futures":
        return [(k, with_unit(kpis.get(k), YUAN)) for k in STOCHASTIC_KPIS if k in kpis] + \
               [("objective", str(kpis.get("objective"))), ("futures", str(kpis.get("futures")))]
    out = []
    for key, v in kpis.items():
        zh, en, unit = label(key)
        out.append((f"{zh} {en}".strip(), with_unit(v, unit)))
    return out


def run_lines(ws: Workspace, run_id: int) -> list[tuple[str, str]]:
    """What ``hubplan workspace show RUN`` prints: where the run came from, then its KPIs."""
    r = ws.run(run_id)
    head = [("run", str(r["id"])), ("scenario", f"{r['scenario']} (saved scenario {r['scenario_id']})"),
            ("source", r["source"]), ("command", r["command"] or "—"), ("status", r["status"]),
            ("created", _when(r["created"])), ("results", "results.nc" if r["has_results"] else "KPIs only"),
            ("hash", r["hash"]), ("time total (s)", f"{r['timings']['total_s']:.3f}" if "total_s" in r["timings"] else "—"),
            ("versions", ", ".join(f"{k} {v}" for k, v in r["versions"].items()))]
    return head + kpi_lines(r["kpis"], r["kind"])
