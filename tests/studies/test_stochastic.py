"""Two-stage planning (model/studies/stochastic/, model/reports/stochastic.py): real HiGHS solves."""
from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from tiny import scenario_file, write_dataset

from model.errors import InputError
from model.reports.stochastic import builds_table
from model.run import solve_scenario
from model.studies.stochastic import futures_from_dict, load_futures, results_dataset, solve_stochastic

# Hand instance: one cluster with 0 installed racks, up to 100 buildable this year at capex
# c = 60,000 yuan/rack; serving a rack costs 8760 kWh × 0.1 = 876 yuan; unmet costs V = 100,000.
# Base demand 100 racks; futures: demand.scale 0.5 (D = 50) and 1.0 (D = 100), p = 0.5 each.
# Cost of future f with build b: c·b + 876·min(b, D_f) + V·(D_f − b)+.
#   Stochastic: a rack up to 50 saves V − 876 in both futures (> c): build; from 50 to 100 it
#   saves (V − 876)/2 = 49,562 < c: do not. b* = 50.
#   RP  = 3,000,000 + 0.5·43,800 + 0.5·(43,800 + 5,000,000)                  = 5,543,800
#   Own optima: D = 50 → b = 50: 3,043,800; D = 100 → b = 100: 6,087,600. WS = 4,565,700
#   EVPI = RP − WS                                                            =   978,100
#   Mean value: D = 75 → b = 75; EEV = 4,500,000 + 0.5·43,800 + 0.5·(65,700 + 2,500,000)
#                                                                              = 5,804,750
#   VSS = EEV − RP                                                             =   260,950
#   Regret of b* = 50: future 1: 0; future 2: 5,043,800 + 3,000,000 − 6,087,600 = 1,956,200.
CLUSTER = {"c": dict(installed_racks=0.0, planned_racks=100.0, build_limit_racks_per_year=100.0,
                     capex_yuan_per_rack=60000.0)}


def _futures(tmp_path, futures, body=None):
    ds = write_dataset(tmp_path / "data", CLUSTER, {"r1": {}}, {("r1", "w", 2026): 100.0})
    scenario_file(tmp_path, ds, body)
    p = tmp_path / "futures.yaml"
    p.write_text(yaml.safe_dump({"base": "s.yaml", "futures": futures}))
    return p


TWO = [{"name": "low", "probability": 0.5, "changes": {"demand.scale": 0.5}},
       {"name": "high", "probability": 0.5, "changes": {"demand.scale": 1.0}}]


def test_hand_instance_stochastic_optimum_vss_evpi(tmp_path):
    r = solve_stochastic(load_futures(_futures(tmp_path, TWO)))
    assert r.evpi >= 0 and r.vss >= 0
    assert r.plan["build"].sum() == pytest.approx(50.0, abs=1e-6)
    assert r.mean_value_plan["build"].sum() == pytest.approx(75.0, abs=1e-6)
    assert r.rp == pytest.approx(5_543_800.0, abs=1e-6)
    assert r.ws == pytest.approx(4_565_700.0, abs=1e-6)
    assert r.evpi == pytest.approx(978_100.0, abs=1e-6)
    assert r.eev == pytest.approx(5_804_750.0, abs=1e-6)
    assert r.vss == pytest.approx(260_950.0, abs=1e-6)
    assert r.regret == pytest.approx([0.0, 1_956_200.0], abs=1e-6)
    # the plan evaluated future by future gives back the extensive form's optimum
    assert sum(p * u.cost for p, u in zip(r.probs, r.under_plan)) == pytest.approx(r.rp, abs=1e-6)


