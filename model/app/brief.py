"""Brief tab: a province's work by destination, class and year; the 东数西算 indicators per hub;
the build and investment schedule; a sensitivity tornado; the one-page briefing (PDF, PNG)."""
from __future__ import annotations

import logging

import plotly.express as px
import streamlit as st
import xarray as xr

from ..inputs.scenario import scenario_from_dict
from ..reports import charts
from ..results import manifest_of
from . import briefing, numbers, state
from .editor import safe_name
from .notices import no_result_yet

log = logging.getLogger("hubplan.app")


def province_section(res: xr.Dataset) -> None:
    tr, lang = state.tr, state.lang()
    st.markdown(f"**{tr('省份去向', 'Where a province’s work goes')}**")
    names = dict(zip(map(str, res.region.values), [numbers.pick(lang, z, e) for z, e in
                                                   zip(res["region_name_zh"].values, res["region_name_en"].values)]))
    region = st.selectbox(tr("省份", "Province"), list(names), format_func=names.get, key="brief.region")
    df = state.memo(res, f"flows.{region}.{lang}", lambda: briefing.province_flows(res, region, lang))
    fig = px.bar(df, x="year", y="racks", color="to", barmode="stack", color_discrete_sequence=charts.COLOURS,
                 title=tr(f"{names[region]}的需求去向（标准机架）", f"Where {names[region]}'s demand goes (standard racks)"),
                 labels={"year": tr("年份", "year"), "racks": tr("机架", "racks"), "to": ""})
    fig.update_layout(template=charts.TEMPLATE)
    st.plotly_chart(charts.fit(fig, 420, years=True), key="brief.flows", theme=None)
    y = int(res.year.values[-1])
    last = df[df["year"] == y].pivot_table(index="to", columns="workload", values="racks", aggfunc="sum").fillna(0)
    st.caption(tr(f"{y} 年按类别（机架）", f"{y} by class (racks)"))
    st.dataframe(last.map(lambda v: f"{v:,.0f}"), key="brief.flows.table")


def tornado_section(res: xr.Dataset) -> None:
    tr, ss, lang = state.tr, st.session_state, state.lang()
    st.markdown(f"**{tr('敏感性', 'Sensitivity')}** — " + tr("各主要参数 ±20% 时总成本的变化（每次一个热启动求解）。",
                                                             "total cost with each main lever ±20 % (one warm re-solve each)."))
    key = f"tornado.{ss.current}"
    answers = ss.setdefault("answers", {})
    if st.button(tr("计算敏感性（10 次求解）", "Run the sensitivity (10 solves)"), key="brief.tornado"):
        with st.spinner(tr("求解中 …", "Solving …")):
            try:
                sc = scenario_from_dict(manifest_of(res)["scenario"])
                with state.solver_lock():
                    answers[key] = briefing.tornado(sc, state.dataset_for(sc), ss.planner)
            except Exception as exc:  # an error box, never a traceback
                log.exception("tornado failed")
                answers[key] = f"{type(exc).__name__}: {exc}"
    out = answers.get(key)
    if isinstance(out, str):
        st.error(out)
    elif out is not None:
        st.plotly_chart(briefing.tornado_chart(out, lang), key="brief.tornado.chart", theme=None)


def export_section(res: xr.Dataset) -> None:
    tr, lang = state.tr, state.lang()
    st.markdown(f"**{tr('一页简报', 'One-page briefing')}** — "
                + tr("一张图、关键数字和三句话，当前语言，PDF 或 PNG。", "one chart, the key figures and three sentences, "
                     "in the current language, as PDF or PNG."))
    one = lang if lang != "both" else "zh"
    title = numbers.pick(one, f"算力枢纽规划简报 — {st.session_state.current}", f"Compute-hub briefing — {st.session_state.current}")
    page = state.memo(res, f"brief.html.{one}", lambda: briefing.briefing_html(res, state.summary_of(res), one, title))
    st.markdown("\n".join(f"- {x}" for x in briefing.sentences(res, state.summary_of(res), one)))
    stem = safe_name(str(st.session_state.current))
    c = st.columns(3)
    c[0].download_button(tr("简报 PDF", "Briefing PDF"), data=lambda: briefing.render(page, "pdf"),
                         file_name=f"{stem}_brief.pdf", mime="application/pdf", key="dl.brief.pdf", on_click="ignore")
    c[1].download_button(tr("简报 PNG", "Briefing PNG"), data=lambda: briefing.render(page, "png"),
                         file_name=f"{stem}_brief.png", mime="image/png", key="dl.brief.png", on_click="ignore")
    c[2].download_button(tr("简报 HTML", "Briefing HTML"), data=page.encode("utf-8"), file_name=f"{stem}_brief.html",
                         mime="text/html", key="dl.brief.html", on_click="ignore")
    if lang == "both":
        st.caption("简报只用一种语言：选择“中文”或“English”后导出该语言版本。 The briefing is in one language: "
                   "choose 中文 or English above to export that one.")


def brief_view(res: xr.Dataset | None) -> None:
    tr, lang = state.tr, state.lang()
    if res is None:
        no_result_yet()
        return
    export_section(res)
    st.divider()
    st.markdown(f"**{tr('东数西算枢纽指标', 'Hub indicators (East Data, West Computing)')}** — "
                + tr(f"末年；西部枢纽承接 {briefing.west_share(res):.0%} 的集群负载。",
                     f"last year; the western hubs carry {briefing.west_share(res):.0%} of the clusters' load."))
    st.dataframe(state.memo(res, f"hubs.{lang}", lambda: briefing.hub_indicators(res, lang)), hide_index=True,
                 key="brief.hubs")
    st.markdown(f"**{tr('建设与投资计划', 'Build and investment schedule')}** — "
                + tr("各集群逐年新建机架与投资（未折现）。", "racks built per cluster and year, and the investment (undiscounted)."))
    st.dataframe(state.memo(res, f"schedule.{lang}", lambda: briefing.build_schedule(res, lang)), key="brief.schedule")
    st.divider()
    province_section(res)
    st.divider()
    tornado_section(res)
