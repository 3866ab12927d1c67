"""Reports people forward (model/reports/files.py, charts.py): the Excel workbook's formats,
headers, panes, filters and charts; the HTML report's colours, numbers, map and print layout;
no machine path in any output. A real solve of the bundled reference scenario."""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from model.inputs import sources
from model.reports import charts
from model.reports.files import allocation_csv, excel_bytes, html_report, netcdf_bytes, summary_json
from model.run import Planner

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def res():
    return Planner().solve(sources.load_bundled("reference"))


@pytest.fixture(scope="module")
def wb(res):
    return load_workbook(io.BytesIO(excel_bytes(res)))


def test_excel_sheets_headers_formats_panes_filters(wb, res):
    assert {"Summary 摘要", "Costs 成本", "Allocation 分配", "Region×cluster 地区×集群", "Clusters 集群", "Load 负载",
            "Shadow prices 影子价格", "Unmet 未满足", "Answers 解答", "Manifest"} <= set(wb.sheetnames)
    ws = wb["Allocation 分配"]
    heads = [c.value for c in ws[1]]
    assert heads[:6] == ["年份 Year", "地区 Region", "集群 Cluster", "类别 Class", "枢纽 Hub", "机架 Racks (架)"]
    assert all(c.font.b for c in ws[1])  # bold headers
    assert not any(h.endswith("_zh") or h.endswith("_en") for h in heads)  # one bilingual name column each
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.cell(2, 6).number_format == "#,##0.0" and isinstance(ws.cell(2, 6).value, float)
    cl = wb["Clusters 集群"]
    heads = [c.value for c in cl[1]]
    util = heads.index("上架率 Utilisation") + 1
    assert cl.cell(2, util).number_format == "0.0%"
    assert "容量 Capacity (架)" in heads and "排放 Emissions (tCO2)" in heads  # units on cluster columns
    costs = wb["Costs 成本"]
    assert [c.value for c in costs[2]] == ["成本项 Cost term", "金额 Amount (亿元)", "金额 Amount (元)"]
    total = [r for r in costs.iter_rows(min_row=3, values_only=True) if r[0] == "total (objective)"][0]
    assert total[1] == pytest.approx(res.attrs["objective"] / 1e8) and costs.cell(3, 2).number_format == "#,##0.00"


def test_excel_native_charts_and_the_region_cluster_matrix(wb, res):
    assert len(wb["Costs 成本"]._charts) == 1 and len(wb["Load 负载"]._charts) == 1
    m = wb["Region×cluster 地区×集群"]
    heads = [c.value for c in m[2]]
    assert "张家口集群 Zhangjiakou" in heads and heads[-1] == "合计 Total"
    last = [r for r in m.iter_rows(min_row=3, values_only=True)][-1]
    assert last[0] == "合计 Total" and last[-1] == pytest.approx(float(res["allocation"].sel(year=2030).sum()))
    assert m.freeze_panes == "B3"
    sp = wb["Shadow prices 影子价格"]
    heads = [c.value for c in sp[2]]
    assert "机架年化建设成本 Annualised cost of building a rack (元/架·年)" in heads
    row = next(r for r in sp.iter_rows(min_row=3, values_only=True) if r[1].startswith("中卫集群") and r[0] == 2030)
    # worked check: 中卫 capex 65,000 yuan/rack × capital recovery 0.1359 (6 %, 10 years) = 8,832 yuan per rack-year
    annual = float(res["capex_yuan_per_rack"].sel(cluster="zhongwei")) * float(res["capital_recovery_factor"])
    assert row[heads.index("机架年化建设成本 Annualised cost of building a rack (元/架·年)")] == pytest.approx(annual)
    assert row[heads.index("机架影子价格 Value of one more rack (元/架·年)")] == pytest.approx(
        float(res["rack_value"].sel(cluster="zhongwei", year=2030)))


def test_no_machine_path_in_any_output(res):
    home = str(ROOT)
    blobs = {"summary.json": summary_json(res).encode(), "allocation.csv": allocation_csv(res),
             "results.nc": netcdf_bytes(res), "report.html": html_report(res).encode()}
    wb = load_workbook(io.BytesIO(excel_bytes(res)))
    cells = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    blobs["report.xlsx"] = cells.encode()
    for name, blob in blobs.items():
        assert home.encode() not in blob, name
    assert json.loads(res.attrs["manifest"])["dataset"] == "data"


def test_html_report_colours_numbers_map_and_print_css(res):
    html = html_report(res)
    assert "#000001" not in html  # no Streamlit placeholder colours
    assert not re.search(r"<td>[^<]*\de[+-]\d", html)  # no 1.922e+11 in a table cell
    assert "1,351" in html or f"{res.attrs['objective'] / 1e8:,.2f}" in html
    esc = lambda t: json.dumps(t)[1:-1]  # noqa: E731 - plotly's JSON escapes non-ASCII text
    assert esc("南海诸岛") in html and esc("未满足需求 unmet demand") in html  # the map with its layer buttons
    assert "@media print" in html and "@page" in html
    assert not re.findall(r'<script[^>]+src="http', html)  # plotly.js embedded, nothing fetched
    figs = charts.report_figures(res)
    assert all(f.layout.template.layout.colorway == charts.COLOURS for f in figs)
    bars = figs[0].data
    assert len({tr.marker.color for tr in bars}) == len(bars)  # each class its own colour
    years = figs[2].layout.xaxis
    assert years.dtick == 1 and years.tickformat == "d"  # whole years


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium")
def test_html_report_prints_to_pdf(res, tmp_path):
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(html_report(res), encoding="utf-8")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                              args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page()
        outside = []
        page.route("**/*", lambda r: (outside.append(r.request.url), r.abort()) if not r.request.url.startswith("file:")
                   else r.continue_())
        page.goto(page_file.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg")
        page.emulate_media(media="print")
        widths = page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map(e => e.getBoundingClientRect().width)")
        pdf = page.pdf(format="A4", print_background=True)
        b.close()
    assert not outside, outside
    assert pdf[:5] == b"%PDF-" and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 3
    out = ROOT / "tests" / "artifacts"
    out.mkdir(exist_ok=True)
    (out / "report_print.pdf").write_bytes(pdf)
    assert max(widths) * 0.7 <= 703  # every chart fits A4 within 12-mm margins (703 px at 96 dpi) at the print zoom
