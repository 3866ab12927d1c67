"""HTML reports carry plotly.js's cartesian bundle (1.5 MB, not the full 4.8 MB), once, inline: its
version is the one plotly.py writes for, every trace the reports draw is in it, the page draws in
the real browser (Debian chromium), and a stacked cost chart gives every term its own colour."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tiny import scenario_file, write_dataset

from model.formulation.labels import COST_TERMS
from model.inputs.scenario import load_scenario
from model.reports import charts
from model.reports.files import html_report
from model.reports.plotlyjs import BUNDLE, TRACES, bundle_version
from model.run import solve_scenario


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    root = tmp_path_factory.mktemp("html")
    ds = write_dataset(root / "data", clusters={"a": {}, "b": {"hub_id": "h_west"}}, regions={"r1": {}, "r2": {"lat": 40.0}},
                       demand={("r1", "w", 2026): 50.0, ("r2", "w", 2026): 20.0})
    return solve_scenario(load_scenario(scenario_file(root, ds)), baselines=True)


def test_bundle_matches_plotly_py_and_is_small():
    from plotly.offline import get_plotlyjs_version

    assert bundle_version() == get_plotlyjs_version()  # upgrade assets/plotly-cartesian.min.js with plotly
    assert BUNDLE.stat().st_size < 1.6e6


def test_every_trace_of_the_reports_is_in_the_bundle(res):
    from model.reports.map_figure import china_map

    figs = [china_map(res, switchable=True)] + charts.report_figures(res)
    assert {tr.type for f in figs for tr in f.data} <= set(TRACES)


def test_report_embeds_the_bundle_once(res):
    html = html_report(res)
    assert html.count("plotly.js (cartesian - minified) v") == 1 and "<script src=" not in html
    assert len(html.encode()) < 2.2e6  # was 5.1 MB with the full bundle (reference: docs/outputs.md)


def test_cost_terms_have_distinct_colours():
    colours = charts.cost_colours(list(COST_TERMS) + ["new_term"])
    assert len(set(colours.values())) == len(COST_TERMS) + 1


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium")
def test_report_draws_in_chromium_offline(res, tmp_path):
    from playwright.sync_api import sync_playwright

    page_file = Path(tmp_path) / "report.html"
    page_file.write_text(html_report(res), encoding="utf-8")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page()
        errors, outside = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("**/*", lambda r: (outside.append(r.request.url), r.abort()) if not r.request.url.startswith("file:")
                   else r.continue_())
        page.goto(page_file.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg")
        n_plots = page.locator(".plotly-graph-div").count()
        drawn = page.locator(".js-plotly-plot .main-svg").count()
        b.close()
    assert errors == [] and outside == []
    assert n_plots >= 4 and drawn >= n_plots  # every chart drawn by the cartesian bundle
