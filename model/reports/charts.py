"""Plotly figures shared by the app and the HTML reports (labels in Chinese and English).

Every figure carries its own template (``TEMPLATE``: white background, a fixed colour sequence,
a CJK font), so the colours do not depend on where it is drawn: Streamlit's theme would otherwise
put its placeholder colours (#000001 …) into figures that are later written to HTML.
"""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio
import xarray as xr

from ..formulation.labels import COST_TERMS, cost_names
from .kpis import TCO2, YUAN, summary

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
# one fixed, distinct colour per cost term (the d3 category10, then picks of category20b/20c: 29
# colours for the COST_TERMS of the registry): a stacked cost chart never draws two terms alike; a term not
# among them takes the colours left over (tests/reports/test_html_bundle.py keeps one spare)
TERM_COLOURS = COLOURS + ("#393b79", "#637939", "#843c39", "#7b4173", "#e7ba52", "#3182bd", "#6b6ecf", "#b5cf6b",
                          "#bd9e39", "#d6616b", "#ce6dbd", "#31a354", "#e6550d", "#756bb1", "#636363", "#9c9ede",
                          "#fd8d3c", "#74c476", "#a55194")
COST_COLOURS = dict(zip(COST_TERMS, TERM_COLOURS))


def cost_colours(terms) -> dict[str, str]:
    """term → colour for the terms of a chart: the fixed colour of a known term, spare ones for others."""
    spare = iter([c for c in TERM_COLOURS if c not in {COST_COLOURS.get(t) for t in terms}])
    return {t: COST_COLOURS.get(t) or next(spare, "#444444") for t in terms}


FONT = "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif"
TEMPLATE = go.layout.Template(pio.templates["plotly_white"])
TEMPLATE.layout.update(colorway=list(COLOURS), font=dict(family=FONT, size=12, color="#222"),
                       legend=dict(orientation="h", yanchor="top", y=-0.15, x=0, title_text=""),
                       margin=dict(t=60, b=40, l=60, r=20), separators=".,")


def pick(lang: str, zh: str, en: str) -> str:
    """A label in one language ('zh', 'en') or both ('both': Chinese, then English)."""
    return {"zh": zh, "en": en}.get(lang, f"{zh} {en}")


def _cluster_label(res: xr.Dataset, lang: str = "both") -> pd.Series:
    return pd.Series([pick(lang, zh, en) for zh, en in zip(res["cluster_name_zh"].values, res["cluster_name_en"].values)],
                     index=res.cluster.values)


def _workload_label(res: xr.Dataset, lang: str = "both") -> pd.Series:
    return pd.Series([pick(lang, zh, en) for zh, en in zip(res["workload_name_zh"].values, res["workload_name_en"].values)],
                     index=res.workload.values)


def wrap_label(label: str, zh: int = 8, en: int = 16) -> str:
    """'张家口集群 Zhangjiakou' → Chinese and English on their own short lines (plotly <br>)."""
    head, _, tail = str(label).partition(" ")
    lines = [head[i:i + zh] for i in range(0, len(head), zh)] + textwrap.wrap(tail, en)
    return "<br>".join(lines)


def fit(fig: go.Figure, height: int = 460, wrap_x: bool = False, years: bool = False) -> go.Figure:
    """Layout for a page (app or report): legend under the plot (bilingual names are long),
    category ticks broken into short Chinese / English lines, whole years on a year axis."""
    fig.update_layout(height=height, margin=dict(t=50, b=10, l=10, r=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.12 if not wrap_x else -0.3, x=0,
                                  title_text=""))
    if wrap_x:
        cats = list(dict.fromkeys(v for tr in fig.data for v in (tr.x if tr.x is not None else [])))
        fig.update_xaxes(tickmode="array", tickvals=cats, ticktext=[wrap_label(c) for c in cats],
                         tickangle=0, title_text="", tickfont=dict(size=10))
    if years:
        fig.update_xaxes(dtick=1, tickformat="d", title_text="")
    return fig


def _styled(fig: go.Figure, years: bool = False, lang: str = "both") -> go.Figure:
    fig.update_layout(template=TEMPLATE, legend_title_text="")
    fig.update_yaxes(tickformat=",")  # thousands separators, never 1.922e+11
    if years:
        fig.update_xaxes(dtick=1, tickformat="d", title_text=pick(lang, "年份", "year"))  # whole years, never 2,026.5
    return fig


