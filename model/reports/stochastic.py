"""Tables, Excel and offline HTML for a two-stage run, read from its results Dataset
(``model.studies.stochastic.results_dataset``); nothing here solves.

The CLI, the app view (model/app/uncertainty.py) and the files all use these tables.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from ..atomic import write_bytes_atomic
from .kpis import RACK_YEARS, RACKS, TCO2, YUAN
from .netcdf import write_netcdf
from .sheets import add_sheet, new_workbook, workbook_bytes, write_csv

if TYPE_CHECKING:
    import plotly.graph_objects as go

BUILD_TOL = 1.0  # racks over the horizon: below this a cluster counts as not built (solver noise)


def futures_table(ds: xr.Dataset) -> pd.DataFrame:
    """Per future under the stochastic plan, beside its own optimum."""
    return pd.DataFrame({
        "future 情景": ds["future"].values,
        "probability 概率": ds["probability"].values,
        "cost 成本 (亿元)": ds["cost"].values / YUAN.factor,
        "own optimum 自身最优 (亿元)": ds["cost_own_optimum"].values / YUAN.factor,
        "regret 后悔值 (亿元)": ds["regret"].values / YUAN.factor,
        "cost, mean-value plan 均值方案成本 (亿元)": ds["cost_mean_value"].values / YUAN.factor,
        "emissions 排放 (MtCO2)": ds["emissions"].values / TCO2.factor,
        "unmet 未满足 (万架·年)": ds["unmet"].values / RACK_YEARS.factor,
    })


def builds_table(ds: xr.Dataset, var: str = "build") -> pd.DataFrame:
    """Per cluster (``var="local_build"``: per province, its own stock), racks built over the
    horizon: stochastic plan, mean-value plan, the range over the futures' own optima, and the
    plan split into its robust part (what every future's own optimum builds too:
    min(plan, min_f own_f)) and its hedge (the rest: built although some future's optimum would not)."""
    dim, head = ("cluster", "cluster 集群") if var == "build" else ("region", "province 省份")
    own = ds[f"{var}_own_optimum"].sum("year")
    sp, mv = ds[var].sum("year"), ds[f"{var}_mean_value"].sum("year")
    own_min, own_max = own.min("future"), own.max("future")
    robust = np.minimum(sp, own_min)
    hedge = np.maximum(sp - own_min, 0.0)
    r, h = robust >= BUILD_TOL, hedge >= BUILD_TOL
    status = np.select([r & ~h, r & h, h, own_max >= BUILD_TOL],
                       ["robust 稳健", "robust + hedge 稳健+对冲", "hedge 对冲", "only some futures 仅部分情景"],
                       "none 不建")
    return pd.DataFrame({
        head: [f"{zh} {en}" for zh, en in zip(ds[f"{dim}_name_zh"].values, ds[f"{dim}_name_en"].values)],
        "stochastic plan 随机规划 (万架)": sp.values / RACKS.factor,
        "mean-value plan 均值规划 (万架)": mv.values / RACKS.factor,
        "own optima min 自身最优最小 (万架)": own_min.values / RACKS.factor,
        "own optima max 自身最优最大 (万架)": own_max.values / RACKS.factor,
        "robust 稳健 (万架)": robust.values / RACKS.factor,
        "hedge 对冲 (万架)": hedge.values / RACKS.factor,
        "status 类别": status,
    })


def answers_table(ds: xr.Dataset) -> pd.DataFrame:
    a = ds.attrs
    rows = [("RP stochastic optimum 随机规划期望成本", a["RP"]), ("EEV mean-value plan, expected 均值方案期望成本", a["EEV"]),
            ("WS wait-and-see 完全信息期望成本", a["WS"]), ("VSS value of the stochastic solution 随机解价值", a["VSS"]),
            ("EVPI expected value of perfect information 完全信息价值", a["EVPI"])]
    return pd.DataFrame({"answer 解答": [r[0] for r in rows], YUAN.shown: [r[1] / YUAN.factor for r in rows]})


def cost_figure(ds: xr.Dataset) -> go.Figure:
    import plotly.graph_objects as go
    fig = go.Figure()
    fig.add_bar(x=list(ds["future"].values), y=ds["cost"].values / YUAN.factor, name="stochastic plan 随机规划")
    fig.add_bar(x=list(ds["future"].values), y=ds["cost_mean_value"].values / YUAN.factor, name="mean-value plan 均值规划")
    fig.add_scatter(x=list(ds["future"].values), y=ds["cost_own_optimum"].values / YUAN.factor, mode="markers",
                    name="own optimum 自身最优")
    fig.update_layout(title="Cost across futures 各情景成本", yaxis_title="亿元", barmode="group",
                      yaxis_tickformat=",.0f")
    return fig


def excel_bytes(ds: xr.Dataset) -> bytes:
    wb = new_workbook()
    for name, df in {"Answers 解答": answers_table(ds), "Builds 建设": builds_table(ds),
                     **({"Local builds 本地建设": builds_table(ds, "local_build")} if "local_build" in ds else {}),
                     "Futures 情景": futures_table(ds),
                     "Manifest": pd.DataFrame(json.loads(ds.attrs["manifest"]).items(), columns=["key", "entry"]).astype(str)}.items():
        add_sheet(wb, name, df)
    return workbook_bytes(wb)


def html_report(ds: xr.Dataset) -> str:
    from jinja2 import Environment

    from .plotlyjs import chart_html, script
    fmt = lambda v: f"{v:,.4g}"  # noqa: E731
    return Environment(autoescape=True).from_string(_HTML).render(
        objective=ds.attrs["objective"], chart=chart_html(cost_figure(ds)), plotly=script(),
        answers=answers_table(ds).to_html(index=False, float_format=fmt),
        builds=builds_table(ds).to_html(index=False, float_format=fmt),
        local=builds_table(ds, "local_build").to_html(index=False, float_format=fmt) if "local_build" in ds else "",
        futures=futures_table(ds).to_html(index=False, float_format=fmt))


_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>东数西算 two-stage plan 两阶段规划</title>
<style>body{font-family:'WenQuanYi Zen Hei','Noto Sans CJK SC',sans-serif;margin:2em;max-width:1200px}
table{border-collapse:collapse;font-size:0.85em}td,th{border:1px solid #ccc;padding:2px 6px}</style>{{ plotly|safe }}</head><body>
<h1>两阶段规划 Plan across futures</h1><p>objective 目标: <b>{{ objective }}</b></p>
<h2>Answers 解答</h2>{{ answers|safe }}
<h2>Builds: robust and hedges 建设：稳健与对冲</h2>{{ builds|safe }}
{% if local %}<h2>Provinces' own racks 本地建设</h2>{{ local|safe }}{% endif %}
<h2>Cost across futures 各情景成本</h2>{{ chart|safe }}
<h2>Futures 情景</h2>{{ futures|safe }}
</body></html>"""


def write_stochastic_outputs(ds: xr.Dataset, out_dir: str | Path) -> dict[str, Path]:
    """results.nc (dimension ``future``), builds.csv (robust / hedge; with local supply also
    local_builds.csv), report.xlsx and an offline report.html."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {k: out_dir / k for k in ("results.nc", "builds.csv", "report.xlsx", "report.html")}
    write_netcdf(ds, paths["results.nc"])
    write_csv(builds_table(ds), paths["builds.csv"])
    if "local_build" in ds:
        paths["local_builds.csv"] = out_dir / "local_builds.csv"
        write_csv(builds_table(ds, "local_build"), paths["local_builds.csv"])
    write_bytes_atomic(paths["report.xlsx"], excel_bytes(ds))
    write_bytes_atomic(paths["report.html"], html_report(ds).encode("utf-8"))
    return paths
