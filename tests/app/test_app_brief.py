"""What a planner briefs (issue 22, item 3) on a real solve of the reference: a province's work by
destination, hub indicators against targets, the build schedule, the tornado, the one-page
briefing printed to PDF and PNG by the Debian chromium."""
from __future__ import annotations

import re

import pytest

from model.app import briefing
from model.inputs import sources
from model.inputs.dataset import load_dataset
from model.reports.kpis import summary
from model.run import Planner


@pytest.fixture(scope="module")
def solved():
    planner = Planner()
    sc = sources.load_bundled("reference")
    return sc, planner, planner.solve(sc)


def test_a_province_s_work_adds_up_to_its_demand(solved):
    _, _, res = solved
    flows = briefing.province_flows(res, "guangdong", "en")
    for y in res.year.values:
        want = float(res["demand"].sel(region="guangdong", year=y).sum())
        assert flows[flows["year"] == y]["racks"].sum() == pytest.approx(want, abs=5)  # rows below 0.5 rack dropped
    assert {"Shaoguan", "unmet"} <= set(flows["to"]) and "Real-time" in set(flows["workload"])


def test_hub_indicators_and_build_schedule(solved):
    _, _, res = solved
    hubs = briefing.hub_indicators(res, "en")
    assert len(hubs) == 8 and hubs["Western"].tolist().count("yes") == 4
    assert sum(float(v.rstrip("%")) for v in hubs["Share of national load"]) == pytest.approx(100, abs=0.5)
    assert set(hubs["PUE target"]) == {"≤ 1.20", "≤ 1.25"} and set(hubs["Plan"]) == {"≥ 65%"}
    zh = briefing.hub_indicators(res, "zh")
    assert not any(re.search("[A-Za-z]{2,}", c) and c not in ("PUE", "PUE 目标", "PUE 达标") for c in zh.columns)
    sched = briefing.build_schedule(res, "en")
    total = sched.loc["Total", "Total (racks)"]
    assert total == f"{float(res['build'].sum()):,.0f}"
    inv = float((res["build"] * res["capex_yuan_per_rack"]).sum()) / 1e8
    assert sched.loc["Total", "Investment (100M yuan)"] == f"{inv:,.2f}"


@pytest.mark.slow
def test_tornado_and_the_one_page_briefing(solved):
    sc, planner, res = solved
    t = briefing.tornado(sc, load_dataset(), planner).set_index("lever")
    assert t.loc["demand.scale", "high"] > 0 > t.loc["demand.scale", "low"]  # more demand costs more
    assert t.loc["carbon_price_yuan_per_t", "high"] > 0 > t.loc["carbon_price_yuan_per_t", "low"]
    assert t["span"].is_monotonic_increasing  # widest bar on top of the chart
    s = summary(res)
    en, zh = briefing.sentences(res, s, "en"), briefing.sentences(res, s, "zh")
    assert len(en) == len(zh) == 3 and en[0].startswith("The 2026–2030 plan costs ¥")
    assert not any(re.search(r"[\u4e00-\u9fff]", x) for x in en)
    page = briefing.briefing_html(res, s, "zh", "算力枢纽规划简报 — reference")
    assert "http" not in page.split("<script")[0] and zh[0] in page
    pdf, png = briefing.render(page, "pdf"), briefing.render(page, "png")
    assert pdf.startswith(b"%PDF") and png.startswith(b"\x89PNG") and len(png) > 20_000
