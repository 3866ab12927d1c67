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
from ..formulation import BY_NAME
from ..inputs.scenario import scenario_from_dict
from ..reports import charts, kpis
from ..reports.tables import shadow_table
from ..results import manifest_of, unmet_value
from ..studies.frontier import cost_carbon_frontier
from ..studies.outages import single_cluster_outages
from . import numbers, state, words
from .notices import no_result_yet

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
        answers[key] = state.tr("计算失败", "Failed") + f": {type(exc).__name__}: {exc}"


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
    names = [numbers.pick(state.lang(), z, e).replace(" ", "<br>", 1) if state.lang() == "both" else numbers.pick(state.lang(), z, e)
             for z, e in zip(d["cluster_zh"].str.removesuffix("集群"), d["cluster_en"])]
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
    lang = state.lang()
    unmet_by_class = res["unmet"].sel(year=year).sum("region")
    unmet = float(unmet_by_class.sum())
    if unmet > 1e-6 and len(worth):  # a rack's value is then what it saves in penalty, not a market price
        limits = {k: binding_limits(res, k, year, lang) for k in worth["cluster"]}
        named = sorted({x for v in limits.values() for x in v})
        value = unmet_value(res)  # each class left unmet at its own value of lost load, V · λ[w]
        left = [(numbers.pick(lang, str(res["workload_name_zh"].sel(workload=w).item()),
                              str(res["workload_name_en"].sel(workload=w).item())), float(value.sel(workload=w)))
                for w in res.workload.values if float(unmet_by_class.sel(workload=w)) > 1e-6]
        which = ("、" if lang == "zh" else ", ").join(f"{n} ¥{v:,.0f}" for n, v in left)
        st.warning(tr(f"这些价值由未满足需求的价值决定（每架·年：{which}）：{year} 年有 "
                      f"{kpis.number(unmet, kpis.RACKS)} 万架需求未满足，多一个机架就少付一份惩罚。约束在：{'、'.join(named) or '—'}。",
                      f"These values are set by the value of the work left unmet (per rack-year: {which}): "
                      f"{numbers.units(kpis.number(unmet, kpis.RACKS) + ' 万架', lang)} of demand go unmet in {year}, "
                      f"so one more rack saves a penalty. Binding: {', '.join(named) or '—'}."))
    else:
        limits = {}
    lines = [tr(f"- {r.cluster_zh}：多一个机架值 ¥{r.rack_value:,.0f}/年，高于年化建设成本 ¥{r.rack_cost_per_year:,.0f}"
                + (f"（受{'、'.join(limits[r.cluster])}约束）" if limits.get(r.cluster) else "") + "。",
                f"- {r.cluster_en}: one more rack is worth ¥{r.rack_value:,.0f} a year, above the "
                f"¥{r.rack_cost_per_year:,.0f} it costs to build per year"
                + (f" (held by: {', '.join(limits[r.cluster])})" if limits.get(r.cluster) else "") + ".")
             for r in worth.itertuples()]
    mw = d[d["mw_value"] > 1e-6].sort_values("mw_value", ascending=False)
    lines += [tr(f"- {r.cluster_zh}：多 1 MW 电网接入值 ¥{r.mw_value:,.0f}/年（数据中无接入成本可比）。",
                 f"- {r.cluster_en}: one more MW of grid connection is worth ¥{r.mw_value:,.0f} a year (the data has "
                 "no connection cost to set against it).") for r in mw.head(3).itertuples()]
    st.markdown("\n".join(lines) if lines else tr("该年没有值得扩建的集群（影子价格低于年化建设成本）。",
                                                  "No cluster is worth expanding that year (values below the build cost)."))


def binding_limits(res: xr.Dataset, cluster: str, year: int, lang: str) -> list[str]:
    """Which of a cluster's limits hold it in ``year``: the plan, the yearly build limit, the grid
    connection (the families' names in ``lang``, from the registry)."""
    at = lambda v, lim: float(v) >= float(lim) - 1e-6 * max(1.0, abs(float(lim)))  # noqa: E731
    c = dict(cluster=cluster)
    held = {"build_plan": at(res["capacity"].sel(year=year, **c), res["planned_racks"].sel(**c)),
            "build_limit": at(res["build"].sel(year=year, **c), res["build_limit_racks_per_year"].sel(**c)),
            "grid_connection_limit": at(res["grid_mw"].sel(year=year, **c), res["grid_limit_mw"].sel(**c))}
    return [numbers.pick(lang, BY_NAME[f].label.zh, BY_NAME[f].label.en) for f, on in held.items() if on]


def _running() -> str | None:
    return st.session_state.answers.get("running")


@st.fragment(run_every=1.0)
def _wait(what: str) -> None:
    """While N-1 or the frontier runs in a script run a click replaced, say so and show the
    table when it is done (nothing is discarded)."""
    if _running():
        st.info(state.tr(f"{what}仍在计算 …，完成后自动显示。", f"{what} is still running … it appears when done."))
    else:
        st.rerun()


def _run(key: str, fn) -> None:
    answers = st.session_state.answers
    answers["running"] = key
    try:
        _store(key, fn)
    finally:
        answers["running"] = None


