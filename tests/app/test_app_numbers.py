"""The app's numbers (model/app/numbers.py) on a real solve: the baselines measured against the
optimum's own row, cost without penalties beside them, the cost table grouped (issue 22, 1–4, 14)."""
from __future__ import annotations

import re

import pytest

from model.app import numbers
from model.inputs import sources
from model.reports.kpis import summary
from model.run import Planner


@pytest.fixture(scope="module")
def carbon300():
    sc = sources.load_bundled("reference").model_copy(update={"carbon_price_yuan_per_t": 300})
    return Planner().solve(sc, baselines=True)


def test_the_optimum_reads_zero_above_itself(carbon300):
    s = summary(carbon300)
    for lang in ("zh", "en", "both"):
        t = numbers.baseline_frame(s, lang)
        above = [c for c in t.columns if "比最优多" in c or "Above the optimum" in c]
        assert len(above) == 2
        assert t[above].iloc[0].tolist() == ["0.00", "0" if lang == "zh" else "0.00"]  # 万吨 CO₂ in whole numbers
    t = numbers.baseline_frame(s, "en")
    assert t["Rule"].tolist() == ["Optimum", "Nearest", "Cheapest", "Greenest"]
    assert t["Above the optimum (100M yuan)"].iloc[1:].str.startswith("+").all()  # no rule beats the optimum's cost
    # each rule's difference is its emissions less the optimum's, in the same accounting scope
    b = s["baselines"]
    want = f"{(b['nearest']['emissions_tco2'] - b['optimum']['emissions_tco2']) / 1e6:+,.2f}".replace("-", "−")
    assert t["Above the optimum (MtCO2)"].iloc[1] == want


def test_the_optimum_row_is_the_headline(carbon300):
    s = summary(carbon300)
    assert s["baselines"]["optimum"]["emissions_tco2"] == pytest.approx(s["emissions_tco2"], rel=1e-9)


def test_cost_without_penalties_and_the_grouped_cost_table(carbon300):
    s = summary(carbon300)
    cards = {c["key"]: c for c in numbers.cards(carbon300, s, "en")}
    pen = s["costs"]["unmet_penalty"] + s["costs"]["policy_penalty"]
    assert cards["cost"]["value"] == pytest.approx(s["objective"] - pen)
    assert cards["penalty"]["text"] == f"{pen / 1e8:,.2f}"
    assert cards["unmet_rack_years"]["text"].endswith(f" ({numbers.unmet_share(s):.1%})")
    assert cards["unmet_rack_years"]["label"] == "Unmet demand (10k rack-years · share of demand)"
    t = numbers.cost_frame(s, "en")
    assert t["Group"].tolist()[0] == "Clusters: build and run" and "Penalties (not money spent)" in t["Group"].tolist()
    assert t.iloc[-1].tolist()[:3] == ["Total (objective)", "", f"{s['objective'] / 1e8:,.2f}"]
    assert all(re.fullmatch(r"-?[\d,]+\.\d\d", v) for v in t["100M yuan"])  # 亿元, two decimals, separators
    zh = numbers.cost_frame(s, "zh")
    assert "未满足惩罚" in zh["成本项"].tolist() and not any(re.search("[A-Za-z]", str(v)) for v in zh.to_numpy().ravel())


def test_chinese_mode_reads_emissions_in_wan_tonnes(carbon300):
    s = summary(carbon300)
    assert numbers.label("emissions_tco2", "zh") == "排放 (万吨 CO₂)"
    assert numbers.label("energy_mwh", "zh") == "用电量 (亿千瓦时)"
    assert numbers.number_in(s["emissions_tco2"], numbers.kpis.TCO2, "zh") == f"{s['emissions_tco2'] / 1e4:,.0f}"
    assert numbers.label("emissions_tco2", "en") == "Emissions (MtCO2)"


def test_a_label_that_reads_the_same_in_both_languages_is_said_once():
    from model.app import words
    from model.inputs import levers
    from model.inputs.dataset import load_dataset

    labels = {lv.path.split(".")[-1]: words.lever_label(lv, "both") for lv in levers.cluster_levers(load_dataset(), "shaoguan")}
    assert labels["pue"] == "PUE" and labels["wue_l_per_kwh"] == "水资源利用效率 WUE (L/kWh, empty: none)"
