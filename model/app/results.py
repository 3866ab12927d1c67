"""Results view: KPI cards, unmet demand with reasons, utilisation against the floor, charts and the
filterable allocation table. Numbers come from ``model.results.summary`` (the same as the CLI's
summary.json) and the figures from ``model.charts``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import xarray as xr

from ..reports import charts, kpis
from . import state
from ..reports.kpis import COST_ZH
from ..results import REASON_ZH
from ..reports.tables import allocation_table, answers_table, baseline_table, unmet_table


# -- formatting (pure; tests format the CLI's numbers with the same functions) --------------------
CARDS = ("objective", "emissions_tco2", "unmet_rack_years", "utilisation_mean", "built_racks")


def fmt_yuan(v: float) -> str:
    """亿元 (10⁸ yuan) with thousands separators, as the KPI catalogue shows costs."""
    return kpis.number(v, kpis.YUAN)


def fmt_racks(v: float) -> str:
    return f"{v:,.0f}"


def fmt_share(v: float) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:.1%}"


def fmt_ms(v: float | None) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:,.2f}"


def card_label(key: str, lang: str = "both") -> str:
    """'总成本 Total cost (亿元)': the catalogue's names (English up to its bracket) and unit."""
    zh, en, unit = kpis.label(key)
    en = en.split(" (")[0]
    name = {"zh": zh, "en": en[:1].upper() + en[1:]}.get(lang, f"{zh} {en[:1].upper() + en[1:]}")
    return f"{name} ({unit.shown})" if unit.shown else name


def kpi_cards(s: dict, lang: str = "both") -> list[tuple[str, str, str]]:
    """(label, value, help) of the headline KPI cards for a summary dict: numbers in the units of
    the KPI catalogue (亿元, MtCO2, 万架·年, %, 万架), the exact stored value in the help."""
    row = s["kpis"]
    out = []
    for key in CARDS:
        zh, en, unit = kpis.label(key)
        v = row[key]
        exact = f"{v:,.1%}" if unit is kpis.SHARE else f"{v:,.0f} {unit.stored}"
        out.append((card_label(key, lang), kpis.number(v, unit), f"{zh} {en}: {exact}"))
    return out


def _delta(now: float, before: float | None, unit) -> str | None:
    if before is None or now is None or not np.isfinite(now) or not np.isfinite(before):
        return None
    d = now - before
    # ASCII sign: Streamlit colours and points the delta arrow by a leading "-"
    return None if abs(d) < 1e-9 * max(1.0, abs(before)) else ("+" if d > 0 else "-") + kpis.number(abs(d), unit)


def in_service(res: xr.Dataset) -> np.ndarray:
    """(cluster, year) cells with capacity that is in service: where utilisation means something."""
    return ((res["capacity"] > 0) & (res["available"] > 0)).transpose("cluster", "year").values


def status_box(res: xr.Dataset) -> None:
    status = str(res.attrs["status"])
    s = state.summary_of(res)
    shown = st.session_state.get("current") or s["scenario"]
    if status.startswith("time limit (incumbent)"):
        st.warning(f"求解时限已到，显示当前最优可行解 Time limit reached ({s['solver_options']['time_limit_s']:g} s): "
                   f"showing the incumbent (best solution found), not a proven optimum. Status: {status}")
    elif status != "optimal":
        st.warning(f"状态 Status: {status}")
    t = s["timings"]
    st.caption(f"结果 Result **{shown}** · 状态 status **{status}** · hash `{s['scenario_hash']}` · "
               f"build {t.get('build_s', 0):.2f} s, solve {t.get('solve_s', 0):.3f} s, total {t.get('total_s', 0):.2f} s")


def headline(res: xr.Dataset | None, previous: dict | None = None) -> None:
    """Status line and the headline KPI cards (above the tabs, so they update first after a solve)."""
    if res is None:
        st.info("尚无结果 No results yet — edit the scenario if you like, then press **求解 Solve** in the sidebar.")
        return
    status_box(res)
    s = state.summary_of(res)
    before = (previous or {}).get("kpis", {})
    colors = {"objective": "inverse", "emissions_tco2": "inverse", "unmet_rack_years": "inverse",
              "utilisation_mean": "normal", "built_racks": "off"}
    cols = st.columns(len(CARDS))
    for col, key, (label, value, help_) in zip(cols, CARDS, kpi_cards(s, state.lang())):
        b = before.get(key)
        col.metric(label, value, delta=_delta(s["kpis"][key], b, kpis.label(key)[2]), delta_color=colors[key],
                   help=help_ + (" · Δ 与上次求解相比 vs the previous solve" if b is not None else ""), border=True)
    st.caption(headline_note(res, s))


