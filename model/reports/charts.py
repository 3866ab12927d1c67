"""Plotly figures shared by the app and the HTML reports (labels in Chinese and English)."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import xarray as xr

from .kpis import summary


def _cluster_label(res: xr.Dataset) -> pd.Series:
    return pd.Series([f"{zh} {en}" for zh, en in zip(res["cluster_name_zh"].values, res["cluster_name_en"].values)],
                     index=res.cluster.values)


def _workload_label(res: xr.Dataset) -> pd.Series:
    return pd.Series([f"{zh} {en}" for zh, en in zip(res["workload_name_zh"].values, res["workload_name_en"].values)],
                     index=res.workload.values)


def allocation_by_cluster(res: xr.Dataset, year: int | None = None) -> go.Figure:
    year = int(res.year.values[-1]) if year is None else year
    df = res["allocation"].sel(year=year).sum("region").to_series().rename("racks").reset_index()
    df["cluster"] = df["cluster"].map(_cluster_label(res))
    df["workload"] = df["workload"].map(_workload_label(res))
    fig = px.bar(df, x="cluster", y="racks", color="workload", barmode="stack",
                 title=f"Allocation by cluster and class 各集群分配 ({year})",
                 labels={"racks": "standard racks 标准机架", "cluster": "cluster 集群", "workload": "class 类别"})
    return fig


def utilisation(res: xr.Dataset) -> go.Figure:
    df = res["utilisation"].to_series().rename("utilisation").reset_index()
    df["cluster"] = df["cluster"].map(_cluster_label(res))
    fig = px.line(df, x="year", y="utilisation", color="cluster", markers=True,
                  title="Utilisation 上架率 (load / capacity)", labels={"utilisation": "utilisation 上架率"})
    floor = float(res["utilisation_floor"])
    if floor > 0:
        fig.add_hline(y=floor, line_dash="dash", annotation_text=f"floor 下限 {floor:.0%}")
    return fig


def cost_breakdown(res: xr.Dataset) -> go.Figure:
    costs = summary(res)["costs"]
    df = pd.DataFrame({"term": list(costs), "billion yuan": [v / 1e9 for v in costs.values()]})
    return px.bar(df, x="term", y="billion yuan", title="Cost by term 成本构成 (discounted, 10⁹ yuan)")


def trajectory(res: xr.Dataset) -> go.Figure:
    df = res["load"].to_series().rename("racks").reset_index()
    df["cluster"] = df["cluster"].map(_cluster_label(res))
    return px.area(df, x="year", y="racks", color="cluster", title="Load by year 逐年负载 (standard racks 标准机架)")


def typical_day(res: xr.Dataset, cluster: str | None = None, year: int | None = None) -> go.Figure:
    """A typical day at one cluster (hourly results only): facility power stacked by supply — green
    used, battery discharge, grid — with the facility load, the green that was available and the
    grid connection limit as lines. The day is the weighted mean of the representative days."""
    if "hourly_grid_mw" not in res:
        raise ValueError("the typical-day chart needs hourly results (resolution: hourly)")
    year = int(res.year.values[-1]) if year is None else int(year)
    if cluster is None:  # the cluster with the most green used
        cluster = str(res["hourly_green_used_mw"].sel(year=year).sum(("day", "hour")).idxmax().item())
    w = res["day_weight"] / res["day_weight"].sum()
    mean = lambda v: (res[v].sel(cluster=cluster, year=year) * w).sum("day")  # noqa: E731
    hours = res.hour.values
    fig = go.Figure()
    green = mean("hourly_green_used_mw")
    if "hourly_discharge_mw" in res:
        green = green - mean("hourly_discharge_mw")
    stack = [("green used 绿电", green, "#2ca02c"), ("grid 电网", mean("hourly_grid_mw"), "#7f7f7f")]
    if "hourly_discharge_mw" in res:
        stack.insert(1, ("storage discharge 储能放电", mean("hourly_discharge_mw"), "#1f77b4"))
    for name, v, colour in stack:
        fig.add_trace(go.Scatter(x=hours, y=v.values, name=name, stackgroup="supply", mode="lines", line=dict(color=colour)))
    fig.add_trace(go.Scatter(x=hours, y=mean("hourly_facility_mw").values, name="facility load 设施负荷", mode="lines",
                             line=dict(color="black", width=2)))
    fig.add_trace(go.Scatter(x=hours, y=mean("hourly_green_available_mw").values, name="green available 可用绿电",
                             mode="lines", line=dict(color="#2ca02c", dash="dot")))
    fig.add_hline(y=float(res["grid_limit_mw"].sel(cluster=cluster)), line_dash="dash",
                  annotation_text="grid limit 电网接入上限")
    name = f"{res['cluster_name_zh'].sel(cluster=cluster).item()} {res['cluster_name_en'].sel(cluster=cluster).item()}"
    fig.update_layout(title=f"Typical day 典型日 — {name} ({year})", xaxis_title="hour 小时 (Beijing time)",
                      yaxis_title="MW")
    return fig


def report_figures(res: xr.Dataset) -> list[go.Figure]:
    figs = [allocation_by_cluster(res), cost_breakdown(res), utilisation(res), trajectory(res)]
    return figs + ([typical_day(res)] if "hourly_grid_mw" in res else [])


def frontier_chart(df: pd.DataFrame) -> go.Figure:
    fig = px.line(df, x="emissions_t", y="objective", markers=True,
                  hover_data=["abatement_cost_yuan_per_t"],
                  title="Cost–carbon frontier 成本–碳排放前沿",
                  labels={"emissions_t": "emissions 排放 (tCO2, horizon)", "objective": "cost 成本 (yuan, discounted)"})
    return fig
