"""Workbooks print: every sheet of every workbook hubplan writes is A4 landscape, one page wide,
with its header rows repeated; LibreOffice (Debian libreoffice-calc, headless) prints the
reference report.xlsx on at most 20 pages (95 before the print setup) with the load chart whole."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from tiny import scenario_file, write_dataset

from model.inputs.scenario import load_scenario
from model.reports.files import write_outputs
from model.run import solve_scenario

ROOT = Path(__file__).resolve().parents[2]


def assert_print_ready(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and str(ps.paperSize) == str(ws.PAPERSIZE_A4), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth == 1 and ps.fitToHeight == 0, ws.title
        assert ws.print_title_rows and ws.print_title_rows.replace("$", "").startswith("1:"), ws.title


def test_every_sheet_is_print_ready(tmp_path):
    ds = write_dataset(tmp_path / "data", clusters={"a": {}, "b": {"hub_id": "h_west"}}, regions={"r1": {}},
                       demand={("r1", "w", 2026): 50.0})
    res = solve_scenario(load_scenario(scenario_file(tmp_path, ds)), baselines=True)
    assert_print_ready(write_outputs(res, tmp_path / "out")["report.xlsx"])


def test_compare_and_two_stage_workbooks_are_print_ready(tmp_path):
    import yaml

    from model.reports.stochastic import write_stochastic_outputs
    from model.studies.batch.compare import write_comparison
    from model.studies.stochastic import load_futures, results_dataset, solve_stochastic

    ds = write_dataset(tmp_path / "data", clusters={"a": {}}, regions={"r1": {}}, demand={("r1", "w", 2026): 50.0})
    for name, body in (("base", {}), ("dear", {"electricity_price_scale": 2.0})):
        res = solve_scenario(load_scenario(scenario_file(tmp_path, ds, {"name": name, **body}, f"{name}.yaml")))
        write_outputs(res, tmp_path / name)
    xlsx = write_comparison([tmp_path / "base", tmp_path / "dear"], tmp_path / "cmp")["compare.xlsx"]
    assert_print_ready(xlsx)
    heads = [c.value for c in openpyxl.load_workbook(xlsx)["KPIs 指标"][1]]
    assert "总成本 total cost (objective) (亿元)" in heads and "来源 Source" in heads
    side = {r[0].value: r[1] for r in openpyxl.load_workbook(xlsx)["KPIs side by side 对比"].iter_rows(min_row=2)}
    assert side["总成本 total cost (objective) (亿元)"].number_format == "#,##0.00"  # the catalogue's 2 digits
    assert side["平均上架率 mean utilisation (load / capacity) (%)"].number_format == "#,##0.0"
    (tmp_path / "futures.yaml").write_text(yaml.safe_dump({"base": "base.yaml", "futures": [
        {"name": "low", "probability": 0.5, "changes": {"demand.scale": 0.5}},
        {"name": "high", "probability": 0.5, "changes": {"demand.scale": 1.0}}]}))
    fs = load_futures(tmp_path / "futures.yaml")
    assert_print_ready(write_stochastic_outputs(results_dataset(solve_stochastic(fs), fs), tmp_path / "st")["report.xlsx"])


def pdf_pages(xlsx: Path, out: Path) -> int:
    from pypdf import PdfReader

    run = subprocess.run(["soffice", f"-env:UserInstallation=file://{out / 'profile'}", "--headless",
                          "--convert-to", "pdf", "--outdir", str(out), str(xlsx)], capture_output=True, text=True,
                         timeout=300)
    pdf = out / (xlsx.stem + ".pdf")
    assert pdf.is_file(), run.stderr
    return len(PdfReader(pdf).pages)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="Debian libreoffice-calc (make system-deps)")
def test_libreoffice_prints_the_reference_report_on_few_pages(tmp_path):
    res = solve_scenario(load_scenario(ROOT / "data" / "scenarios" / "reference.yaml"))
    xlsx = write_outputs(res, tmp_path / "out")["report.xlsx"]
    assert_print_ready(xlsx)
    pages = pdf_pages(xlsx, tmp_path)
    assert 11 <= pages <= 20  # at least a page per sheet; 95 without the print setup
