"""Export view: the same writers as ``hubplan solve`` (model/reports/files.py), built only when clicked."""
from __future__ import annotations

import streamlit as st

from ..inputs.scenario import scenario_from_dict, scenario_to_yaml
from ..reports.files import allocation_csv, excel_bytes, html_report, netcdf_bytes, summary_json
from ..results import manifest_of
from . import state, words
from .editor import safe_name
from .notices import no_result_yet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_view() -> None:
    ss = st.session_state
    tr = state.tr
    if not ss.results:
        no_result_yet()
        return
    names = list(ss.results)
    name = st.selectbox(tr("导出哪个结果", "Result to export"), names,
                        index=names.index(ss.current) if ss.current in names else 0,
                        key=f"exp.name.{ss.current}")  # follows the latest solve
    res = ss.results[name]
    stem = safe_name(name)
    status = str(res.attrs["status"])
    st.caption(f"{tr('状态', 'status')} {words.status(status, state.lang())} · hash `{res.attrs['scenario_hash']}` — "
               + tr("文件与命令行 `hubplan solve` 的输出相同。", "the files are those `hubplan solve` writes."))
    c = st.columns(3)
    # callables: the bytes are built when the button is clicked, not on every rerun
    c[0].download_button(tr("Excel 报告 (.xlsx)", "Excel report (.xlsx)"), data=lambda r=res: excel_bytes(r),
                         file_name=f"{stem}_report.xlsx", mime=XLSX, key="dl.xlsx", on_click="ignore")
    c[1].download_button(tr("分配表 CSV", "Allocation CSV"), data=lambda r=res: allocation_csv(r),
                         file_name=f"{stem}_allocation.csv", mime="text/csv", key="dl.csv", on_click="ignore")
    c[2].download_button(tr("结果 NetCDF (.nc)", "Results NetCDF (.nc)"), data=lambda r=res: netcdf_bytes(r),
                         file_name=f"{stem}_results.nc", mime="application/x-netcdf", key="dl.nc", on_click="ignore")
    c = st.columns(3)
    c[0].download_button(tr("HTML 报告（离线）", "HTML report (offline)"), data=lambda r=res: html_report(r).encode("utf-8"),
                         file_name=f"{stem}_report.html", mime="text/html", key="dl.html", on_click="ignore")
    c[1].download_button(tr("摘要 JSON", "Summary JSON"), data=lambda r=res: summary_json(r).encode("utf-8"),
                         file_name=f"{stem}_summary.json", mime="application/json", key="dl.json", on_click="ignore")
    solved = scenario_to_yaml(scenario_from_dict(manifest_of(res)["scenario"]))
    c[2].download_button(tr("求解所用情景 YAML", "Solved scenario YAML"), data=solved.encode("utf-8"),
                         file_name=f"{stem}.yaml", mime="application/x-yaml", key="dl.solved_yaml", on_click="ignore")
