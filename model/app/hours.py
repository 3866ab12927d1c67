"""The hours on screen: the hourly levers (representative days, flexibility, storage, how green
power is matched) and, for an hourly result, a typical day per cluster — dispatch by supply, green
available, storage, and the flexible work moved within the day.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import xarray as xr

from ..errors import InputError
from ..inputs.scenario import apply_changes
from ..reports import charts
from . import numbers, state
from .notices import no_result_yet

K = state.lever_key  # keys lv.<path>: new widgets when a scenario loads


def _set(path: str, value) -> None:
    ss = st.session_state
    try:
        new = apply_changes(ss.scenario, {path: value})
    except InputError as exc:
        ss.msg["edit"] = state.error_text(exc)
        ss.pop(K(path), None)
        return
    state.set_scenario(new)


def _on(path: str, convert=lambda v: v) -> None:
    _set(path, convert(st.session_state.get(K(path))))


def hourly_levers(sc) -> None:
    """Resolution, representative days, flexibility band, storage and the matching rule."""
    tr = state.tr
    h = sc.hourly
    c = st.columns(5)
    state.seed(K("resolution"), sc.resolution == "hourly")
    c[0].toggle(tr("逐时求解", "Hourly resolution"), key=K("resolution"), value=sc.resolution == "hourly",
                **state.on_lever_change(_on, "resolution", lambda v: "hourly" if v else "annual"),
                help=tr("电力按典型日逐时平衡（求解约 30–50 秒）", "power balanced hour by hour on representative days "
                        "(a solve takes 30–50 s)"))
    days = 12 if h.representative_days == "full_year" else int(h.representative_days)
    state.seed(K("hourly.representative_days"), days)
    c[1].number_input(tr("典型日数", "Representative days"), min_value=1, max_value=365, step=1, value=days,
                      key=K("hourly.representative_days"), **state.on_lever_change(_on, "hourly.representative_days", int))
    state.seed(K("hourly.flexibility_band"), float(h.flexibility_band))
    c[2].slider(tr("可调负载幅度", "Flexibility band"), 0.0, 1.0, float(h.flexibility_band), 0.05,
                key=K("hourly.flexibility_band"), **state.on_lever_change(_on, "hourly.flexibility_band"),
                help=tr("可调类别的逐时负载可在日均值 (1 ± 幅度) 内移动", "flexible classes' hourly load may move "
                        "within (1 ± band) × the daily mean"))
    state.seed(K("hourly.storage"), h.storage is not None)
    c[3].toggle(tr("储能", "Battery storage"), key=K("hourly.storage"), value=h.storage is not None,
                **state.on_lever_change(_on, "hourly.storage", lambda v: {} if v else None))
    state.seed(K("hourly.green_matching"), h.green_matching)
    names = {"annual": tr("按年度总量", "by annual volume"), "hourly": tr("逐时匹配 (24/7)", "hour by hour (24/7)")}
    c[4].radio(tr("绿电比例口径", "Green share counted"), list(names), format_func=names.get,
               key=K("hourly.green_matching"), **state.on_lever_change(_on, "hourly.green_matching"))
    if sc.resolution != "hourly":
        st.caption(tr("这些设置在打开逐时求解后生效。", "These take effect with hourly resolution on."))


def _day_mean(res: xr.Dataset, var: str, **sel) -> xr.DataArray:
    w = res["day_weight"] / res["day_weight"].sum()
    return (res[var].sel(**sel) * w).sum("day")


def flexible_work(res: xr.Dataset, cluster: str, year: int, lang: str) -> go.Figure:
    """IT load by class over the typical day: flexible classes move into the green hours."""
    d = _day_mean(res, "hourly_it_mw", cluster=cluster, year=year).transpose("workload", "hour")
    fig = go.Figure()
    for i, w in enumerate(res.workload.values):
        name = numbers.pick(lang, str(res["workload_name_zh"].sel(workload=w).item()),
                            str(res["workload_name_en"].sel(workload=w).item()))
        fig.add_trace(go.Scatter(x=res.hour.values, y=d.sel(workload=w).values, name=name, stackgroup="it",
                                 mode="lines", line=dict(color=charts.COLOURS[i % len(charts.COLOURS)])))
    fig.update_layout(template=charts.TEMPLATE, title=numbers.pick(lang, "典型日各类负载 (MW)", "IT load by class on the typical day (MW)"),
                      xaxis_title=numbers.pick(lang, "小时（北京时间）", "hour (Beijing time)"), yaxis_title="MW")
    return fig


def cluster_hours_table(res: xr.Dataset, year: int, lang: str) -> pd.DataFrame:
    """Per cluster in ``year``: green share by volume and hour by hour, storage built."""
    tr = lambda zh, en: numbers.pick(lang, zh, en)  # noqa: E731
    out = pd.DataFrame({
        tr("集群", "Cluster"): [numbers.pick(lang, z, e) for z, e in zip(res["cluster_name_zh"].values,
                                                                      res["cluster_name_en"].values)],
        tr("绿电占比（年度总量）", "Green share (annual volume)"): [f"{v:.0%}" for v in res["green_volume_score"].sel(year=year).values],
        tr("绿电逐时匹配率 (24/7)", "Green matched hour by hour (24/7)"): [f"{v:.0%}" for v in res["green_cfe_score"].sel(year=year).values]})
    if "storage_power_mw" in res:
        out[tr("储能功率 (MW)", "Storage power (MW)")] = [f"{v:,.0f}" for v in res["storage_power_mw"].sel(year=year).values]
        out[tr("储能容量 (MWh)", "Storage energy (MWh)")] = [f"{v:,.0f}" for v in res["storage_energy_mwh"].sel(year=year).values]
    return out


def hours_view(res: xr.Dataset | None) -> None:
    tr, lang = state.tr, state.lang()
    with st.expander(tr("逐时设置", "Hourly settings"), expanded=res is None or res.attrs.get("resolution") != "hourly"):
        hourly_levers(state.scenario())
    if res is None:
        no_result_yet()
        return
    if "hourly_grid_mw" not in res:
        st.info(tr("当前结果为年度求解。打开上方“逐时求解”并求解，即可看到典型日。",
                   "This result was solved annually. Switch on 'Hourly resolution' above and solve to see a typical day."))
        return
    years = [int(y) for y in res.year.values]
    names = {str(k): numbers.pick(lang, z, e) for k, z, e in zip(res.cluster.values, res["cluster_name_zh"].values,
                                                                 res["cluster_name_en"].values)}
    green = res["hourly_green_used_mw"].sel(year=years[-1]).sum(("day", "hour"))
    c1, c2 = st.columns([2, 3])
    cluster = c1.selectbox(tr("集群", "Cluster"), list(names), format_func=names.get, key="hr.cluster",
                           index=list(names).index(str(green.idxmax().item())))
    year = c2.select_slider(tr("年份", "Year"), years, value=years[-1], key="hr.year")
    fig = charts.typical_day(res, cluster, year, lang)
    st.plotly_chart(charts.fit(fig, 440), key="hr.day", theme=None)
    st.plotly_chart(charts.fit(flexible_work(res, cluster, year, lang), 380), key="hr.flex", theme=None)
    st.dataframe(cluster_hours_table(res, year, lang), hide_index=True, key="hr.table")