def test_hand_instance_risk_objectives(tmp_path):
    fs = load_futures(_futures(tmp_path, TWO))
    assert solve_stochastic(fs, "cvar", lam=0.0).objective_value == pytest.approx(5_543_800.0, abs=1e-6)
    # λ = 1, α = 0.5: CVaR is the cost of the high future, so the objective is
    # E[C] + C_high; each rack from 50 to 100 then saves (V − 876)/2 + (V − 876) − c > 0: b = 100,
    # C_low = 6,043,800, C_high = 6,087,600, objective 6,065,700 + 6,087,600 = 12,153,300.
    r = solve_stochastic(fs, "cvar", lam=1.0, alpha=0.5)
    assert r.plan["build"].sum() == pytest.approx(100.0, abs=1e-6)
    assert r.objective_value == pytest.approx(12_153_300.0, abs=1e-6)
    # the low future's own optimum builds 50: of the 100, 50 are robust and 50 a hedge
    row = builds_table(results_dataset(r, fs)).iloc[0]
    assert (row["robust 稳健 (万架)"], row["hedge 对冲 (万架)"]) == pytest.approx((0.005, 0.005), abs=1e-10)
    assert row["status 类别"] == "robust + hedge 稳健+对冲"
    # minimax regret, for b in [50, 100]: regret_low(b) = c·(b − 50) (racks beyond 50 stand idle),
    # regret_high(b) = (V − 876 − c)(100 − b) = 39,124 (100 − b). Equal at b = 50 + 50·39,124/99,124.
    r = solve_stochastic(fs, "regret")
    b = 50 + 50 * 39_124 / 99_124
    assert r.plan["build"].sum() == pytest.approx(b, abs=1e-6)
    assert r.objective_value == pytest.approx(60_000 * (b - 50), abs=1e-5)
    assert r.regret.max() == pytest.approx(r.objective_value, abs=1e-5)


def test_one_future_equals_deterministic(tmp_path):
    p = _futures(tmp_path, [{"name": "only", "probability": 1.0, "changes": {"demand.scale": 0.8}}])
    r = solve_stochastic(load_futures(p))
    det = solve_scenario(load_futures(p)[0].scenario)
    assert r.rp == pytest.approx(det.attrs["objective"], rel=1e-9)
    np.testing.assert_allclose(r.plan["build"], det["build"].values.ravel(), atol=1e-6)
    assert r.evpi == pytest.approx(0.0, abs=1e-6) and r.vss == pytest.approx(0.0, abs=1e-6)


# Two clusters (cheap-to-build far one, dear near one), two years: LHS futures over the demand
# scale, the grid price and the unmet penalty. Properties that hold for any futures: WS ≤ RP
# (EVPI ≥ 0), RP ≤ EEV (VSS ≥ 0), and CVaR with λ = 0 is the expected cost.
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_evpi_vss_non_negative_and_cvar_at_lambda_0_is_expected(tmp_path, seed):
    clusters = {"a": dict(installed_racks=20.0, planned_racks=200.0, build_limit_racks_per_year=60.0,
                          capex_yuan_per_rack=30000.0, grid_price_yuan_per_kwh=0.3),
                "b": dict(installed_racks=0.0, planned_racks=200.0, build_limit_racks_per_year=80.0,
                          capex_yuan_per_rack=45000.0, grid_price_yuan_per_kwh=0.5)}
    ds = write_dataset(tmp_path / "data", clusters, {"r1": {}},
                       {("r1", "w", 2026): 60.0, ("r1", "w", 2027): 120.0}, settings={"years": [2026, 2027]})
    scenario_file(tmp_path, ds)
    fs = futures_from_dict({"base": "s.yaml", "generate": {"n": 6, "seed": seed, "ranges": {
        "demand.scale": [0.3, 1.5], "electricity_price_scale": [0.5, 2.0],
        "unmet_penalty_yuan_per_rack_year": [40000, 120000]}}}, "f.yaml", tmp_path)
    r = solve_stochastic(fs)
    assert r.evpi >= -1e-7 * r.rp and r.vss >= -1e-7 * r.rp
    assert r.rp == pytest.approx(sum(p * u.cost for p, u in zip(r.probs, r.under_plan)), rel=1e-9)
    assert solve_stochastic(fs, "cvar", lam=0.0).objective_value == pytest.approx(r.rp, rel=1e-9)


