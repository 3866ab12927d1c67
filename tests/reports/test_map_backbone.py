"""The backbone between the hubs on the map (issue 21): one line per edge with its traffic, capacity
(Tbps) and the value of one more Tbps, in the mode's language only, offline; in the app's Map tab
for results with the data lifecycle.

Hand instance: clusters e (hub h_east, province r1, 30°N 110°E) and w (h_west, r2, 36°N 100°E); one
edge of 1 Tbps, 16 % background, planned maximum 70 %, 100 yuan/TB. r1 collects 500 TB/yr, stored
in the west (100 yuan/TB < the 350.4 the cheaper racks save, tests/formulation/test_lifecycle.py): the edge
carries 0.16 + 500 · 8 / (8760 · 3600) = 0.16012684 Tbps, 22.9 % of its planned maximum 0.7.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from tiny import solve_tiny

from model.reports import geo
from model.reports.map_figure import china_map

GAMMA = 8.0 / (8760 * 3600)
CJK = re.compile(r"[\u3400-\u9fff]")


def _solve(tmp_path, with_chains: bool = True):
    root = tmp_path / "run"
    (root / "data").mkdir(parents=True)
    if with_chains:
        pd.DataFrame([("iot", "store", 1, "w", 1.0, 10.0)], columns=["chain_id", "stage_id", "stage_order", "workload_id",
                                                                     "volume_ratio", "tb_per_rack_year"]).to_csv(
            root / "data" / "chains.csv", index=False)
        pd.DataFrame([("iot", "r1", 2026, 500.0)], columns=["chain_id", "region_id", "year", "tb_per_year"]).to_csv(
            root / "data" / "chain_sources.csv", index=False)
        pd.DataFrame([("h_east", "h_west", 1000.0, 1.0, 0.16, 0.7, 100.0, "")],
                     columns=["hub_a", "hub_b", "km", "capacity_tbps", "background_share", "max_use", "price_yuan_per_tb",
                              "expansion_yuan_per_tbps_km"]).to_csv(root / "data" / "backbone.csv", index=False)
    return solve_tiny(root, {"e": dict(grid_price_yuan_per_kwh=0.5),
                             "w": dict(hub_id="h_west", region_id="r2", grid_price_yuan_per_kwh=0.1, lat=36.0, lon=100.0)},
                      {"r1": {}, "r2": {}}, {("r1", "w", 2026): 0.0})


def _backbone_traces(fig):
    return [tr for tr in fig.data if (tr.legendgroup or "").startswith("backbone")]


def test_backbone_edges_carry_traffic_capacity_and_use_by_hand(tmp_path):
    res = _solve(tmp_path)
    e = geo.backbone_edges(res, 2026)
    assert len(e) == 1
    r = e.iloc[0]
    assert r.use_tbps == pytest.approx(0.16 + 500 * GAMMA) and r.capacity_tbps == pytest.approx(1.0)
    assert r.chain_tbps == pytest.approx(500 * GAMMA)
    assert r.use_of_max == pytest.approx((0.16 + 500 * GAMMA) / 0.7) and r.bin == len(geo.BACKBONE_BINS) - 1  # < 50 %
    assert r.value_yuan_per_tbps_year == pytest.approx(0.0, abs=1e-6)  # slack: no value
    assert (r.x0, r.y0) == pytest.approx(tuple(float(v[0]) for v in geo.project([110.0], [30.0])))  # h_east at e
    assert (r.x1, r.y1) == pytest.approx(tuple(float(v[0]) for v in geo.project([100.0], [36.0])))


def test_the_backbone_layer_speaks_one_language_and_fetches_nothing(tmp_path):
    res = _solve(tmp_path)
    zh, en = china_map(res, 2026, "demand", lang="zh"), china_map(res, 2026, "demand", lang="en")
    lines = _backbone_traces(en)
    assert len(lines) == 1 and lines[0].name == "backbone: < 50% of its planned maximum"
    tip = next(tr for tr in en.data if tr.name == "backbone-tips").text[0]
    assert "traffic 0.2 / capacity 1.0 Tbps (of the planned maximum: 23%)" in tip and "value of one more Tbps ¥0" in tip
    assert not CJK.search(tip + lines[0].name)
    zh_tip = next(tr for tr in zh.data if tr.name == "backbone-tips").text[0]
    assert "流量 0.2 / 容量 1.0 Tbps" in zh_tip and not re.search(r"traffic|capacity|value", zh_tip)
    assert CJK.search(_backbone_traces(zh)[0].name)
    assert "http" not in json.dumps(en.to_plotly_json()["layout"])
    assert not _backbone_traces(china_map(res, 2026, "demand", lang="en", backbone=False))


def test_results_without_a_backbone_draw_none(tmp_path):
    res = _solve(tmp_path, with_chains=False)
    assert geo.backbone_edges(res, 2026).empty
    fig = china_map(res, 2026, "demand", lang="en")
    assert not _backbone_traces(fig) and not any(tr.name == "backbone-tips" for tr in fig.data)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_app_map_tab_shows_the_backbone_of_a_lifecycle_scenario(lang):
    from streamlit.testing.v1 import AppTest
    from test_app_language import foreign, page_texts

    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=240)
    at.session_state["lang"] = lang
    at.run()
    at.radio(key="src.kind").set_value("bundled").run()
    at.selectbox(key="src.bundled").set_value("fee_cut").run()
    at.button(key="solve").click().run()
    at.session_state["tab"] = "地图" if lang == "zh" else "Map"
    at.run()
    assert not at.exception and not at.error
    assert at.toggle(key="map.backbone").value is True
    spec = json.loads(next(e for e in at.get("plotly_chart")).proto.spec)
    assert sum(1 for tr in spec["data"] if str(tr.get("legendgroup", "")).startswith("backbone")) == 28  # C(8,2) pairs
    assert not foreign(page_texts(at._tree), lang, set())
    at.toggle(key="map.backbone").set_value(False).run()
    spec = json.loads(next(e for e in at.get("plotly_chart")).proto.spec)
    assert not any(str(tr.get("legendgroup", "")).startswith("backbone") for tr in spec["data"])
