"""Offline map: pydeck with ``map_provider=None`` (no tiles, no token, no requests).

Layers: a lon/lat graticule (PathLayer + TextLayer), flows region → cluster (ArcLayer), demand
regions and clusters (ScatterplotLayer, sized by demand and load), cluster names (TextLayer).
map_style is left at its default: ``map_style=None`` would make Streamlit fetch a Carto basemap.
"""
from __future__ import annotations

import pydeck as pdk
import streamlit as st
import xarray as xr

from ..reports import geo
from . import state

FONT = "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif"
PX = "'pixels'"  # pydeck passes quoted strings as literals (unquoted ones become accessors)


def deck(res: xr.Dataset, year: int, show_flows: bool = True, show_regions: bool = True) -> pdk.Deck:
    lines, labels = geo.graticule()
    clusters = geo.cluster_points(res, year)
    regions = geo.region_points(res, year)
    layers = [
        pdk.Layer("PathLayer", lines, id="graticule", get_path="path", get_color=[170, 170, 170, 110],
                  width_units=PX, get_width=1, pickable=False),
        pdk.Layer("TextLayer", labels, id="graticule-labels", get_position="position", get_text="text",
                  get_size=11, get_color=[130, 130, 130, 200], character_set="'auto'", pickable=False),
    ]
    if show_flows:
        layers.append(pdk.Layer("ArcLayer", geo.flows(res, year), id="flows", get_source_position="source",
                                get_target_position="target", get_source_color="color", get_target_color="color",
                                get_width="width", width_units=PX, pickable=True, auto_highlight=True))
    if show_regions:
        layers.append(pdk.Layer("ScatterplotLayer", regions, id="regions", get_position=["lon", "lat"],
                                get_radius="radius", radius_units=PX, get_fill_color="color",
                                stroked=True, get_line_color=[255, 255, 255], line_width_min_pixels=1,
                                pickable=True, auto_highlight=True))
    layers += [
        pdk.Layer("ScatterplotLayer", clusters, id="clusters", get_position=["lon", "lat"], get_radius="radius",
                  radius_units=PX, get_fill_color="color", stroked=True, get_line_color=[40, 40, 40],
                  line_width_min_pixels=1, pickable=True, auto_highlight=True),
        pdk.Layer("TextLayer", clusters, id="cluster-labels", get_position=["lon", "lat"], get_text="label",
                  get_size=14, get_color=[20, 20, 20], get_pixel_offset="label_offset", get_text_anchor="'start'",
                  get_alignment_baseline="'center'", character_set="'auto'",
                  font_family=f'"{FONT}"', font_weight=600, pickable=False, outline_width=2,
                  outline_color=[255, 255, 255], font_settings={"sdf": True}),
    ]
    return pdk.Deck(layers=layers, map_provider=None, parameters={"depthTest": False},  # draw in layer order
                    initial_view_state=pdk.ViewState(latitude=35.0, longitude=105.0, zoom=3.3),
                    tooltip={"text": "{tip}", "style": {"fontFamily": FONT, "fontSize": "12px"}})


def map_view(res: xr.Dataset | None) -> None:
    if res is None:
        st.info("尚无结果 No results yet — press **求解 Solve** in the sidebar.")
        return
    years = [int(y) for y in res.year.values]
    c1, c2, c3 = st.columns([3, 1, 1])
    year = c1.select_slider("地图年份 Year", years, value=years[-1], key="map.year", persist_state="page")
    flows = c2.toggle("流向 Flows", value=True, key="map.flows", persist_state="page")
    regions = c3.toggle("需求地区 Regions", value=True, key="map.regions", persist_state="page")
    st.pydeck_chart(state.memo(res, f"deck.{year}.{flows}.{regions}", lambda: deck(res, year, flows, regions)),
                    height=640, key="map.deck")
    st.caption("● 蓝 blue: 东部枢纽集群 eastern-hub clusters · 橙 orange: 西部枢纽集群 western-hub clusters "
               "(面积 ∝ 负载 area ∝ load; 淡色 faded: 停运 out of service) · 灰 grey: 需求地区 demand regions "
               "(∝ demand; 红 red: 有未满足需求 with unmet demand) · 弧线 arcs: 地区→集群 region → cluster flows.")
    st.caption(geo.NO_OUTLINES_NOTE)
