"""Results view: KPI cards, unmet demand with reasons, utilisation against the floor, charts and the
filterable allocation table. Numbers come from ``model.reports.kpis.summary`` (the same as the CLI's
summary.json) and the figures from ``model.reports.charts``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import xarray as xr

from ..reports import charts, kpis
from ..reports.tables import allocation_table, unmet_table
from ..results import REASON_ZH
from . import numbers, state, words
from .notices import no_result_yet


def _delta(now: float, before: float | None, unit, lang: str) -> str | None:
    if before is None or now is None or not np.isfinite(now) or not np.isfinite(before):
        return None
    d = now - before
    # ASCII sign: Streamlit colours and points the delta arrow by a leading "-"
    return None if abs(d) < 1e-9 * max(1.0, abs(before)) else ("+" if d > 0 else "-") + numbers.number_in(abs(d), unit, lang)


def in_service(res: xr.Dataset) -> np.ndarray:
    """(cluster, year) cells with capacity that is in service: where utilisation means something."""
    return ((res["capacity"] > 0) & (res["available"] > 0)).transpose("cluster", "year").values


def resolution_text(res: xr.Dataset, lang: str) -> str:
    """'逐时（8 个典型日）' / 'hourly (8 representative days)' or 'annual': how the result was solved."""
    if str(res.attrs.get("resolution", "annual")) != "hourly":
        return numbers.pick(lang, "年度", "annual")
    days = res.sizes.get("day", 0)
    return numbers.pick(lang, f"逐时（{days} 个典型日）", f"hourly ({days} representative days)")


def status_box(res: xr.Dataset) -> None:
    tr, lang = state.tr, state.lang()
    status = str(res.attrs["status"])
    s = state.summary_of(res)
    shown = st.session_state.get("current") or s["scenario"]
    if status.startswith("time limit (incumbent)"):
        st.warning(tr(f"求解时限已到（{s['solver_options']['time_limit_s']:g} 秒），显示当前最优可行解，未证明最优。",
                      f"Time limit reached ({s['solver_options']['time_limit_s']:g} s): showing the incumbent "
                      f"(best solution found), not a proven optimum. Status: {words.status(status, 'en')}"))
    elif status != "optimal":
        st.warning(f"{tr('状态', 'Status')}: {words.status(status, lang)}")
    t = s["timings"]
    st.caption(f"{tr('结果', 'Result')} **{shown}** · {tr('状态', 'status')} **{words.status(status, lang)}**"
               f" · {tr('分辨率', 'resolution')} **{resolution_text(res, lang)}** · hash `{s['scenario_hash']}` · "
               f"{tr('求解', 'solve')} {t.get('total_s', 0):.2f} s")


def headline(res: xr.Dataset | None, previous: dict | None = None) -> None:
    """Status line and the headline KPI cards (above the tabs, so they update first after a solve)."""
    lang = state.lang()
    if res is None:
        no_result_yet("可先修改情景，然后在侧栏按 **求解**。", "edit the scenario if you like, then press **Solve** in the sidebar.")
        return
    status_box(res)
    s = state.summary_of(res)
    kpi_cards(numbers.cards(res, s, lang), previous, lang)
    st.caption(headline_note(res, s))


COLORS = {"cost": "inverse", "penalty": "inverse", "emissions_tco2": "inverse", "unmet_rack_years": "inverse",
          "utilisation_mean": "normal", "built_racks": "off", "green_volume_score": "normal"}  # which way is better


def kpi_cards(cards: list[dict], previous: dict | None, lang: str) -> None:
    """``numbers.cards`` as metric cards in two rows (money, carbon and green power; then work,
    utilisation, builds), each with its change against ``previous`` (a summary) or its target."""
    before = previous or {}
    prev = {"cost": before.get("objective", 0) - numbers.penalties(before) if before else None,
            "penalty": numbers.penalties(before) if before else None, **before.get("kpis", {})}
    first = next(i for i, c in enumerate(cards) if c["key"] == "unmet_rack_years")
    for row in (cards[:first], cards[first:]):
        for col, c in zip(st.columns(len(row)), row):
            if "target" in c:
                delta = numbers.against_target(c["value"], c["target"], lang)
            else:
                delta = _delta(c["value"], prev.get(c["key"]), c["unit"], lang)
            col.metric(c["label"], c["text"], delta=delta, delta_color=COLORS[c["key"]], help=c["help"], border=True)


def headline_note(res: xr.Dataset, s: dict) -> str:
    """One line under the cards: utilisation against the floor, unmet demand by reason."""
    tr = state.tr
    floor = float(res["utilisation_floor"])
    util = res["utilisation"].values[in_service(res)]
    parts = []
    if floor > 0:
        below = int((util < floor - 1e-6).sum())
        parts.append(tr(f"上架率下限 {floor:.0%}：最低 {np.nanmin(util):.1%}，{below}/{util.size} 个集群年低于下限",
                        f"utilisation floor {floor:.0%}: lowest {np.nanmin(util):.1%}, {below}/{util.size} "
                        "cluster-years below"))
    else:
        parts.append(tr("上架率下限关闭", "utilisation floor off"))
    by = s["unmet"]["by_reason"]
    if by:
        parts.append(tr("未满足原因", "unmet by reason") + ": " + "; ".join(
            f"{tr(REASON_ZH.get(r, r), r)} {kpis.number(v, kpis.RACK_YEARS)} {numbers.units('万架·年', state.lang())}"
            for r, v in by.items()))
    else:
        parts.append(tr("全部需求已满足", "all demand served"))
    return " · ".join(parts)


def detail_section(res: xr.Dataset) -> None:
    tr, lang = state.tr, state.lang()
    s = state.summary_of(res)
    st.markdown(f"**{tr('成本构成（折现）', 'Cost by term (discounted)')}** — "
                + tr("惩罚是对缺口的定价，不是实际支出；省内存量的成本大多已定。",
                     "penalties price a gap, they are not money spent; the provinces' own stock costs are mostly sunk."))
    costs = numbers.cost_frame(s, lang)
    st.dataframe(costs, hide_index=True, key="res.costs", height=35 * (len(costs) + 1) + 3)  # every row, no scrolling

    st.markdown(f"**{tr('各类负载加权单程时延 (ms)', 'Load-weighted one-way latency by class (ms)')}**")
    names = dict(zip(res.workload.values, [tr(z, e) for z, e in zip(res["workload_name_zh"].values,
                                                                   res["workload_name_en"].values)]))
    bounds = dict(zip(res.workload.values, res["latency_bound_ms"].values))
    st.dataframe(pd.DataFrame({
        tr("类别", "Class"): [names.get(w, w) for w in s["latency_weighted_ms"]],
        tr("时延 (ms)", "Latency (ms)"): [numbers.number_in(v, kpis.MS, lang) for v in s["latency_weighted_ms"].values()],
        tr("上限 (ms)", "Bound (ms)"): [tr("无", "none") if b is None or not np.isfinite(b) else f"{b:g}"
                                       for b in (bounds.get(w) for w in s["latency_weighted_ms"])]}),
        hide_index=True, key="res.latency")


def unmet_and_floor(res: xr.Dataset) -> None:
    tr, lang = state.tr, state.lang()
    s = state.summary_of(res)
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{tr('未满足需求及原因', 'Unmet demand and its reasons')}**")
        by = s["unmet"]["by_reason"]
        if by:
            st.dataframe(pd.DataFrame({tr("原因", "Reason"): [tr(REASON_ZH.get(r, r), r) for r in by],
                                       numbers.units("万架·年", lang): [kpis.number(v, kpis.RACK_YEARS)
                                                                               for v in by.values()]}),
                         hide_index=True, key="res.unmet")
            with st.expander(tr("按地区与类别", "By region and class")):
                ut = state.memo(res, "unmet_table", lambda: unmet_table(res))
                st.dataframe(pd.DataFrame({
                    tr("年份", "Year"): ut["year"].astype(str),
                    tr("地区", "Region"): ut["region_zh"] if lang != "en" else ut["region_en"],
                    tr("类别", "Class"): ut["workload_zh"] if lang != "en" else ut["workload_en"],
                    tr("需求 (架)", "Demand (racks)"): ut["demand"].map("{:,.0f}".format),
                    tr("已满足 (架)", "Served (racks)"): ut["served"].map("{:,.0f}".format),
                    tr("未满足 (架)", "Unmet (racks)"): ut["unmet"].map("{:,.0f}".format),
                    tr("原因", "Reason"): [tr(REASON_ZH.get(r, r), r) for r in ut["unmet_reason"]]}),
                    hide_index=True)
        else:
            st.success(tr("全部需求已满足。", "All demand is served."))
    with c2:
        floor = float(res["utilisation_floor"])
        st.markdown(f"**{tr('上架率与规划目标', 'Utilisation against the plan')} ({floor:.0%})**")
        u = res["utilisation"].to_series().rename("utilisation").reset_index()
        u = u[in_service(res).ravel()]  # an out-of-service cluster is not "below the floor"
        below = u[u["utilisation"] < floor - 1e-6] if floor > 0 else u.iloc[0:0]
        m1, m2, m3 = st.columns(3)
        m1.metric(tr("最低上架率", "Lowest"), kpis.with_unit(float(u["utilisation"].min()) if len(u) else None, kpis.SHARE))
        m2.metric(tr("低于目标的集群年", "Cluster-years below plan"), f"{len(below)} / {len(u)}")
        m3.metric(numbers.units(tr("上架率缺口 (万架·年)", "Shortfall (万架·年)"), lang),
                  kpis.number(s["policy_shortfalls"]["utilisation_racks"], kpis.RACK_YEARS))
        by_cluster = res["utilisation"].to_pandas()
        by_cluster.index = [tr(z, e) for z, e in zip(res["cluster_name_zh"].values, res["cluster_name_en"].values)]
        by_cluster.columns = [str(c) for c in by_cluster.columns]
        st.dataframe(by_cluster.style.format("{:.1%}").map(
            lambda v: "color: #c0392b" if floor > 0 and np.isfinite(v) and v < floor - 1e-6 else ""))


def charts_section(res: xr.Dataset) -> None:
    tr, lang = state.tr, state.lang()
    years = [int(y) for y in res.year.values]
    year = st.select_slider(tr("图表年份", "Year for the allocation chart"), years, value=years[-1], key="res.year",
                            persist_state="page")
    st.plotly_chart(state.memo(res, f"fig.alloc.{year}.{lang}",
                               lambda: charts.fit(charts.allocation_by_cluster(res, year, lang), 600, wrap_x=lang == "both")),
                    key="ch.alloc", theme=None)
    st.plotly_chart(state.memo(res, f"fig.util.{lang}", lambda: charts.fit(charts.utilisation(res, lang), 560, years=True)),
                    key="ch.util", theme=None)
    st.plotly_chart(state.memo(res, f"fig.traj.{lang}", lambda: charts.fit(charts.trajectory(res, lang), 560, years=True)),
                    key="ch.traj", theme=None)
    c1, _ = st.columns([1, 1])
    c1.plotly_chart(state.memo(res, f"fig.cost.{lang}", lambda: charts.fit(charts.cost_breakdown(res, lang), 440)),
                    key="ch.cost", theme=None)


def filter_allocation(df: pd.DataFrame, regions=(), clusters=(), workloads=(), years=()) -> pd.DataFrame:
    """Rows of ``allocation_table`` matching every non-empty filter."""
    m = np.ones(len(df), dtype=bool)
    for col, values in (("region", regions), ("cluster", clusters), ("workload", workloads), ("year", years)):
        if values:
            m &= df[col].isin(list(values)).to_numpy()
    return df[m].reset_index(drop=True)


def allocation_section(res: xr.Dataset) -> None:
    tr, lang = state.tr, state.lang()
    st.markdown(f"**{tr('分配明细', 'Allocation table')}** "
                f"({tr('标准机架；空筛选 = 全部', 'standard racks; an empty filter means all')})")
    df = state.memo(res, "allocation_table", lambda: allocation_table(res))
    lab = lambda dim: dict(zip(res[dim].values, [tr(z, e) for z, e in zip(res[f"{dim}_name_zh"].values,  # noqa: E731
                                                                          res[f"{dim}_name_en"].values)]))
    c = st.columns(4)
    rl, kl, wl = lab("region"), lab("cluster"), lab("workload")
    regions = c[0].multiselect(tr("地区", "Region"), list(rl), format_func=rl.get, key="alloc.region", persist_state="page")
    clusters = c[1].multiselect(tr("集群", "Cluster"), list(kl), format_func=kl.get, key="alloc.cluster",
                                persist_state="page")
    workloads = c[2].multiselect(tr("类别", "Class"), list(wl), format_func=wl.get, key="alloc.workload",
                                 persist_state="page")
    years = c[3].multiselect(tr("年份", "Year"), [int(y) for y in res.year.values], key="alloc.year", persist_state="page")
    out = filter_allocation(df, regions, clusters, workloads, years)
    st.caption(f"{len(out):,} {tr('行', 'rows')} · {out['racks'].sum():,.0f} {tr('架·年', 'rack-years')}")
    side = "zh" if lang != "en" else "en"
    shown = pd.DataFrame({
        tr("年份", "Year"): out["year"].astype(str), tr("地区", "Region"): out[f"region_{side}"],
        tr("类别", "Class"): out[f"workload_{side}"], tr("集群", "Cluster"): out[f"cluster_{side}"],
        tr("机架", "Racks"): out["racks"], tr("时延 (ms)", "Latency (ms)"): out["latency_ms"]})
    st.dataframe(shown, hide_index=True, key="alloc.table",
                 column_config={tr("机架", "Racks"): st.column_config.NumberColumn(format="localized"),
                                tr("时延 (ms)", "Latency (ms)"): st.column_config.NumberColumn(format="%.2f")})
    st.session_state["alloc.rows"] = out  # the rows shown, with ids (tests read them)


def results_view(res: xr.Dataset | None) -> None:
    if res is None:
        no_result_yet()
        return
    detail_section(res)
    unmet_and_floor(res)
    charts_section(res)
    allocation_section(res)


__all__ = ["headline", "results_view", "filter_allocation"]