def allocation_by_cluster(res: xr.Dataset, year: int | None = None, lang: str = "both") -> go.Figure:
    year = int(res.year.values[-1]) if year is None else year
    df = res["allocation"].sel(year=year).sum("region").to_series().rename("racks").reset_index()
    df["cluster"] = df["cluster"].map(_cluster_label(res, lang))
    df["workload"] = df["workload"].map(_workload_label(res, lang))
    fig = px.bar(df, x="cluster", y="racks", color="workload", barmode="stack", color_discrete_sequence=COLOURS,
                 title=pick(lang, f"各集群分配（{year}）", f"Allocation by cluster and class ({year})"),
                 labels={"racks": pick(lang, "标准机架", "standard racks"), "cluster": pick(lang, "集群", "cluster"),
                         "workload": pick(lang, "类别", "class")})
    return _styled(fig)


def utilisation(res: xr.Dataset, lang: str = "both") -> go.Figure:
    df = res["utilisation"].to_series().rename("utilisation").reset_index()
    df["cluster"] = df["cluster"].map(_cluster_label(res, lang))
    fig = px.line(df, x="year", y="utilisation", color="cluster", markers=True, color_discrete_sequence=COLOURS,
                  title=pick(lang, "上架率（负载 / 容量）", "Utilisation (load / capacity)"),
                  labels={"utilisation": pick(lang, "上架率", "utilisation")})
    floor = float(res["utilisation_floor"])
    if floor > 0:
        fig.add_hline(y=floor, line_dash="dash", annotation_text=pick(lang, f"规划目标 {floor:.0%}", f"plan {floor:.0%}"))
    fig = _styled(fig, years=True, lang=lang)
    fig.update_yaxes(tickformat=".0%")
    return fig


def cost_breakdown(res: xr.Dataset, lang: str = "both") -> go.Figure:
    costs = {k: v for k, v in summary(res)["costs"].items() if abs(v) > 0.5}
    df = pd.DataFrame({"term": [pick(lang, *cost_names(k)) for k in costs],
                       "亿元": [v / YUAN.factor for v in costs.values()]})
    yuan = "100M yuan" if lang == "en" else "亿元"
    fig = px.bar(df, x="term", y="亿元", title=pick(lang, "成本构成（亿元，折现）", f"Cost by term ({yuan}, discounted)"),
                 text_auto=",.1f", labels={"term": "", "亿元": yuan})
    fig.update_traces(marker_color=COLOURS[0])
    return _styled(fig)


def trajectory(res: xr.Dataset, lang: str = "both") -> go.Figure:
    df = res["load"].to_series().rename("racks").reset_index()
    df["cluster"] = df["cluster"].map(_cluster_label(res, lang))
    fig = px.area(df, x="year", y="racks", color="cluster", color_discrete_sequence=COLOURS,
                  title=pick(lang, "逐年负载（标准机架）", "Load by year (standard racks)"),
                  labels={"racks": pick(lang, "标准机架", "racks")})
    return _styled(fig, years=True, lang=lang)


