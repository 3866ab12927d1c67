"""Near-optimal alternatives on hand instances (model/studies/alternatives).

One province r1 needs 100 racks of non-real-time work w in 2026. Cluster ``east`` (hub h_east)
and cluster ``west`` (hub h_west) each have 100 racks installed and no room to build; serving one
rack for a year costs 8760 kWh × the cluster's grid price (tests/tiny.py: PUE 1, 1 kW per rack).
"""
from __future__ import annotations

import numpy as np
import pytest
from tiny import scenario_file, write_dataset

from model.inputs.scenario import load_scenario
from model.run import Planner
from model.studies.alternatives import near_optimal, study_dataset, verdicts

H = 8760.0


def _scenario(tmp_path, west_price: float):
    clusters = {"east": {}, "west": {"hub_id": "h_west", "grid_price_yuan_per_kwh": west_price}}
    ds = write_dataset(tmp_path / "data", clusters, {"r1": {}}, {("r1", "w", 2026): 100.0})
    return load_scenario(scenario_file(tmp_path, ds))


def _range(study, key):
    lo, hi = study.ends[key]
    return lo.value, hi.value


def test_two_clusters_of_equal_cost_leave_the_western_share_free(tmp_path):
    # both cost 0.1 yuan/kWh: every split of the 100 racks costs 100 × 8760 × 0.1 = 87,600 yuan
    planner = Planner()
    study = near_optimal(_scenario(tmp_path, 0.1), slack=0.01, planner=planner)
    assert study.optimum == pytest.approx(87_600)
    h = planner.model.highs  # the budget row is gone and the options are back: the model solves as before
    assert h.getNumRow() == int((planner.model.row_of >= 0).sum())
    assert h.getOptionValue("simplex_strategy")[1] == 1  # HiGHS' default (dual), as the Planner had it
    assert planner.model.solve().objective == pytest.approx(87_600)
    assert _range(study, "west_share:w:2026") == pytest.approx((0.0, 1.0), abs=1e-7)
    assert _range(study, "load_hub:h_west:2026") == pytest.approx((0.0, 100.0), abs=1e-5)
    lo, hi = study.ends["west_share:w:2026"]
    assert lo.cost == pytest.approx(87_600) and hi.cost == pytest.approx(87_600)  # either end is free
    v = verdicts(study)
    assert v["west_share:w:2026"][1] == "free"
    assert v["build_cluster:west"][1] == "robust"  # no room to build: 0 in every plan


def test_a_unique_optimum_gives_zero_width_ranges(tmp_path):
    # west at 0.05 yuan/kWh is strictly cheaper: the optimum serves all 100 racks there, 43,800 yuan
    study = near_optimal(_scenario(tmp_path, 0.05), slack=0.0)
    assert study.optimum == pytest.approx(43_800)
    for a in study.aggs:
        lo, hi = _range(study, a.key)
        assert hi - lo == pytest.approx(0.0, abs=1e-6 * max(1.0, abs(hi))), a.key
    assert _range(study, "west_share:w:2026") == pytest.approx((1.0, 1.0))
    assert all(v == "robust" for _, v in verdicts(study).values())


def test_the_budget_buys_exactly_its_share_of_moves(tmp_path):
    # slack 50 %: budget 65,700 yuan; a rack moved east costs 8760 × (0.1 − 0.05) = 438 yuan, so
    # 21,900 / 438 = 50 racks can move: western share within [0.5, 1], the minimum costs the whole slack
    study = near_optimal(_scenario(tmp_path, 0.05), slack=0.5)
    assert study.budget == pytest.approx(65_700)
    assert _range(study, "west_share:w:2026") == pytest.approx((0.5, 1.0), abs=1e-7)
    lo, hi = study.ends["west_share:w:2026"]
    assert lo.cost - study.optimum == pytest.approx(21_900, rel=1e-6)
    assert hi.cost == pytest.approx(study.optimum)


def test_every_extreme_plan_is_within_the_budget_and_not_below_the_optimum(tmp_path):
    study = near_optimal(_scenario(tmp_path, 0.07), slack=0.2, n_spores=2)
    ds = study_dataset(study)
    cost = ds["alt_cost"].values
    assert ds.sizes["alternative"] == 1 + 2 * ds.sizes["aggregate"] + 2
    assert np.all(cost <= study.budget * (1 + 1e-9))
    assert np.all(cost >= study.optimum * (1 - 1e-9))
    # each extreme plan reaches the value its range reports
    for k in ds.aggregate.values:
        assert float(ds["alt_value"].sel(alternative=f"max {k}", aggregate=k)) == pytest.approx(
            float(ds["agg_max"].sel(aggregate=k)), rel=1e-6, abs=1e-6)  # the cheapest plan at that end, within 1e-7
    # and the plans carry the allocation: the min-west plan serves 100 − 100·share_min racks in the east
    east = float(ds["alt_allocation"].sel(alternative="min west_share:w:2026", cluster="east").sum())
    assert east == pytest.approx(100 * (1 - float(ds["agg_min"].sel(aggregate="west_share:w:2026"))), abs=1e-4)