@pytest.mark.slow
def test_reference_ai_futures_properties():
    fs = load_futures("data/futures/ai_demand.yaml")
    r = solve_stochastic(fs)
    assert r.evpi >= -1e-6 * r.rp and r.vss >= -1e-6 * r.rp
    assert solve_stochastic(fs, "cvar", lam=0.0).objective_value == pytest.approx(r.rp, rel=1e-9)
    ds = results_dataset(r, fs)
    # first-stage decisions identical across futures, as read back from each future's solve
    for f in ds["future"].values:  # clusters' racks and (local supply) the provinces' own racks
        np.testing.assert_allclose(ds["build_in_future"].sel(future=f), ds["build"], atol=1e-6)
        np.testing.assert_allclose(ds["local_build_in_future"].sel(future=f), ds["local_build"], atol=1e-6)


@pytest.mark.parametrize("futures, field, problem", [
    ([{"name": "a", "probability": 0.5}, {"name": "b", "probability": 0.4}], "futures", "sum to 0.9"),
    ([{"name": "a", "probability": -0.5}, {"name": "b", "probability": 1.5}], "futures.0.probability", "greater than or equal to 0"),
    ([], "futures", "empty"),
    ([{"name": "a", "probability": 1.0, "changes": {"demand.scael": 2}}], "futures[0].changes.demand.scael", "unknown setting"),
])
def test_bad_futures_one_line_error(tmp_path, futures, field, problem):
    p = _futures(tmp_path, futures)
    with pytest.raises(InputError) as e:
        load_futures(p)
    assert e.value.field == field and problem in e.value.problem
    assert str(e.value).startswith(str(p)) and "\n" not in str(e.value)


