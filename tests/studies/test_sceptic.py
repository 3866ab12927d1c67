"""The sceptic's sensitivity study (model/studies/sceptic.py, `hubplan sceptic`, docs/sensitivity.md).

The slow test solves the reference, demand ×1.3 and carbon price ×3 on the bundled data and checks
the directions any planner expects; the fast ones check that each variant changes exactly what its
name says, and the command's bad input.
"""
from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from model.cli import app
from model.inputs.dataset import load_dataset
from model.inputs.levers import lever_value
from model.inputs.scenario import load_scenario
from model.studies.sceptic import BY_KEY, REDUCED, Expect, sceptic_study, variant_scenario
from model.studies.sceptic_doc import sensitivity_markdown

REFERENCE = "data/scenarios/reference.yaml"


@pytest.fixture(scope="module")
def reference():
    sc = load_scenario(REFERENCE)
    return sc, load_dataset(sc.input_path("dataset"))


def test_each_variant_changes_what_its_name_says(reference, tmp_path):
    sc, ds = reference
    carbon = variant_scenario(sc, ds, BY_KEY["carbon_x3"], tmp_path)
    assert carbon.carbon_price_yuan_per_t == pytest.approx(3 * ds.settings["carbon_price_yuan_per_t"])  # 3 × 95.96
    assert variant_scenario(sc, ds, BY_KEY["demand_1.3"], tmp_path).demand.scale == pytest.approx(1.3)
    assert variant_scenario(sc, ds, BY_KEY["latency_ip"], tmp_path).latency_layer == "ip"
    share = variant_scenario(sc, ds, BY_KEY["own_ai_share_x2"], tmp_path).local_ai_share
    assert share == pytest.approx(2 * ds.settings["local_ai_share"])  # 2 × 0.087
    west = variant_scenario(sc, ds, BY_KEY["west_power_1.2"], tmp_path)
    roles = ds.hubs.loc[ds.clusters["hub_id"], "role"].to_numpy()
    for k, role in zip(ds.clusters.index, roles):
        price = lever_value(west, ds, f"clusters.{k}.grid_price_yuan_per_kwh")
        factor = 1.2 if role == "west" else 1.0  # only the western clusters' grid price moves
        assert price == pytest.approx(factor * ds.clusters.loc[k, "grid_price_yuan_per_kwh"])


def test_the_opex_variant_runs_on_a_dataset_copy_differing_in_one_setting(reference, tmp_path):
    sc, ds = reference
    v = variant_scenario(sc, ds, BY_KEY["opex_installed"], tmp_path)
    copy = load_dataset(v.input_path("dataset"))
    assert copy.settings["fixed_opex_share"] == 1.0 and ds.settings["fixed_opex_share"] == 0.6
    assert {k: x for k, x in copy.settings.items() if k != "fixed_opex_share"} == \
           {k: x for k, x in ds.settings.items() if k != "fixed_opex_share"}
    assert yaml.safe_load((tmp_path / "data" / "settings.yaml").read_text())["fixed_opex_share"] == 1.0


def test_a_weak_expectation_accepts_no_move_and_a_strict_one_does_not():
    assert Expect("builds", 1).holds(100.0, 101.0) and not Expect("builds", 1).holds(100.0, 100.0)
    assert Expect("west_all", -1, strict=False).holds(0.5, 0.5) and not Expect("west_all", -1, strict=False).holds(0.5, 0.51)
    assert not Expect("co2", -1).holds(5e8, float("nan"))  # no answer is no evidence


@pytest.mark.parametrize("args, says", [(["--slack", "2"], "--slack"), (["--out", "."], "folder")])
def test_bad_options_give_one_line_and_exit_2(args, says):
    r = CliRunner().invoke(app, ["sceptic", REFERENCE, *args])
    assert r.exit_code == 2 and says in r.output and "Traceback" not in r.output


@pytest.mark.slow
def test_the_answers_move_the_way_an_expert_expects(reference):
    found = sceptic_study(reference[0], REDUCED, slack=0.001)
    a = found.answers
    ref, more, carbon = a.loc["reference"], a.loc["demand_1.3"], a.loc["carbon_x3"]
    assert more["builds"] > ref["builds"]  # issue 18: builds were the plan's caps, the same at any demand
    assert more["objective"] > ref["objective"]
    assert carbon["co2"] < ref["co2"]
    assert found.checks["holds"].all(), found.checks[~found.checks["holds"]]
    # the near-optimal ranges hold the optimum; builds counted once (build_above and build_ai are parts of build)
    flat = found.flat
    # a share of no work is no number: storage has no rack at a cluster in 2030 (it is the class of
    # lowest value of lost load, so it takes the whole shortfall)
    assert found.answers.loc["reference", "unmet_ai_last"] == pytest.approx(0, abs=1e-9)
    shares = flat.dropna(subset=["optimum"])
    assert (shares["min"] <= shares["optimum"] + 1e-9).all() and (shares["optimum"] <= shares["max"] + 1e-9).all()
    assert flat.loc["builds", "optimum"] == pytest.approx(ref["builds"], rel=1e-6)
    assert flat.loc["west_all", "optimum"] == pytest.approx(ref["west_all"], abs=1e-6)
    doc = sensitivity_markdown(found, "hubplan sceptic")
    assert "| 参考 reference | — |" in doc and "✓" in doc and "free" in doc
