"""The bundled lifecycle scenarios (issue 21) and the scenario's ``lifecycle`` levers: a scenario
names a folder of chains.csv, chain_sources.csv and backbone.csv (data/lifecycle/) and scales the
TB collected and the price per TB."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.errors import InputError
from model.inputs import build_inputs
from model.inputs.build import dataset_fingerprint
from model.inputs.dataset import load_dataset
from model.inputs.scenario import SCENARIOS, load_scenario, parse_scenario_text, scenario_hash
from model.inputs.sources import bundled_scenarios, load_bundled

LIFECYCLE_SCENARIOS = ("data_lifecycle", "backbone_ai", "fee_cut", "train_west_infer_east")
HUBPLAN = Path(sys.executable).parent / "hubplan"


def _inputs(name: str):
    return build_inputs(load_bundled(name))


def test_the_lifecycle_scenarios_are_bundled_and_carry_the_chains():
    assert set(LIFECYCLE_SCENARIOS) <= set(bundled_scenarios())
    base = _inputs("data_lifecycle")
    assert base.sizes["chain"] == 5 and base.sizes["edge"] == 28  # data/lifecycle/: 5 chains, C(8,2) hub pairs
    # fee_cut halves the bundled 100 yuan/TB on every edge; backbone_ai triples every chain's TB
    np.testing.assert_allclose(_inputs("fee_cut")["edge_price_yuan_per_tb"], 50.0)
    np.testing.assert_allclose(_inputs("backbone_ai")["chain_source_tb"], 3 * base["chain_source_tb"])
    assert float(_inputs("train_west_infer_east")["min_west_share"]) == 0.6


def test_chain_scale_scales_one_chain(tmp_path):
    sc = parse_scenario_text("lifecycle: {folder: ../lifecycle, volume_scale: 2, chain_scale: {ai_corpus: 5}}",
                             "s.yaml", SCENARIOS)
    inp, base = build_inputs(sc), _inputs("data_lifecycle")
    ratio = (inp["chain_source_tb"].sum(["region", "year"]) / base["chain_source_tb"].sum(["region", "year"]))
    assert ratio.to_series().round(9).to_dict() == {"iot": 2.0, "media": 2.0, "enterprise": 2.0, "ai_corpus": 10.0, "backup": 2.0}


@pytest.mark.parametrize("text, field, problem", [
    ("lifecycle: {folder: ../lifecycle, chain_scale: {ai_corpos: 2}}", "lifecycle.chain_scale.ai_corpos", "did you mean 'ai_corpus'"),
    ("lifecycle: {transfer_price_scale: 0.5}", "lifecycle", "the dataset has no chains"),
    ("lifecycle: {folder: ../lifecycle, transfer_price_scale: -1}", "lifecycle.transfer_price_scale", "greater than or equal to 0"),
    ("lifecycle: {folder: ../../..}", "lifecycle.folder", "outside the data/ folder"),
    ("lifecycle: {folder: reference.yaml}", "lifecycle.folder", "not a folder"),
    ("lifecycle: {folder: ..}", "chains.csv", "missing: a lifecycle folder holds chains.csv"),
    ("lifecycle: {folder: ../lifecycle}\nresolution: hourly", "resolution", "annual only"),
])
def test_bad_lifecycle_levers_name_field_and_problem(text, field, problem):
    with pytest.raises(InputError) as exc:
        build_inputs(parse_scenario_text(text, "s.yaml", SCENARIOS))
    assert field in str(exc.value) and problem in str(exc.value), str(exc.value)


def test_the_hash_follows_the_lifecycle_files_not_their_folder_name(tmp_path):
    fp = dataset_fingerprint(load_dataset())
    copy = tmp_path / "lc"
    shutil.copytree(SCENARIOS.parent / "lifecycle", copy)
    (tmp_path / "s.yaml").write_text("lifecycle: {folder: lc}\n")
    bundled = scenario_hash(load_bundled("data_lifecycle"), fp)
    assert scenario_hash(load_scenario(tmp_path / "s.yaml"), fp) == bundled  # same files, other folder
    with (copy / "backbone.csv").open("a") as f:
        f.write("\n")
    assert scenario_hash(load_scenario(tmp_path / "s.yaml"), fp) != bundled


@pytest.mark.slow
@pytest.mark.parametrize("name", LIFECYCLE_SCENARIOS)
def test_each_lifecycle_scenario_validates_and_solves_on_the_command_line(name, tmp_path):
    path = SCENARIOS / f"{name}.yaml"
    ok = subprocess.run([str(HUBPLAN), "validate", str(path)], capture_output=True, text=True)
    assert ok.returncode == 0 and "data lifecycle: 5 chains, 9 stages, 28 backbone edges" in ok.stdout, ok.stderr
    run = subprocess.run([str(HUBPLAN), "solve", str(path), "--out", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    from model.reports import read_results
    res = read_results(tmp_path / "results.nc")
    assert res.attrs["status"] == "optimal" and {"chain", "stage", "edge"} <= set(res.dims)
    assert float(res["backbone_use"].min()) > 0  # background traffic at least


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_app_tab_shows_one_language_with_lifecycle_results(lang, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest
    from test_app_language import TABS, foreign, page_texts

    monkeypatch.setenv("HUBPLAN_WORKSPACE", str(tmp_path / "workspace.db"))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=240)
    at.session_state["lang"] = lang
    at.run()
    at.radio(key="src.kind").set_value("bundled").run()
    at.selectbox(key="src.bundled").set_value("fee_cut").run()
    at.button(key="solve").click().run()
    problems = {}
    for tab in TABS[lang]:
        at.session_state["tab"] = tab
        at.run()
        assert not at.exception, (tab, at.exception)
        bad = foreign(page_texts(at._tree), lang, {"fee", "cut"})  # the scenario's name, fee_cut
        if bad:
            problems[tab] = sorted(set(bad))[:20]
    assert not problems, problems
