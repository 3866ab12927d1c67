"""Answers tab: what one more rack or MW is worth against what it costs to build, N-1 per lost
cluster, the cost–carbon frontier with the current case marked, and the rule baselines explained.

The N-1 and frontier runs are many warm solves of the session's Planner. Like ``state.solve`` they
keep their outcome in session_state before any Streamlit call, so a click elsewhere while they
run does not lose it.
"""
from __future__ import annotations

import logging

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import xarray as xr

from ..errors import InputError
from ..inputs.scenario import scenario_from_dict
from ..reports import charts, kpis
from ..reports.tables import baseline_table, shadow_table
from ..results import manifest_of
from ..studies.frontier import cost_carbon_frontier
from ..studies.outages import single_cluster_outages
from . import state

log = logging.getLogger("hubplan.app")
RULES = {  # what each rule does, and why it lands where it does
    "nearest": ("最近：每个地区的需求交给时延最短、仍有容量和电力的集群。",
                "Nearest: each region's demand goes to the lowest-latency cluster that still has room and power. "
                "It ignores prices, so load stays in the east where power is dear."),
    "cheapest": ("最便宜：按电费 + 传输 + 碳价计的运营成本排序分配。",
                 "Cheapest: by operating cost (electricity + transport + carbon price) per rack-year. It ignores "
                 "build costs and later years, and fills the cheapest clusters with whichever region comes first."),
    "greenest": ("最绿：按集群电网排放因子排序分配。",
                 "Greenest: by the grid carbon factor of the cluster. It does not see green-power availability "
                 "(zero-emission MW the optimum buys where the carbon price makes it pay) and fills the low-factor "
                 "grids first come first served, so later load lands on dirtier grids or goes unmet — it can emit "
                 "more than the optimum."),
}


def _scenario_of(res: xr.Dataset):
    return scenario_from_dict(manifest_of(res)["scenario"])


def _store(key: str, fn) -> None:
    """Run ``fn`` (many solves) and keep its outcome, or its error line, in the plain dict
    ``ss.answers`` (taken before the run: after a navigation this script run may not write to
    session_state, see ``state.solve``)."""
    answers = st.session_state.answers
    try:
        with state.solver_lock():
            answers[key] = fn()
    except InputError as exc:
        answers[key] = state.error_text(exc)
    except Exception as exc:  # a bug must not take the session down: an error box, never a traceback
        log.exception("answer failed")
        answers[key] = f"计算失败 failed: {type(exc).__name__}: {exc}"


def shadow_section(res: xr.Dataset) -> None:
    tr = state.tr
    st.markdown(f"**{tr('影子价格', 'Shadow prices')}** — "
                + tr("多一个机架 / 1 MW 电网接入在该年可省下的成本，对比一个机架的年化建设成本（投资 × 资本回收系数）。",
                     "what one more rack / MW of grid connection saves in that year, against the annualised cost "
                     "of building a rack (capex × capital recovery factor)."))
    t = state.memo(res, "shadow_table", lambda: shadow_table(res))
    years = sorted(t["year"].unique().tolist())
    year = st.select_slider(tr("年份", "Year"), years, value=years[-1], key="ans.year", persist_state="page")
    d = t[t["year"] == year]
    names = [f"{z}<br>{e}" for z, e in zip(d["cluster_zh"].str.removesuffix("集群"), d["cluster_en"])]
    fig = go.Figure([
        go.Bar(x=names, y=d["rack_value"], name=tr("多一个机架的价值", "value of one more rack"),
               marker_color=charts.COLOURS[0], hovertemplate="%{y:,.0f} 元/架·年<extra></extra>"),
        go.Scatter(x=names, y=d["rack_cost_per_year"], name=tr("年化建设成本", "annualised cost of building a rack"),
                   mode="markers", marker=dict(symbol="line-ew-open", size=28, line=dict(width=3, color=charts.COLOURS[3])),
                   hovertemplate="%{y:,.0f} 元/架·年<extra></extra>")])
    fig.update_layout(template=charts.TEMPLATE, height=420, yaxis_title=tr("元/架·年", "yuan per rack-year"),
                      title=tr(f"{year} 年各集群机架影子价格", f"Value of one more rack by cluster, {year}"),
                      legend=dict(orientation="h", y=-0.25), margin=dict(t=50, b=10))
    fig.update_yaxes(tickformat=",")
    st.plotly_chart(fig, key="ans.shadow", theme=None)
    worth = d[d["rack_value"] > d["rack_cost_per_year"]]
    lines = [tr(f"- {r.cluster_zh}：多一个机架值 ¥{r.rack_value:,.0f}/年，高于年化建设成本 ¥{r.rack_cost_per_year:,.0f}，值得扩建。",
                f"- {r.cluster_en}: one more rack is worth ¥{r.rack_value:,.0f} a year, above the ¥{r.rack_cost_per_year:,.0f} "
                "it costs to build per year — worth expanding.") for r in worth.itertuples()]
    mw = d[d["mw_value"] > 1e-6].sort_values("mw_value", ascending=False)
    lines += [tr(f"- {r.cluster_zh}：多 1 MW 电网接入值 ¥{r.mw_value:,.0f}/年（数据中无接入成本可比）。",
                 f"- {r.cluster_en}: one more MW of grid connection is worth ¥{r.mw_value:,.0f} a year (the data has no "
                 "connection cost to set against it).") for r in mw.head(3).itertuples()]
    st.markdown("\n".join(lines) if lines else tr("该年没有值得扩建的集群（影子价格低于年化建设成本）。",
                                                  "No cluster is worth expanding that year (values below the build cost)."))