def test_spores_builds_where_the_optimum_did_not(tmp_path):
    # both clusters empty, room for 100 racks each at 1,000 yuan per rack (CRF 1) and the same power
    # price: the optimum builds the 100 racks at one cluster (100,000 + 87,600 yuan); the first SPORES
    # plan scores that cluster's builds (100 / 100 = 1 > θ) and builds at the other one, same cost
    empty = {"installed_racks": 0.0, "planned_racks": 100.0, "build_limit_racks_per_year": 100.0, "capex_yuan_per_rack": 1000.0}
    clusters = {"east": empty, "west": {**empty, "hub_id": "h_west"}}
    ds_dir = write_dataset(tmp_path / "data", clusters, {"r1": {}}, {("r1", "w", 2026): 100.0})
    study = near_optimal(load_scenario(scenario_file(tmp_path, ds_dir)), slack=0.0, n_spores=2)
    assert study.optimum == pytest.approx(187_600)
    ds = study_dataset(study)
    built = ds["alt_build"].sum("year")
    used = next(k for k in ("east", "west") if float(built.sel(alternative="optimum", cluster=k)) > 99)
    other = "west" if used == "east" else "east"
    assert float(built.sel(alternative="spore 1", cluster=other)) == pytest.approx(100, abs=1e-6)
    assert float(built.sel(alternative="spore 1", cluster=used)) == pytest.approx(0, abs=1e-6)
    assert float(ds["alt_cost"].sel(alternative="spore 1")) == pytest.approx(study.optimum)
    assert f"· {used} -0.0" in str(ds["alt_description_en"].sel(alternative="spore 1").values)


def test_cli_writes_the_ranges_and_refuses_a_bad_slack(tmp_path):
    from typer.testing import CliRunner

    from model.cli import app

    sc = _scenario(tmp_path, 0.05)
    runner = CliRunner()
    bad = runner.invoke(app, ["alternatives", str(sc.source), "--slack", "2", "--out", str(tmp_path / "o")])
    assert bad.exit_code == 2 and "--slack" in bad.output and "Traceback" not in bad.output
    ok = runner.invoke(app, ["alternatives", str(sc.source), "--slack", "0.5", "--out", str(tmp_path / "o"), "-q"])
    assert ok.exit_code == 0, ok.output
    import pandas as pd

    from model.reports import read_results

    df = pd.read_csv(tmp_path / "o" / "ranges.csv").set_index("aggregate")
    assert {"entry", "unit", "optimum", "min", "max", "verdict", "sentence_zh", "sentence_en"} <= set(df.columns)
    assert df.loc["west_share:w:2026", ["min", "max"]].tolist() == pytest.approx([50.0, 100.0])  # in %
    assert df.loc["west_share:w:2026", "unit"] == "%"
    assert "可自由选择" in df.loc["west_share:w:2026", "sentence_zh"]
    ds = read_results(tmp_path / "o" / "results.nc")
    assert float(ds["budget"]) == pytest.approx(65_700) and "alternative" in ds.dims
    assert (tmp_path / "o" / "report.xlsx").stat().st_size > 0
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "Free choices" in html and "<script src=" not in html  # plotly.js embedded: offline
    # several slacks in one command: one folder each and the ranges side by side
    both = runner.invoke(app, ["alternatives", str(sc.source), "--slack", "0,0.5", "--out", str(tmp_path / "b"), "-q"])
    assert both.exit_code == 0, both.output
    by = pd.read_csv(tmp_path / "b" / "ranges_by_slack.csv").set_index("aggregate").loc["west_share:w:2026"]
    assert (by["min 0%"], by["min 50%"], by["verdict 0%"], by["verdict 50%"]) == (100.0, 50.0, "robust", "free")
    assert (tmp_path / "b" / "slack_0.5" / "ranges.csv").exists()
    word = runner.invoke(app, ["alternatives", str(sc.source), "--slack", "1%", "--out", str(tmp_path / "c")])
    assert word.exit_code == 2 and "--slack" in word.output


@pytest.mark.slow
def test_dask_workers_find_the_same_ranges(tmp_path):
    sc = _scenario(tmp_path, 0.05)
    here = near_optimal(sc, slack=0.5)
    there = near_optimal(sc, slack=0.5, workers=2)
    assert set(there.ends) == set(here.ends)
    for k, (lo, hi) in here.ends.items():
        assert there.ends[k][0].value == pytest.approx(lo.value, abs=1e-6), k
        assert there.ends[k][1].value == pytest.approx(hi.value, abs=1e-6), k


def test_the_catalogue_follows_the_blocks_that_exist(tmp_path):
    """Addressed by block name and labels: the builds are the block ``build`` alone — build_above (and
    build_ai) count racks that are already in it (build_above ≤ build), so adding them would count those
    racks twice; the provinces' own-stock entries are absent where the LP has no own stock."""
    from dataclasses import replace

    from model.formulation import build_lp
    from model.formulation.blocks import VarBlock
    from model.inputs.build import build_inputs
    from model.studies.alternatives import aggregates

    inp = build_inputs(_scenario(tmp_path, 0.1))
    lp = build_lp(inp)
    keys = {a.key for a in aggregates(lp, inp)}
    assert "build_cluster:west" in keys and "west_share:w:2026" in keys
    assert not any(k.startswith(("local_share", "local_load", "local_build")) for k in keys)  # no own stock here
    above = VarBlock("build_above", ("cluster", "year"), [("east", 2026), ("west", 2026)], "racks built above the plan")
    lp2 = replace(lp, variables={**lp.variables, "build_above": above})
    agg = {a.key: a for a in aggregates(lp2, inp)}["build_cluster:west"]
    off = lp2.offsets()
    assert agg.num[0].tolist() == [off["build"] + 1]  # build[west,2026] only: its racks above the plan are among them
