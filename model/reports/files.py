"""Writers for every export (CLI, app and batch use these same functions).

summary.json, allocation.csv, results.nc (inputs + outputs + manifest), report.xlsx and an
offline HTML report (plotly.js embedded once, no external requests).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import xarray as xr

from ..results import manifest_of
from .kpis import summary
from .tables import (allocation_table, answers_table, baseline_table, cluster_table, cost_table, kpi_table,
                     unmet_table)


def summary_json(res: xr.Dataset) -> str:
    return json.dumps(summary(res), ensure_ascii=False, indent=2)


def allocation_csv(res: xr.Dataset) -> bytes:
    return allocation_table(res).to_csv(index=False).encode("utf-8")


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
    return bytes(_netcdf_ready(res).to_netcdf(engine="h5netcdf"))


def read_results(path: str | Path) -> xr.Dataset:
    """Read a results.nc back (booleans restored)."""
    ds = xr.load_dataset(path, engine="h5netcdf")
    for name in list(ds.variables):
        if ds[name].attrs.get("flag") == "boolean stored as 0/1":
            ds[name] = ds[name].astype(bool)
    return ds


def excel_bytes(res: xr.Dataset) -> bytes:
    buf = io.BytesIO()
    man = manifest_of(res)
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        sheets = {"Summary 摘要": kpi_table(res), "Costs 成本": cost_table(res),
                  "Allocation 分配": allocation_table(res), "Clusters 集群": cluster_table(res),
                  "Unmet 未满足": unmet_table(res), "Answers 解答": answers_table(res)}
        if summary(res)["baselines"]:
            sheets["Baselines 基准"] = baseline_table(res)
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            ws.freeze_panes = "A2"
            for col in ws.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col[:200])
                ws.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 60)
        pd.DataFrame([(k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                      for k, v in man.items()], columns=["key", "value"]).to_excel(xw, sheet_name="Manifest", index=False)
    return buf.getvalue()


def html_report(res: xr.Dataset) -> str:
    from .charts import report_figures  # plotly is only needed for this export
    from jinja2 import Environment

    s = summary(res)
    figs = report_figures(res)
    parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figs)]
    tpl = Environment(autoescape=True).from_string(_HTML)
    return tpl.render(s=s, charts=parts, kpis=kpi_table(res).to_html(index=False, float_format=lambda v: f"{v:,.4g}"),
                      clusters=cluster_table(res).round(3).to_html(index=False),
                      answers=answers_table(res).to_html(index=False),
                      baselines=baseline_table(res).round(3).to_html(index=False) if s["baselines"] else "")


_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>东数西算 allocation report — {{ s.scenario }}</title>
<style>body{font-family:'WenQuanYi Zen Hei','Noto Sans CJK SC',sans-serif;margin:2em;max-width:1200px}
table{border-collapse:collapse;font-size:0.85em}td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>
<h1>算力枢纽配置报告 Compute-hub allocation report</h1>
<p>Scenario 情景: <b>{{ s.scenario }}</b> · status 状态: <b>{{ s.status }}</b> · hash {{ s.scenario_hash }}</p>
<h2>Key figures 关键指标</h2>{{ kpis|safe }}
<h2>Why, and what it is worth 解答</h2>{{ answers|safe }}
{% if baselines %}<h2>Optimum beside rule baselines 与基准方案对比</h2>{{ baselines|safe }}{% endif %}
<h2>Charts 图表</h2>{% for c in charts %}<div>{{ c|safe }}</div>{% endfor %}
<h2>Clusters by year 各集群逐年</h2>{{ clusters|safe }}
</body></html>"""


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

