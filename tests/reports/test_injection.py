"""Outputs never execute: a hostile scenario name and hostile dataset labels end up as inert text in
every workbook (no cell openpyxl reads as a formula) and CSV (no field a spreadsheet would start
a formula with), and escaped in every HTML page."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from tiny import scenario_file, write_dataset

from model.inputs.scenario import load_scenario
from model.reports.files import write_outputs
from model.reports.safe import FORMULA_START, neutral_frame, neutral_text
from model.run import solve_scenario

NAME = '=HYPERLINK("http://x","y")'
HTML_NAME = '<script>alert(1)</script>'
REGION_NAME = '=HYPERLINK("http://evil","点我")'
MODEL = Path(__file__).resolve().parents[2] / "model"
WRITER = MODEL / "reports" / "sheets.py"


def test_neutral_text_rule():
    assert neutral_text("=1+1") == "'=1+1"
    for start in FORMULA_START:
        assert neutral_text(start + "x") == "'" + start + "x"
    assert neutral_text("cost 成本") == "cost 成本" and neutral_text("") == ""
    assert neutral_text(-5.0) == -5.0 and neutral_text(True) is True and neutral_text(None) is None
    import pandas as pd
    df = neutral_frame(pd.DataFrame({"=a": ["@b", "c"], "n": [-1.0, 2.0]}))
    assert list(df.columns) == ["'=a", "n"] and list(df["'=a"]) == ["'@b", "c"] and list(df["n"]) == [-1.0, 2.0]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    ds = write_dataset(root / "data", clusters={"a": {}, "b": {"hub_id": "h_west"}},
                       regions={"r1": {}, "r2": {"lat": 40.0, "lon": 116.0}},
                       demand={("r1", "w", 2026): 10.0, ("r2", "w", 2026): 200.0})
    # labels a planner's own dataset could carry
    import pandas as pd
    cl = pd.read_csv(ds / "clusters.csv")
    cl.loc[0, "name_en"] = "=1+2"
    cl.loc[1, "name_zh"] = "-2+3"
    cl.to_csv(ds / "clusters.csv", index=False)
    rg = pd.read_csv(ds / "regions.csv")
    rg.loc[0, "name_en"] = "@SUM(A1:A9)"
    rg.loc[1, "name_zh"] = REGION_NAME  # a whole cell of its own in the region × cluster sheet
    rg.to_csv(ds / "regions.csv", index=False)
    scenario_file(root, ds, {"name": NAME}, "formula.yaml")
    scenario_file(root, ds, {"name": HTML_NAME, "demand": {"scale": 1.1}}, "script.yaml")
    return root


def formula_cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in wb for row in ws.iter_rows() for c in row
            if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(FORMULA_START))]


def texts(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def live_csv_fields(data: str) -> list[str]:
    """Fields a spreadsheet would read as a formula (numbers such as -5 are numbers)."""
    bad = []
    for row in csv.reader(io.StringIO(data)):
        for f in row:
            try:
                float(f)
            except ValueError:
                if f.startswith(FORMULA_START):
                    bad.append(f)
    return bad


def test_single_solve_outputs_are_inert(hostile, tmp_path):
    res = solve_scenario(load_scenario(hostile / "formula.yaml"))
    assert res.attrs["scenario_name"] == NAME  # the result itself keeps the name as given
    paths = write_outputs(res, tmp_path / "out", html=True)
    assert formula_cells(paths["report.xlsx"]) == []
    cells = texts(paths["report.xlsx"])
    # the hostile names are all there, none of them live: the scenario's own name as a cell of its
    # own (neutralised), the cluster and region names inside '中文 English' name cells
    assert "'" + NAME in cells
    assert any("=1+2" in c for c in cells) and any("@SUM(A1:A9)" in c for c in cells)
    alloc = paths["allocation.csv"].read_text(encoding="utf-8")
    assert live_csv_fields(alloc) == [] and "'=1+2" in alloc
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in paths["report.html"].read_text(encoding="utf-8")


def test_every_sheet_has_the_hostile_names_inert(hostile, tmp_path):
    """Each sheet of report.xlsx, sheet by sheet: no live formula, and the hostile region name
    (which leads its own cell in the region × cluster sheet) is there, neutralised."""
    res = solve_scenario(load_scenario(hostile / "formula.yaml"))
    path = write_outputs(res, tmp_path / "out")["report.xlsx"]
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        live = [c.coordinate for row in ws.iter_rows() for c in row
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(FORMULA_START))]
        assert live == [], ws.title
    matrix = [c.value for row in wb["Region×cluster 地区×集群"].iter_rows() for c in row]
    assert "'" + REGION_NAME + " r2" in matrix
    assert any(isinstance(v, str) and v.startswith("'-2+3") for v in matrix)


def test_stochastic_outputs_are_inert(hostile, tmp_path):
    import yaml

    from model.reports.stochastic import write_stochastic_outputs
    from model.studies.stochastic import load_futures, results_dataset, solve_stochastic

    (hostile / "futures.yaml").write_text(yaml.safe_dump({"base": "formula.yaml", "futures": [
        {"name": "=low", "probability": 0.5, "changes": {"demand.scale": 0.5}},
        {"name": "+high", "probability": 0.5, "changes": {"demand.scale": 1.0}}]}))
    fs = load_futures(hostile / "futures.yaml")
    paths = write_stochastic_outputs(results_dataset(solve_stochastic(fs), fs), tmp_path / "st")
    assert formula_cells(paths["report.xlsx"]) == []
    assert "'=low" in texts(paths["report.xlsx"])
    assert live_csv_fields(paths["builds.csv"].read_text(encoding="utf-8")) == []


def test_no_module_writes_csv_or_excel_but_the_writer():
    """Structural: every CSV and Excel file goes through model/reports/sheets.py (neutralised,
    UTF-8 with BOM, print-ready); a direct pandas/openpyxl writer anywhere else fails here."""
    direct = (".to_csv(", ".to_excel(", "ExcelWriter(", "Workbook(", ".create_sheet(", "csv.writer(")
    offenders = [f"{p.relative_to(MODEL)}: {d}" for p in sorted(MODEL.rglob("*.py")) if p != WRITER
                 for d in direct if d in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_html_report_escapes_the_name(hostile, tmp_path):
    res = solve_scenario(load_scenario(hostile / "script.yaml"))
    html = write_outputs(res, tmp_path / "out", html=True)["report.html"].read_text(encoding="utf-8")
    assert HTML_NAME not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.slow
def test_batch_and_comparison_outputs_are_inert(hostile, tmp_path):
    from model.studies.batch import run_batch
    from model.studies.batch.compare import write_comparison

    pts = [(load_scenario(hostile / f).name, load_scenario(hostile / f), {"file": f}) for f in ("formula.yaml", "script.yaml")]
    out = tmp_path / "batch"
    r = run_batch(pts, out, workers=1, outputs="lean", html=False, lever_keys=["file"], progress=False)
    assert r.counts["ok"] == 2
    for name in ("index.csv", "summary.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert live_csv_fields(text) == [] and "'" + NAME.replace('"', '""') in text, name
    paths = write_comparison([out], tmp_path / "cmp")
    assert formula_cells(paths["compare.xlsx"]) == []
    cells = texts(paths["compare.xlsx"])
    assert "'" + NAME in cells and "'=1+2" in cells
    html = paths["compare.html"].read_text(encoding="utf-8")
    assert HTML_NAME not in html and "&lt;script&gt;" in html