def typical_day(res: xr.Dataset, cluster: str | None = None, year: int | None = None, lang: str = "both") -> go.Figure:
    """A typical day at one cluster (hourly results only): facility power stacked by supply — green
    used, battery discharge, grid — with the facility load, the green that was available and the
    grid connection limit as lines. The day is the weighted mean of the representative days."""
    if "hourly_grid_mw" not in res:
        raise ValueError("the typical-day chart needs hourly results (resolution: hourly)")
    year = int(res.year.values[-1]) if year is None else int(year)
    lab = lambda zh, en: {"zh": zh, "en": en}.get(lang, f"{en} {zh}")  # noqa: E731 - trace names as before
    if cluster is None:  # the cluster with the most green used
        cluster = str(res["hourly_green_used_mw"].sel(year=year).sum(("day", "hour")).idxmax().item())
    w = res["day_weight"] / res["day_weight"].sum()
    mean = lambda v: (res[v].sel(cluster=cluster, year=year) * w).sum("day")  # noqa: E731
    hours = res.hour.values
    fig = go.Figure()
    green = mean("hourly_green_used_mw")
    if "hourly_discharge_mw" in res:
        green = green - mean("hourly_discharge_mw")
    stack = [(lab("绿电", "green used"), green, "#2ca02c"), (lab("电网", "grid"), mean("hourly_grid_mw"), "#7f7f7f")]
    if "hourly_discharge_mw" in res:
        stack.insert(1, (lab("储能放电", "storage discharge"), mean("hourly_discharge_mw"), "#1f77b4"))
    for name, v, colour in stack:
        fig.add_trace(go.Scatter(x=hours, y=v.values, name=name, stackgroup="supply", mode="lines", line=dict(color=colour)))
    fig.add_trace(go.Scatter(x=hours, y=mean("hourly_facility_mw").values, name=lab("设施负荷", "facility load"), mode="lines",
                             line=dict(color="black", width=2)))
    fig.add_trace(go.Scatter(x=hours, y=mean("hourly_green_available_mw").values, name=lab("可用绿电", "green available"),
                             mode="lines", line=dict(color="#2ca02c", dash="dot")))
    fig.add_hline(y=float(res["grid_limit_mw"].sel(cluster=cluster)), line_dash="dash",
                  annotation_text=lab("电网接入上限", "grid limit"))
    name = pick(lang, res['cluster_name_zh'].sel(cluster=cluster).item(), res['cluster_name_en'].sel(cluster=cluster).item())
    fig.update_layout(title=pick(lang, f"典型日 — {name}（{year}）", f"Typical day — {name} ({year})"),
                      xaxis_title=pick(lang, "小时（北京时间）", "hour (Beijing time)"), yaxis_title="MW")
    return _styled(fig)


def report_figures(res: xr.Dataset) -> list[go.Figure]:
    figs = [fit(allocation_by_cluster(res), 600, wrap_x=True), fit(cost_breakdown(res), 440),
            fit(utilisation(res), 560, years=True), fit(trajectory(res), 560, years=True)]
    return figs + ([fit(typical_day(res), 460)] if "hourly_grid_mw" in res else [])


def frontier_chart(df: pd.DataFrame, current: tuple[float, float] | None = None, lang: str = "both") -> go.Figure:
    """Cost against emissions along the ε-constraint frontier (亿元, MtCO2); ``current``
    (emissions t, cost yuan) marks the case being looked at; the last step (the lowest reachable
    emissions, where the price of the last tonnes soars) is marked."""
    t = 1e4 if lang == "zh" else TCO2.factor  # Chinese mode: 万吨 CO₂
    t_unit = "万吨 CO₂" if lang == "zh" else "MtCO2"
    d = df.assign(mt=df["emissions_t"] / t, yi=df["objective"] / YUAN.factor)
    yuan = "100M yuan" if lang == "en" else "亿元"
    fig = px.line(d, x="mt", y="yi", markers=True, hover_data={"abatement_cost_yuan_per_t": ":,.0f"},
                  title=pick(lang, "成本–碳排放前沿", "Cost–carbon frontier"),
                  labels={"mt": pick(lang, f"排放（{t_unit}，规划期）", f"emissions ({t_unit}, horizon)"),
                          "yi": pick(lang, f"成本（{yuan}，折现）", f"cost ({yuan}, discounted)"),
                          "abatement_cost_yuan_per_t": pick(lang, "减排成本 (元/吨)", "abatement cost (yuan/t)")})
    fig.update_traces(name=pick(lang, "前沿", "frontier"), showlegend=True)
    if len(d) > 1:
        end = d.iloc[-1]
        fig.add_annotation(x=end["mt"], y=end["yi"], text=pick(lang, "最后一步：最低可达排放", "last step: lowest reachable"),
                           showarrow=True, arrowhead=2, ax=60, ay=-30)
    if current is not None:
        fig.add_trace(go.Scatter(x=[current[0] / t], y=[current[1] / YUAN.factor], mode="markers",
                                 name=pick(lang, "当前情景", "current case"),
                                 marker=dict(size=14, symbol="star", color=COLOURS[3], line=dict(color="#333", width=1))))
    fig = _styled(fig)
    fig.update_xaxes(tickformat=",.1f")
    return fig
