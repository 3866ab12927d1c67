"""Workbooks print: every sheet of every workbook hubplan writes is A4 landscape, one page wide,
with its header rows repeated; LibreOffice (Debian libreoffice-calc, headless) prints the
reference report.xlsx on at most 20 pages (95 before the print setup) with the load chart whole."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from model.inputs.scenario import load_scenario
from model.reports.files import write_outputs
from model.run import solve_scenario
from tiny import scenario_file, write_dataset

ROOT = Path(__file__).resolve().parents[1]


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