@pytest.mark.parametrize("futures, message", [
    ([{"name": "a", "probability": 0.7}], "field 'futures': probabilities sum to 0.7, not 1"),
    ([{"name": "a", "probability": -0.5}, {"name": "b", "probability": 1.5}],
     "field 'futures.0.probability': Input should be greater than or equal to 0"),
    ([], "field 'futures': the set of futures is empty"),
    ([{"name": "a", "probability": 1.0, "changes": {"demand.scael": 2}}],
     "field 'futures[0].changes.demand.scael': unknown setting (did you mean 'scale'? the levers are listed in README.md, "
     "Scenarios)"),
])
def test_cli_bad_futures_exit_code_2(tmp_path, futures, message):
    from typer.testing import CliRunner

    from model.cli import app
    p = _futures(tmp_path, futures)
    r = CliRunner().invoke(app, ["stochastic", str(p), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    assert r.output.strip() == f"error: {p}: {message}"
    assert not (tmp_path / "out").exists()


def test_cli_future_without_a_solution_is_one_line(tmp_path):
    """A future that cannot be served even on its own (strict mode, demand far beyond what can be
    built) is named in one line, exit 2, no traceback."""
    from typer.testing import CliRunner

    from model.cli import app
    p = _futures(tmp_path, [{"name": "ok", "probability": 0.5},
                            {"name": "impossible", "probability": 0.5,
                             "changes": {"policy.allow_unmet": False, "demand.scale": 100}}])
    r = CliRunner().invoke(app, ["stochastic", str(p), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert r.output.strip() == (f"error: {p}: field 'futures.impossible': has no solution on its own (strict mode or a "
                                "hard carbon budget may make it infeasible); solve it as a scenario to see the conflict")


def test_cli_writes_results_with_future_dimension(tmp_path):
    import xarray as xr
    from typer.testing import CliRunner

    from model.cli import app
    p = _futures(tmp_path, TWO)
    r = CliRunner().invoke(app, ["stochastic", str(p), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    ds = xr.open_dataset(tmp_path / "out" / "results.nc")
    assert list(ds["future"].values) == ["low", "high"]
    assert ds.attrs["VSS"] == pytest.approx(260_950.0, abs=1e-6)
    # the first stage as read back from each future's own solve (plan fixed) is the plan: 50 racks
    assert float(ds["build"].sum()) == pytest.approx(50.0, abs=1e-6)
    for f in ("low", "high"):
        np.testing.assert_allclose(ds["build_in_future"].sel(future=f), ds["build"], atol=1e-9)
    manifest = json.loads(ds.attrs["manifest"])
    assert [f["changes"] for f in manifest["futures"]] == [{"demand.scale": 0.5}, {"demand.scale": 1.0}]
    assert manifest["base_scenario"]["name"] == "tiny"
    assert manifest["dataset"] == str(tmp_path / "data") and len(manifest["dataset_fingerprint"]) >= 8
    # own optima build 50 (low) and 100 (high) racks: the plan's 50 are all robust, no hedge
    builds = (tmp_path / "out" / "builds.csv").read_text(encoding="utf-8").splitlines()
    assert builds[1].endswith(",0.005,0.0075,0.005,0.01,0.005,0.0,robust 稳健")
    # the workbook carries the answers in 亿元 (VSS 260,950 yuan = 0.0026095 亿元) and the manifest
    import openpyxl
    wb = openpyxl.load_workbook(tmp_path / "out" / "report.xlsx")
    answers = {r[0]: r[1] for r in wb["Answers 解答"].iter_rows(min_row=2, values_only=True)}
    assert answers["VSS value of the stochastic solution 随机解价值"] == pytest.approx(0.0026095, abs=1e-12)
    assert "Manifest" in wb.sheetnames
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script src=" not in html and html.count("plotly.js (cartesian - minified) v") == 1  # offline, plotly.js embedded once


def test_generated_futures_are_seeded_and_equally_likely(tmp_path):
    write_dataset(tmp_path / "data", CLUSTER, {"r1": {}}, {("r1", "w", 2026): 100.0})
    scenario_file(tmp_path, tmp_path / "data")
    doc = {"base": "s.yaml", "generate": {"n": 4, "seed": 7, "ranges": {"demand.scale": [0.5, 1.0]}}}
    a, b = futures_from_dict(doc, "f.yaml", tmp_path), futures_from_dict(doc, "f.yaml", tmp_path)
    assert [f.changes for f in a] == [f.changes for f in b]
    assert [f.probability for f in a] == [0.25] * 4
    # stratified: one value in each quarter of [0.5, 1.0]
    assert sorted(int((f.changes["demand.scale"] - 0.5) / 0.125) for f in a) == [0, 1, 2, 3]


def test_futures_that_change_the_index_are_refused(tmp_path):
    p = _futures(tmp_path, [{"name": "a", "probability": 0.5},
                            {"name": "b", "probability": 0.5, "changes": {"modular_builds": {"block_racks": 10}}}])
    with pytest.raises(InputError, match="numbers only") as e:
        solve_stochastic(load_futures(p))
    assert str(e.value).startswith(f"{p}: field 'futures': ")


@pytest.mark.slow
def test_cli_own_optima_through_the_batch_machinery(tmp_path):
    """--workers: each future's own optimum solved as a batch (Dask), same answers as in process."""
    import xarray as xr
    from typer.testing import CliRunner

    from model.cli import app
    p = _futures(tmp_path, TWO)
    r = CliRunner().invoke(app, ["stochastic", str(p), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert r.exit_code == 0, r.output
    ds = xr.open_dataset(tmp_path / "out" / "results.nc")
    assert ds.attrs["WS"] == pytest.approx(4_565_700.0, abs=1e-6)
    assert ds.attrs["EVPI"] == pytest.approx(978_100.0, abs=1e-6)
    np.testing.assert_allclose(ds["build_own_optimum"].sum("year"), [[50.0], [100.0]], atol=1e-6)
    in_process = results_dataset(solve_stochastic(load_futures(p)), load_futures(p))
    for v in ("cost_own_optimum", "emissions_own_optimum", "unmet_own_optimum"):
        np.testing.assert_allclose(ds[v], in_process[v], rtol=1e-9)
    combined = xr.open_dataset(tmp_path / "out" / "optima" / "combined.nc")
    assert list(combined["scenario_name"].values) == ["low", "high"]
    assert len(list((tmp_path / "out" / "optima" / "scenarios").glob("*/results.nc"))) == 2


@pytest.mark.slow
def test_progressive_hedging_reaches_the_extensive_form_plan(tmp_path):
    """mpi-sppy PH (one rank) over the same per-future models: its plan is the extensive form's,
    and its trivial bound (iteration 0, each future alone) is WS."""
    pytest.importorskip("mpisppy")
    from model.studies.stochastic.ph import cross_check
    clusters = {"a": dict(installed_racks=20.0, planned_racks=200.0, build_limit_racks_per_year=60.0,
                          capex_yuan_per_rack=30000.0, grid_price_yuan_per_kwh=0.3),
                "b": dict(installed_racks=0.0, planned_racks=200.0, build_limit_racks_per_year=80.0,
                          capex_yuan_per_rack=45000.0, grid_price_yuan_per_kwh=0.5)}
    ds = write_dataset(tmp_path / "data", clusters, {"r1": {}},
                       {("r1", "w", 2026): 60.0, ("r1", "w", 2027): 120.0}, settings={"years": [2026, 2027]})
    scenario_file(tmp_path, ds)
    p = tmp_path / "f.yaml"
    p.write_text(yaml.safe_dump({"base": "s.yaml", "futures": [
        {"name": "lo", "probability": 0.3, "changes": {"demand.scale": 0.5}},
        {"name": "mid", "probability": 0.4, "changes": {"demand.scale": 1.0}},
        {"name": "hi", "probability": 0.3, "changes": {"demand.scale": 1.5}}]}))
    ef = solve_stochastic(load_futures(p))
    r = cross_check(p, max_iterations=100, convergence=0.0)
    np.testing.assert_allclose(r["plan"]["build"], ef.plan["build"], atol=1e-3)
    assert r["RP"] == pytest.approx(ef.rp, rel=1e-12)
    assert r["gap"] == pytest.approx(0.0, abs=1e-9)
    assert r["trivial_bound"] == pytest.approx(ef.ws, rel=1e-9)


def test_bundled_futures_have_a_source_row_for_every_figure():
    from pathlib import Path

    import pandas as pd
    data = Path(__file__).resolve().parents[2] / "data"
    src = pd.read_csv(data / "sources.csv")
    for path in sorted((data / "futures").glob("*.yaml")):
        rel = f"futures/{path.name}"
        rows = src[src.file == rel].set_index(["field", "key"])["value"].astype(float)
        for f in yaml.safe_load(path.read_text(encoding="utf-8"))["futures"]:
            for field, value in {"probability": f["probability"], **f.get("changes", {})}.items():
                assert rows.get((field, f["name"])) == pytest.approx(value), (rel, field, f["name"])


def test_futures_file_is_read_strictly(tmp_path):
    """A key given twice, a YAML tag and a name with a newline are one-line errors, like a scenario's."""
    p = _futures(tmp_path, TWO)
    text = p.read_text()
    p.write_text(text + "base: s.yaml\n")
    with pytest.raises(InputError, match=r"given twice \(line \d+\)") as e:
        load_futures(p)
    assert e.value.field == "base" and "\n" not in str(e.value)
    p.write_text("base: !!python/object/apply:os.system [echo hi]\nfutures: []\n")
    with pytest.raises(InputError, match="YAML tags"):
        load_futures(p)
    p.write_text(yaml.safe_dump({"base": "s.yaml", "futures": [{"name": "a\nb", "probability": 1.0}]}))
    with pytest.raises(InputError, match="control characters") as e:
        load_futures(p)
    assert e.value.field == "futures.0.name"


def test_future_names_cannot_run_as_spreadsheet_formulas(tmp_path):
    import openpyxl
    from typer.testing import CliRunner

    from model.cli import app
    p = _futures(tmp_path, [{"name": '=HYPERLINK("http://x","y")', "probability": 1.0}])
    r = CliRunner().invoke(app, ["stochastic", str(p), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(tmp_path / "out" / "report.xlsx")["Futures 情景"]
    assert ws["A2"].value == '\'=HYPERLINK("http://x","y")' and ws["A2"].data_type == "s"
