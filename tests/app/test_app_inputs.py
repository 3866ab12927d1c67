"""Bad input in the app (AppTest, real solves): every problem listed at once with 'did you mean',
a rejected widget value is announced (not silently reverted), no machine path in a message."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def errors(at) -> str:
    return " | ".join(str(e.value) for e in at.error)


def test_every_problem_of_a_pasted_scenario_is_listed_with_did_you_mean():
    at = new_app()
    at.radio(key="src.kind").set_value("paste").run()
    at.text_area(key="src.paste").set_value(
        "carbon_pirce_yuan_per_t: 50\npolicy:\n  min_gren_share: 0.5\n  min_west_share: 3\n").run()
    at.button(key="src.paste_load").click().run()
    text = errors(at)
    assert "3 problems" in text
    assert "did you mean 'carbon_price_yuan_per_t'?" in text and "did you mean 'min_green_share'?" in text
    assert "policy.min_west_share" in text and "less than or equal to 1" in text
    # ids are checked against the dataset, all at once too
    at.text_area(key="src.paste").set_value("clusters:\n  shaoguna: {pue: 1.2}\noutages:\n  - cluster: qinyang\n").run()
    at.button(key="src.paste_load").click().run()
    text = errors(at)
    assert "2 problems" in text and "did you mean 'shaoguan'?" in text and "did you mean 'qingyang'?" in text
    # switching the source clears the old source's error
    at.radio(key="src.kind").set_value("bundled").run()
    assert not at.error


def test_a_rejected_widget_value_is_announced_and_reverted():
    at = new_app()
    at.number_input(key="lv.carbon_price_yuan_per_t").set_value(-5).run()
    text = errors(at)
    # issue 22 (7): the lever's name and what it can take, not the validator's English naming the bundled file
    assert text == "修改未生效 Change not applied — 碳价 Carbon price (yuan/tCO2): 不能小于 must be at least 0"
    assert str(Path(APP).parent) not in text and "reference.yaml" not in text
    assert at.session_state["scenario"].carbon_price_yuan_per_t != -5
    assert at.number_input(key="lv.carbon_price_yuan_per_t").value != -5  # the widget shows the scenario again
    # "5" typed for 5 % gets a hint; a new edit replaces the old message, a good one clears it
    at.number_input(key="lv.discount_rate").set_value(5).run()
    assert errors(at) == ("修改未生效 Change not applied — 折现率 Discount rate (per year): 不能大于 must be at most 0.5"
                          "。是否指 5%，即 0.05？ Did you mean 5 %, i.e. 0.05?")
    at.number_input(key="lv.discount_rate").set_value(0.05).run()
    assert not at.error


def test_input_diff_and_the_generated_name():
    from model.inputs import levers, sources
    from model.inputs.dataset import load_dataset
    from model.inputs.diff import input_diff, suggested_name

    ds = load_dataset()
    ref = sources.load_bundled("reference")
    edited = levers.set_lever(ref, ds, "carbon_price_yuan_per_t", 300.0)
    edited = levers.set_outages(edited, ds, {"shaoguan": None})
    assert suggested_name(ref, edited, ds) == "reference · 碳价300 · 韶关停运"
    d = input_diff(ref, edited, ds)
    assert list(d["path"]) == ["carbon_price_yuan_per_t", "outages"]
    assert d.iloc[1]["A"] == "无 none" and d.iloc[1]["B"].startswith("韶关集群 Shaoguan")
    # a bundled scenario against the reference: exactly the levers its file sets
    d = input_diff(ref, sources.load_bundled("outage_shaoguan"), ds)
    assert d.values.tolist()[0] == ["electricity_price_scale", "电价系数 Electricity price scale (×)", "1", "1.2"]
    assert "2028, 2029, 2030" in d.iloc[1]["B"]
    assert input_diff(ref, ref, ds).empty and suggested_name(ref, ref, ds) == "reference"
    many = ref
    for i, c in enumerate(["zhangjiakou", "wuhu", "tianfu", "guian", "qingyang"]):
        many = levers.set_lever(many, ds, f"clusters.{c}.pue", 1.1 + i / 100)
    assert suggested_name(ref, many, ds).endswith(" · +1")  # at most four changes spelled out


def test_an_out_of_service_cluster_is_not_below_the_floor():
    at = new_app()
    at.selectbox(key="src.bundled").set_value("outage_shaoguan").run()
    at.button(key="solve").click().run()
    at.session_state["tab"] = "结果 Results"
    at.run()
    assert not at.exception
    below = {m.label: m.value for m in at.metric}["低于目标的集群年 Cluster-years below plan"]
    assert below.endswith("/ 47")  # 10 clusters × 5 years, less 韶关's 3 years out of service
    caption = " ".join(c.value for c in at.caption)
    assert "架·年 rack-years" in caption  # the allocation total over years is in rack-years


def test_a_misspelt_outage_id_gets_did_you_mean():
    """Issue 22 (7): 'shaoguang' is caught with the id it was meant to be, however it arrives."""
    from model.errors import InputError
    from model.inputs import levers, sources
    from model.inputs.dataset import load_dataset

    ds, sc = load_dataset(), sources.load_bundled("reference")
    with pytest.raises(InputError, match="unknown cluster id 'shaoguang' \\(did you mean 'shaoguan'\\?\\)"):
        levers.set_outages(sc, ds, {"shaoguang": None})
    with pytest.raises(InputError, match="did you mean 'shaoguan'"):
        sources.parse_upload(b"name: x\noutages:\n  - cluster: shaoguang\n", "x.yaml", ds)