def n1_section(res: xr.Dataset) -> None:
    tr, ss = state.tr, st.session_state
    key = f"n1.{ss.current}"
    st.markdown(f"**N-1：{tr('逐个失去一个集群', 'losing one cluster at a time')}** — "
                + tr("该集群全部年份停运、其余重新优化：成本增加、无法转移的需求、负载去向。",
                     "that cluster out in every year, the rest re-optimised: extra cost, demand that cannot be moved, "
                     "where its load goes."))
    if st.button(tr("计算 N-1（每个集群一次求解）", "Run N-1 (one solve per cluster)"), key="ans.n1"):
        with st.spinner(tr("求解中 …", "Solving …")):
            _store(key, lambda: single_cluster_outages(_scenario_of(res), ss.planner))
    out = ss.answers.get(key)
    if isinstance(out, str):
        st.error(out)
    elif out is not None:
        df = pd.DataFrame({
            tr("失去的集群", "Lost cluster"): out["cluster_zh"] + " " + out["cluster_en"],
            tr("其负载 (万架)", "Its load (万架)"): [kpis.number(v, kpis.RACKS) for v in out["lost_load_racks"]],
            tr("成本增加 (亿元)", "Extra cost (亿元)"): [kpis.number(v, kpis.YUAN) for v in out["cost_delta_yuan"]],
            tr("无法转移 (万架·年)", "Cannot be moved (万架·年)"): [kpis.number(v, kpis.RACK_YEARS)
                                                                  for v in out["unmet_delta_rack_years"]],
            tr("负载去向（末年，架）", "Load moves to (last year, racks)"): out["moved_to"],
        })
        st.dataframe(df, hide_index=True, key="ans.n1.table")


def frontier_section(res: xr.Dataset) -> None:
    tr, ss = state.tr, st.session_state
    st.markdown(f"**{tr('成本–碳排放前沿', 'Cost–carbon frontier')}** — "
                + tr("在服务同样需求的前提下，每个碳排放上限下的最低成本；星号为当前情景。",
                     "least cost for each carbon budget while serving the same demand; the star is the current case."))
    c1, c2 = st.columns([1, 2])
    points = c1.number_input(tr("点数", "Points"), min_value=3, max_value=20, value=6, step=1, key="ans.points")
    key = f"frontier.{ss.current}.{points}"
    if c2.button(tr("计算前沿", "Run the frontier"), key="ans.frontier"):
        with st.spinner(tr("求解中 …", "Solving …")):
            _store(key, lambda: cost_carbon_frontier(_scenario_of(res), int(points), ss.planner))
    out = ss.answers.get(key)
    if isinstance(out, str):
        st.error(out)
    elif out is not None:
        s = state.summary_of(res)
        st.plotly_chart(charts.fit(charts.frontier_chart(out, (s["emissions_tco2"], s["objective"])), 460),
                        key="ans.frontier.chart", theme=None)
        st.dataframe(pd.DataFrame({
            tr("排放上限 (MtCO2)", "Carbon budget (MtCO2)"): [kpis.number(v, kpis.TCO2) for v in out["emission_cap_t"]],
            tr("成本 (亿元)", "Cost (亿元)"): [kpis.number(v, kpis.YUAN) for v in out["objective"]],
            tr("边际减排成本 (元/t)", "Marginal abatement cost (yuan/t)"): [f"{v:,.0f}" for v in out["abatement_cost_yuan_per_t"]],
            tr("状态", "Status"): out["status"]}), hide_index=True, key="ans.frontier.table")


def baselines_section(res: xr.Dataset) -> None:
    tr = state.tr
    st.markdown(f"**{tr('规则基准', 'Rule baselines')}** — "
                + tr("规则逐年、逐个贪心分配，再由模型核算成本和排放。", "the rules allocate greedily, year by year; the model "
                     "then accounts their cost and carbon exactly as for the optimum."))
    st.markdown("\n".join(f"- {tr(zh, en)}" for zh, en in RULES.values()))
    if not state.summary_of(res)["baselines"]:
        st.caption(tr("在侧栏“求解设置”中打开“同时评估规则基准”后再求解。",
                      "Switch on 'Also evaluate rule baselines' in the sidebar's Solve settings, then solve."))
        return
    b = baseline_table(res)
    s = state.summary_of(res)
    st.dataframe(pd.DataFrame({
        tr("规则", "Rule"): b["baseline"],
        tr("成本 (亿元)", "Cost (亿元)"): [kpis.number(v, kpis.YUAN) for v in b["cost_yuan"]],
        tr("比最优多 (亿元)", "Above the optimum (亿元)"): [kpis.number(v - s["objective"], kpis.YUAN) for v in b["cost_yuan"]],
        tr("排放 (MtCO2)", "Emissions (MtCO2)"): [kpis.number(v, kpis.TCO2) for v in b["emissions_t"]],
        tr("比最优多 (MtCO2)", "Above the optimum (MtCO2)"): [kpis.number(v - s["emissions_tco2"], kpis.TCO2)
                                                          for v in b["emissions_t"]],
        tr("未满足 (万架·年)", "Unmet (万架·年)"): [kpis.number(v, kpis.RACK_YEARS) for v in b["unmet_rack_years"]],
    }), hide_index=True, key="ans.baselines")


def answers_view(res: xr.Dataset | None) -> None:
    if res is None:
        st.info(state.tr("尚无结果 — 请在侧栏按 **求解**。", "No results yet — press **Solve** in the sidebar."))
        return
    st.session_state.setdefault("answers", {})
    shadow_section(res)
    st.divider()
    n1_section(res)
    st.divider()
    frontier_section(res)
    st.divider()
    baselines_section(res)