def headline_note(res: xr.Dataset, s: dict) -> str:
    """One line under the cards: utilisation against the floor, unmet demand by reason."""
    floor = float(res["utilisation_floor"])
    util = res["utilisation"].values[in_service(res)]
    parts = []
    if floor > 0:
        below = int((util < floor - 1e-6).sum())
        parts.append(f"上架率下限 utilisation floor {floor:.0%}: 最低 lowest {np.nanmin(util):.1%}, "
                     f"{below}/{util.size} 集群年低于下限 cluster-years below")
    else:
        parts.append("上架率下限关闭 utilisation floor off")
    by = s["unmet"]["by_reason"]
    if by:
        parts.append("未满足原因 unmet by reason: " + "; ".join(
            f"{REASON_ZH.get(r, '')} {r} {v:,.0f}" for r, v in by.items()))
    else:
        parts.append("全部需求已满足 all demand served")
    return " · ".join(parts)


def detail_section(res: xr.Dataset) -> None:
    s = state.summary_of(res)

    st.markdown(f"**{state.tr('成本构成', 'Cost by term')}** (亿元 = 10⁸ yuan, {state.tr('折现', 'discounted')})")
    cols = st.columns(len(s["costs"]))
    for col, (term, v) in zip(cols, s["costs"].items()):
        col.metric(f"{COST_ZH.get(term, term)} {term}", fmt_yuan(v), help=f"{v:,.0f} yuan")

    st.markdown("**负载加权时延 Load-weighted one-way latency by class** (ms)")
    names = dict(zip(res.workload.values, [f"{z} {e}" for z, e in zip(res["workload_name_zh"].values,
                                                                      res["workload_name_en"].values)]))
    bounds = dict(zip(res.workload.values, res["latency_bound_ms"].values))
    cols = st.columns(len(s["latency_weighted_ms"]))
    for col, (w, v) in zip(cols, s["latency_weighted_ms"].items()):
        b = bounds.get(w)
        col.metric(names.get(w, w), fmt_ms(v),
                   help=f"bound 上限 {'none 无' if b is None or not np.isfinite(b) else f'{b:g} ms'}")


def unmet_and_floor(res: xr.Dataset) -> None:
    s = state.summary_of(res)
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**未满足需求及原因 Unmet demand and its reasons**")
        by = s["unmet"]["by_reason"]
        if by:
            st.dataframe(pd.DataFrame([(f"{REASON_ZH.get(r, '')} — {r}", v) for r, v in by.items()],
                                      columns=["原因 reason", "rack-years"]), hide_index=True,
                         column_config={"rack-years": st.column_config.NumberColumn(format="%.0f")})
            with st.expander("按地区与类别 By region and class"):
                ut = state.memo(res, "unmet_table", lambda: unmet_table(res)).copy()
                ut["原因 reason"] = ut["unmet_reason"].map(lambda r: f"{REASON_ZH.get(r, '')} {r}")
                st.dataframe(ut[["year", "region_zh", "region_en", "workload_zh", "workload_en", "demand", "served",
                                 "unmet", "原因 reason"]], hide_index=True)
        else:
            st.success("全部需求已满足 All demand is served.")
    with c2:
        floor = float(res["utilisation_floor"])
        st.markdown(f"**上架率与下限 Utilisation against the floor ({floor:.0%})**")
        u = res["utilisation"].to_series().rename("utilisation").reset_index()
        u = u[in_service(res).ravel()]  # an out-of-service cluster is not "below the floor"
        below = u[u["utilisation"] < floor - 1e-6] if floor > 0 else u.iloc[0:0]
        m1, m2, m3 = st.columns(3)
        m1.metric("最低上架率 Lowest", fmt_share(float(u["utilisation"].min()) if len(u) else float("nan")))
        m2.metric("低于下限 Cluster-years below floor", f"{len(below)} / {len(u)}")
        m3.metric("上架率缺口 Shortfall (rack-yr)", fmt_racks(s["policy_shortfalls"]["utilisation_racks"]))
        by_cluster = res["utilisation"].to_pandas()
        by_cluster.index = [f"{z} {e}" for z, e in zip(res["cluster_name_zh"].values, res["cluster_name_en"].values)]
        by_cluster.columns = [str(c) for c in by_cluster.columns]
        st.dataframe(by_cluster.style.format("{:.1%}").map(
            lambda v: "color: #c0392b" if floor > 0 and np.isfinite(v) and v < floor - 1e-6 else ""))


