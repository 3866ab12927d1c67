"""Compare view: the session's solved scenarios side by side, and allocation differences against a
chosen baseline (tables from ``model.compare``)."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from ..reports import charts, compare
from ..reports.kpis import label, shown
from . import state

def _label(col: str) -> str:
    zh, en, unit = label(col)
    return f"{zh} {en}" + (f" ({unit.shown})" if unit.shown else "")


def kpi_display(frame: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """KPI × scenario table of strings in planners' units, with the difference to the baseline."""
    t = frame.T
    out = pd.DataFrame(index=[_label(c) for c in t.index])
    for name in t.columns:
        vals = []
        for kpi, v in t[name].items():
            base, unit = t.loc[kpi, baseline], label(kpi)[2]
            text = shown(v, unit)
            if (name != baseline and isinstance(v, (int, float)) and not isinstance(v, bool) and pd.notna(v)
                    and isinstance(base, (int, float)) and pd.notna(base) and base != v):
                d = (v - base) / unit.factor
                text += f"  ({d:+,.{unit.digits}f}" + (f", {(v - base) / base:+.1%})" if base else ")")
            vals.append(text)
        out[name] = vals
    return out


def _remove() -> None:
    ss = st.session_state
    for name in ss.get("cmp.remove") or []:
        ss.results.pop(name, None)
        if ss.current == name:
            ss.current = next(reversed(ss.results), None) if ss.results else None
    ss["cmp.remove"] = []


def compare_view() -> None:
    ss = st.session_state
    results: dict = ss.results
    if not results:
        st.info("尚无结果 No solved scenarios yet — solve one or more scenarios, they are kept here by name.")
        return
    names = list(results)
    # keyed by the stored names: a newly solved scenario joins the comparison
    chosen = st.multiselect("比较的情景 Scenarios to compare", names, default=names,
                            key=f"cmp.names.{abs(hash(tuple(names)))}")
    if not chosen:
        st.info("请选择情景 Choose at least one scenario.")
        return
    baseline = st.selectbox("基准 Baseline", chosen, key="cmp.base", persist_state="page")
    frame = compare.kpi_frame_from_rows(
        {n: state.memo(results[n], "kpi_row", lambda r=results[n]: compare.kpi_row(r)) for n in chosen})
    st.markdown("**关键指标对比 KPIs side by side** (括号内为相对基准的差值 brackets: difference to the baseline)")
    table = kpi_display(frame, baseline)
    st.dataframe(table, key="cmp.kpis", height=min(35 * (len(table) + 1) + 3, 1000))

    others = [n for n in chosen if n != baseline]
    if not others:
        st.caption("再求解一个情景即可比较分配差异 Solve another scenario to see allocation differences.")
    else:
        c1, c2 = st.columns([2, 1])
        other = c1.selectbox("对比情景 Compare with", others, key="cmp.other", persist_state="page")
        years = sorted({int(y) for n in (baseline, other) for y in results[n].year.values})
        year = c2.select_slider("年份 Year", years, value=years[-1], key="cmp.year", persist_state="page")
        diff = compare.allocation_difference(results[baseline], results[other], year, by=("cluster", "workload"))
        diff["集群 cluster"] = diff["cluster_zh"] + " " + diff["cluster_en"]
        diff["类别 class"] = diff["workload_zh"] + " " + diff["workload_en"]
        fig = px.bar(diff, x="集群 cluster", y="difference", color="类别 class", barmode="relative",
                     title=f"分配差异 Allocation difference {year}: {other} − {baseline} (standard racks 标准机架)",
                     labels={"difference": "Δ racks 机架差"})
        fig.add_hline(y=0, line_color="#444", line_width=1)
        fig = charts.fit(fig, 560, wrap_x=True)
        st.plotly_chart(fig, key="cmp.chart", theme=None)
        by_cluster = compare.allocation_difference(results[baseline], results[other], year)
        hubs = {}
        for r in (results[baseline], results[other]):
            hubs.update(zip(r["hub"].values, (f"{z} {e}" for z, e in zip(r["hub_name_zh"].values, r["hub_name_en"].values))))
        by_cluster["枢纽 hub"] = by_cluster["hub"].map(hubs)
        st.dataframe(by_cluster[["cluster", "cluster_zh", "cluster_en", "枢纽 hub", "base", "other", "difference"]]
                     .rename(columns={"base": f"基准 {baseline}", "other": other}), hide_index=True, key="cmp.diff",
                     column_config={c: st.column_config.NumberColumn(format="%.0f")
                                    for c in (f"基准 {baseline}", other, "difference")})
    with st.expander("管理 Manage stored results"):
        st.multiselect("移除 Remove from the session", names, key="cmp.remove")
        st.button("移除所选 Remove selected", key="cmp.remove_btn", on_click=_remove)