def n1_section(res: xr.Dataset) -> None:
    tr, ss, lang = state.tr, st.session_state, state.lang()
    key = f"n1.{ss.current}"
    st.markdown(f"**N-1{tr('：逐个失去一个集群', ': losing one cluster at a time')}** — "
                + tr("该集群全部年份停运、其余重新优化（含新建）：成本增加、全部年份中无法转移的需求、负载去向。",
                     "that cluster out in every year, the rest re-optimised (builds included): extra cost, demand "
                     "that cannot be moved over all years, where its load goes."))
    busy = _running()
    if st.button(tr("计算 N-1（每个集群一次求解）", "Run N-1 (one solve per cluster)"), key="ans.n1", disabled=bool(busy)):
        with st.spinner(tr("求解中 …", "Solving …")):
            _run(key, lambda: single_cluster_outages(_scenario_of(res), ss.planner))
    elif busy and busy.startswith("n1."):
        _wait("N-1")
    out = ss.answers.get(key)
    if isinstance(out, str):
        st.error(out)
    elif out is not None:
        lost = out.get("lost_load_rack_years", out["lost_load_racks"])
        stuck = out["unmet_delta_rack_years"].clip(lower=0)
        df = pd.DataFrame({
            tr("失去的集群", "Lost cluster"): out["cluster_zh"] if lang != "en" else out["cluster_en"],
            numbers.units(tr("其负载，全部年份 (万架·年)", "Its load, all years (万架·年)"), lang):
                [kpis.number(v, kpis.RACK_YEARS) for v in lost],
            numbers.units(tr("成本增加 (亿元)", "Extra cost (亿元)"), lang): [kpis.number(v, kpis.YUAN) for v in out["cost_delta_yuan"]],
            numbers.units(tr("无法转移 (万架·年)", "Cannot be moved (万架·年)"), lang):
                [kpis.number(v, kpis.RACK_YEARS) for v in stuck],
            tr("无法转移占比", "Share not moved"): [f"{u / v:.0%}" if v > 0 else "—" for u, v in zip(stuck, lost)],
            tr("负载去向（末年，架）", "Load moves to (last year, racks)"): [_moved(m, lang) for m in out["moved_to"]],
        })
        st.dataframe(df, hide_index=True, key="ans.n1.table")
        if (stuck >= 0.99 * lost).all():
            st.caption(tr("每个集群的负载都无法转移：其余集群已达规划机架、建设或电力上限（见影子价格）。",
                          "No cluster's load can move: the others are at their planned racks, build or power "
                          "limits (see the shadow prices)."))


def _moved(text: str, lang: str) -> str:
    return text.replace("本省机房 own stock", numbers.pick(lang, "本省机房", "own stock")) if lang != "both" else text


def frontier_section(res: xr.Dataset) -> None:
    tr, ss, lang = state.tr, st.session_state, state.lang()
    st.markdown(f"**{tr('成本–碳排放前沿', 'Cost–carbon frontier')}** — "
                + tr("在服务同样需求的前提下，每个碳排放上限下的最低成本；星号为当前情景。",
                     "least cost for each carbon budget while serving the same demand; the star is the current case."))
    c1, c2 = st.columns([1, 2])
    points = c1.number_input(tr("点数", "Points"), min_value=3, max_value=20, value=6, step=1, key="ans.points")
    key = f"frontier.{ss.current}.{points}"
    busy = _running()
    if c2.button(tr("计算前沿", "Run the frontier"), key="ans.frontier", disabled=bool(busy)):
        with st.spinner(tr("求解中 …", "Solving …")):
            _run(key, lambda: cost_carbon_frontier(_scenario_of(res), int(points), ss.planner))
    elif busy and busy.startswith("frontier."):
        _wait(tr("前沿", "The frontier"))
    out = ss.answers.get(key)
    if isinstance(out, str):
        st.error(out)
    elif out is not None:
        s = state.summary_of(res)
        fig = charts.frontier_chart(out, (s["emissions_tco2"], s["objective"]), lang)
        st.plotly_chart(charts.fit(fig, 460), key="ans.frontier.chart", theme=None)
        last = len(out) - 1
        t = numbers.unit_in(kpis.TCO2, lang)
        st.dataframe(pd.DataFrame({
            tr("排放上限", "Carbon budget") + f" ({t.shown})": [numbers.number_in(v, kpis.TCO2, lang) for v in out["emission_cap_t"]],
            numbers.units(tr("成本 (亿元)", "Cost (亿元)"), lang): [kpis.number(v, kpis.YUAN) for v in out["objective"]],
            tr("边际减排成本 (元/吨)", "Marginal abatement cost (yuan/t)"): [f"{v:,.0f}" for v in out["abatement_cost_yuan_per_t"]],
            tr("说明", "Note"): ["" if i < last else tr("最后一步：最低可达排放，价格为最后几吨的成本",
                                                       "last step: the lowest reachable emissions; its price is "
                                                       "that of the very last tonnes") for i in range(len(out))],
            tr("状态", "Status"): [words.status(s, lang) for s in out["status"]]}),
            hide_index=True, key="ans.frontier.table")


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
    st.dataframe(numbers.baseline_frame(state.summary_of(res), state.lang()), hide_index=True, key="ans.baselines")
    st.caption(tr("“比最优多”以最优方案按同一口径核算的一行为基准，故最优一行为 0。",
                  "'Above the optimum' is measured against the optimum's own row, accounted like the rules, so "
                  "it reads 0."))


def answers_view(res: xr.Dataset | None) -> None:
    if res is None:
        no_result_yet()
        return
    st.session_state.setdefault("answers", {})
    shadow_section(res)
    st.divider()
    n1_section(res)
    st.divider()
    frontier_section(res)
    st.divider()
    baselines_section(res)