def answers_section(res: xr.Dataset) -> None:
    """Shadow prices (what one more rack / MW is worth), N-1, MILP gap; rule baselines if evaluated."""
    s = state.summary_of(res)
    ans = state.memo(res, "answers", lambda: answers_table(res))
    with st.expander("解答 Why, and what it is worth — shadow prices, resilience, MILP gap", expanded=False):
        if len(ans):
            st.dataframe(ans, hide_index=True)
        else:
            st.caption("无 Nothing to report.")
    if s["baselines"]:
        st.markdown("**与规则基准对比 The optimum beside rule baselines** (nearest / cheapest / greenest)")
        st.dataframe(state.memo(res, "baselines", lambda: baseline_table(res)), hide_index=True)


def charts_section(res: xr.Dataset) -> None:
    years = [int(y) for y in res.year.values]
    year = st.select_slider("图表年份 Year for the allocation chart", years, value=years[-1], key="res.year",
                            persist_state="page")
    st.plotly_chart(state.memo(res, f"fig.alloc.{year}",
                               lambda: charts.fit(charts.allocation_by_cluster(res, year), 600, wrap_x=True)), key="ch.alloc", theme=None)
    st.plotly_chart(state.memo(res, "fig.util", lambda: charts.fit(charts.utilisation(res), 560, years=True)), key="ch.util", theme=None)
    st.plotly_chart(state.memo(res, "fig.traj", lambda: charts.fit(charts.trajectory(res), 560, years=True)), key="ch.traj", theme=None)
    c1, _ = st.columns([1, 1])
    c1.plotly_chart(state.memo(res, "fig.cost", lambda: charts.fit(charts.cost_breakdown(res), 440)), key="ch.cost", theme=None)


def filter_allocation(df: pd.DataFrame, regions=(), clusters=(), workloads=(), years=()) -> pd.DataFrame:
    """Rows of ``allocation_table`` matching every non-empty filter."""
    m = np.ones(len(df), dtype=bool)
    for col, values in (("region", regions), ("cluster", clusters), ("workload", workloads), ("year", years)):
        if values:
            m &= df[col].isin(list(values)).to_numpy()
    return df[m].reset_index(drop=True)


def allocation_section(res: xr.Dataset) -> None:
    st.markdown("**分配明细 Allocation table** (标准机架 standard racks; 空筛选 = 全部 empty filter = all)")
    df = state.memo(res, "allocation_table", lambda: allocation_table(res))
    lab = lambda dim: dict(zip(res[dim].values, [f"{z} {e}" for z, e in zip(res[f"{dim}_name_zh"].values,  # noqa: E731
                                                                           res[f"{dim}_name_en"].values)]))
    c = st.columns(4)
    rl, kl, wl = lab("region"), lab("cluster"), lab("workload")
    regions = c[0].multiselect("地区 Region", list(rl), format_func=rl.get, key="alloc.region", persist_state="page")
    clusters = c[1].multiselect("集群 Cluster", list(kl), format_func=kl.get, key="alloc.cluster", persist_state="page")
    workloads = c[2].multiselect("类别 Class", list(wl), format_func=wl.get, key="alloc.workload",
                                 persist_state="page")
    years = c[3].multiselect("年份 Year", [int(y) for y in res.year.values], key="alloc.year", persist_state="page")
    out = filter_allocation(df, regions, clusters, workloads, years)
    st.caption(f"{len(out):,} 行 rows · {out['racks'].sum():,.0f} 架·年 rack-years"
               + ("" if len(set(out["year"])) > 1 else f" = {out['racks'].sum():,.0f} 架 racks in {out['year'].iloc[0]}"
                  if len(out) else ""))
    st.dataframe(out, hide_index=True, key="alloc.table",
                 column_config={"racks": st.column_config.NumberColumn(format="%.1f"),
                                "latency_ms": st.column_config.NumberColumn(format="%.2f")})


def results_view(res: xr.Dataset | None) -> None:
    if res is None:
        st.info("尚无结果 No results yet — press **求解 Solve** in the sidebar.")
        return
    detail_section(res)
    answers_section(res)
    unmet_and_floor(res)
    charts_section(res)
    allocation_section(res)


__all__ = ["headline", "results_view", "kpi_cards", "card_label", "fmt_yuan", "fmt_racks", "fmt_ms", "fmt_share",
           "filter_allocation"]
