"""The one writer of every table a spreadsheet opens: CSV files and Excel sheets.

Every CSV and every Excel sheet hubplan writes (reports, batch index and summary, comparisons,
two-stage builds, the frontier) passes through ``csv_bytes`` / ``write_csv`` and ``add_sheet``;
tests/reports/test_injection.py fails when another module writes CSV or Excel itself. So the rules hold
everywhere at once:

- text a spreadsheet would run as a formula is neutralised (``safe.neutral_frame``);
- CSV is UTF-8 **with a BOM**, so Excel on a Chinese-language Windows reads the Chinese names as
  UTF-8 and not as GBK; rack counts are rounded to 0.01 rack and other numbers to 12 significant
  digits (the solver's float noise, ``20932.300000000047``, is not a figure anyone meant);
- an Excel sheet has bold bilingual headers with units, number formats, frozen panes, an
  autofilter, and a print setup: A4 landscape, fit to one page wide, header rows repeated on
  every page.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..atomic import write_bytes_atomic
from .safe import neutral_frame

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

BOM = "\ufeff"
RACK_DECIMALS = 2  # 0.01 standard rack (25 W): below anything a planner counts
SIGNIFICANT = 12  # every other float: enough for yuan totals, none of the binary noise

# Column key -> (中文, English, unit, Excel number format). Headers read "机架 Racks (架)".
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
    "scenario": ("情景", "Scenario", "", None), "source": ("来源", "Source", "", None),
    "folder": ("文件夹", "Folder", "", None), "base": ("基准情景", "Base scenario", "架", "#,##0.0"),
    "other": ("本情景", "This scenario", "架", "#,##0.0"), "difference": ("差异", "Difference", "架", "#,##0.0"),
    "cluster_zh": ("集群", "Cluster (中文)", "", None), "cluster_en": ("集群", "Cluster (English)", "", None),
}
RACK_COLUMNS = {k for k, v in COLUMNS.items() if v[2] == "架"}
DEFAULT_FORMAT = "#,##0.00##"  # a float column the table above does not know


def header(col: str) -> tuple[str, str | None]:
    """('机架 Racks (架)', '#,##0.0'): the bilingual header and number format of a column key; a
    name that is not a key (already bilingual) is used as it is."""
    zh, en, unit, fmt = COLUMNS.get(col, ("", col, "", None))
    if col.startswith("latency_") and col.endswith("_ms"):
        zh, en, unit, fmt = "时延", f"Latency {col[8:-3]}", "ms", "0.00"
    elif col.startswith("cost_") and col not in COLUMNS:
        zh, en, unit, fmt = "成本", f"Cost: {col[5:]}", "元", "#,##0"
    return (f"{zh} {en}".strip() + (f" ({unit})" if unit else "")), fmt


def _rounded(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype.kind != "f":
            continue
        if col in RACK_COLUMNS:
            out[col] = out[col].round(RACK_DECIMALS)
        else:
            out[col] = out[col].map(lambda v: float(f"{v:.{SIGNIFICANT}g}"))
    return out


def csv_bytes(df: pd.DataFrame, index: bool = False) -> bytes:
    """A table as CSV: UTF-8 with BOM, text neutralised, numbers without float noise."""
    return (BOM + neutral_frame(_rounded(df)).to_csv(index=index)).encode("utf-8")


def write_csv(df: pd.DataFrame, path: str | Path, index: bool = False) -> Path:
    """``csv_bytes`` written atomically (``model.atomic``): a reader sees the old file or the new one."""
    return write_bytes_atomic(path, csv_bytes(df, index))


def new_workbook() -> Workbook:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def print_setup(ws: Worksheet, header_row: int) -> None:
    """A4 landscape, one page wide (as many pages down as it takes), header rows on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def add_sheet(wb: Workbook, title: str, df: pd.DataFrame, index: bool = False, note: str | None = None,
              heads: dict[str, tuple[str, str | None]] | None = None,
              row_formats: list[str | None] | None = None) -> Worksheet:
    """One formatted, print-ready sheet. Headers come from ``heads`` (column → (text, format)),
    else from ``COLUMNS``; with ``index`` the frame is a matrix whose labels are already bilingual
    (``row_formats``: a number format per row, for a transposed table)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title[:31])
    df = neutral_frame(df)  # text a spreadsheet would run as a formula gets a leading apostrophe
    row0 = 1
    if note:
        ws.cell(1, 1, note).font = Font(italic=True, color="555555")
        row0 = 2
    cols = list(df.columns)
    if index:
        heads_ = [(str(df.index.name or ""), None)] + [(str(c), "#,##0") for c in cols]
    else:
        heads_ = [(heads or {}).get(c) or header(str(c)) for c in cols]
    for j, (text, _) in enumerate(heads_, start=1):
        c = ws.cell(row0, j, text)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="E8EEF6")
        c.alignment = Alignment(wrap_text=True, vertical="top")
    rows = df.reset_index().itertuples(index=False) if index else df.itertuples(index=False)
    for i, row in enumerate(rows, start=row0 + 1):
        for j, v in enumerate(row, start=1):
            if isinstance(v, float) and v != v:
                v = None
            cell = ws.cell(i, j, v.item() if isinstance(v, np.generic) else v)
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                fmt = row_formats[i - row0 - 1] if row_formats and j > 1 else heads_[j - 1][1]
                cell.number_format = fmt or (DEFAULT_FORMAT if isinstance(cell.value, float) else "General")
    last = get_column_letter(max(len(heads_), 1))
    ws.freeze_panes = ws.cell(row0 + 1, 2 if index else 1)
    ws.auto_filter.ref = f"A{row0}:{last}{row0 + len(df)}"
    for j, (text, _) in enumerate(heads_, start=1):
        sample = [len(str(ws.cell(i, j).value or "")) for i in range(row0 + 1, min(row0 + 200, row0 + len(df)) + 1)]
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, max(sample, default=0) + 2,
                                                                   min(len(text), 28) + 2), 48)
    ws.row_dimensions[row0].height = 32
    print_setup(ws, row0)
    return ws
