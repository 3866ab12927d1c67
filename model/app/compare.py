"""Compare view: the session's solved scenarios side by side, and allocation differences against a
chosen baseline (tables from ``model.compare``)."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from ..reports import charts, compare
from ..inputs.diff import input_diff
from ..inputs.scenario import scenario_from_dict
from ..reports.kpis import label, shown
from ..reports.tables import region_cluster_difference
from ..results import manifest_of
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


def _input_diff(a, b) -> pd.DataFrame:
    """Levers set differently in the two solved scenarios (as the model received them)."""
    sa, sb = (scenario_from_dict(manifest_of(r)["scenario"]) for r in (a, b))
    return input_diff(sa, sb, state.dataset_for(sb))


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
    others = [n for n in chosen if n != baseline]
    other = st.selectbox("对比情景 Compare with", others, key="cmp.other", persist_state="page") if others else None
    c1, c2 = st.columns([2, 3])
    with c1:
        st.markdown(f"**输入差异 Inputs that differ** (A = {baseline}" + (f", B = {other})" if other else ")"))
        if other is None:
            st.caption("再求解一个情景即可比较 Solve another scenario to compare inputs.")
        else:
            d = state.memo(results[other], f"input_diff.{baseline}", lambda: _input_diff(results[baseline], results[other]))
            if d.empty:
                st.caption("两者输入相同 Both scenarios have the same inputs.")
            else:
                # a plain table: a handful of rows, readable (and searchable) as text
                st.table(d.rename(columns={"lever": "参数 Lever", "A": f"A {baseline}", "B": f"B {other}"})
                         .drop(columns="path").set_index("参数 Lever"))
    with c2:
        st.markdown("**关键指标对比 KPIs side by side** (括号内为相对基准的差值 brackets: difference to the baseline)")
        table = kpi_display(frame, baseline)
        st.dataframe(table, key="cmp.kpis", height=min(35 * (len(table) + 1) + 3, 1000))

    if other is not None:
        years = sorted({int(y) for n in (baseline, other) for y in results[n].year.values})
        year = st.select_slider("年份 Year", years, value=years[-1], key="cmp.year", persist_state="page")
        diff = compare.allocation_difference(results[baseline], results[other], year, by=("cluster", "workload"))
        diff["集群 cluster"] = diff["cluster_zh"] + " " + diff["cluster_en"]
        diff["类别 class"] = diff["workload_zh"] + " " + diff["workload_en"]
        fig = px.bar(diff, x="集群 cluster", y="difference", color="类别 class", barmode="relative",
                     color_discrete_sequence=charts.COLOURS,
                     title=f"分配差异 Allocation difference {year}: {other} − {baseline} (standard racks 标准机架)",
                     labels={"difference": "Δ racks 机架差"})
        fig.add_hline(y=0, line_color="#444", line_width=1)
        fig = charts.fit(fig, 560, wrap_x=True)
        fig.update_layout(template=charts.TEMPLATE)
        st.plotly_chart(fig, key="cmp.chart", theme=None)
        st.markdown(f"**地区 × 集群分配差异 Region × cluster difference {year}** ({other} − {baseline}, 机架 racks)")
        m = region_cluster_difference(results[baseline], results[other], year)
        lim = float(abs(m.drop(index="合计 Total", columns="合计 Total")).to_numpy().max()) or 1.0
        st.dataframe(m.style.format("{:+,.0f}").background_gradient(cmap="RdBu_r", vmin=-lim, vmax=lim),
                     key="cmp.matrix", height=min(35 * (len(m) + 1) + 3, 800))
    with st.expander("管理 Manage stored results"):
        st.multiselect("移除 Remove from the session", names, key="cmp.remove")
        st.button("移除所选 Remove selected", key="cmp.remove_btn", on_click=_remove)
