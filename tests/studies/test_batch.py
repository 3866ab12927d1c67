"""Batch runs and sweeps: expansion, warm re-solves, and real Dask clusters (never mocked).

The Dask tests (marked slow) use a tiny two-cluster dataset, except the kill-a-worker test, which
needs solves slow enough to kill the worker in the middle (reference-sized scenarios).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from tiny import scenario_file, write_dataset
from typer.testing import CliRunner

from model.cli import app
from model.errors import InputError
from model.inputs.scenario import apply_changes, load_scenario
from model.reports import summary
from model.reports.files import read_results
from model.reports.kpis import kpi_row
from model.run import Planner
from model.studies.batch import chunks_for, is_done, make_jobs, run_batch, streams_for, sweep_order
from model.studies.sweep import expand, latin_hypercube

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "data" / "scenarios" / "reference.yaml"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "COLUMNS": "200"}


# ---------------------------------------------------------------- tiny data

@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """Two clusters (c1 east, c2 west with cheaper power and room to build), two regions, two years;
    scenario files: three good ones and two poisoned ones (unknown cluster, infeasible strict mode)."""
    root = tmp_path_factory.mktemp("tiny")
    ds = write_dataset(
        root / "data",
        clusters={"c1": {}, "c2": {"hub_id": "h_west", "grid_price_yuan_per_kwh": 0.05, "installed_racks": 50,
                                   "planned_racks": 300, "build_limit_racks_per_year": 100, "capex_yuan_per_rack": 1000}},
        regions={"r1": {}, "r2": {"lat": 40.0, "lon": 100.0}},
        demand={("r1", "w", 2026): 80, ("r2", "w", 2026): 60, ("r1", "w", 2027): 90, ("r2", "w", 2027): 80},
        settings={"years": [2026, 2027]})
    scenario_file(root, ds, {"name": "base"}, "base.yaml")
    scenario_file(root, ds, {"name": "more", "demand": {"scale": 1.5}}, "more.yaml")
    scenario_file(root, ds, {"name": "dear", "electricity_price_scale": 3.0, "carbon_price_yuan_per_t": 200}, "dear.yaml")
    scenario_file(root, ds, {"name": "bad_id", "clusters": {"nosuch": {"pue": 1.2}}}, "bad_id.yaml")
    scenario_file(root, ds, {"name": "strict", "demand": {"scale": 5}, "policy": {"allow_unmet": False}}, "strict.yaml")
    return root


def points(root: Path, names: list[str]):
    return [(n, load_scenario(root / f"{n}.yaml"), {"file": f"{n}.yaml"}) for n in names]


BATCH = ["base", "bad_id", "more", "strict", "dear"]  # poisoned scenarios in the middle


def read_index(out: Path, **kw) -> pd.DataFrame:
    return pd.read_csv(out / "index.csv", dtype={"name": str, "scenario_hash": str}, **kw)


@pytest.fixture(scope="module")
def local_batch(tiny, tmp_path_factory):
    """One real LocalCluster run (2 worker processes), full outputs with HTML."""
    out = tmp_path_factory.mktemp("batch") / "run"
    r = run_batch(points(tiny, BATCH), out, workers=2, outputs="full", html=True, lever_keys=["file"], progress=False)
    return out, r


# ---------------------------------------------------------------- sweep expansion (fast)

def test_grid_product_size_values_and_order():
    pts = expand(REFERENCE, ["carbon_price_yuan_per_t=0,100,300", "demand.scale=0.9,1.1",
                             "clusters.qingyang.pue=1.2", "policy.allow_unmet=true"])
    assert len(pts) == 3 * 2 * 1 * 1
    assert [(p.levers["carbon_price_yuan_per_t"], p.levers["demand.scale"]) for p in pts] == [
        (0, 0.9), (0, 1.1), (100, 0.9), (100, 1.1), (300, 0.9), (300, 1.1)]  # first --set slowest
    assert [p.name for p in pts] == [f"reference-{i:04d}" for i in range(1, 7)]
    p = pts[3]
    assert p.scenario.carbon_price_yuan_per_t == 100 and p.scenario.demand.scale == 1.1
    assert p.scenario.clusters["qingyang"].pue == 1.2 and p.scenario.policy.allow_unmet is True
    assert isinstance(p.levers["carbon_price_yuan_per_t"], int) and p.levers["policy.allow_unmet"] is True
    # every point hashes differently; the grouping keeps one model structure together
    jobs = make_jobs(pts)
    assert len({j.hash for j in jobs}) == 6
    assert [len(c) for c in chunks_for(jobs, 2)] == [1] * 6
    # a latency bound changes the model's structure: chunks keep each structure together
    lat = expand(REFERENCE, ["demand.scale=1,2", "latency_bounds_ms.interactive=10,none"])
    assert lat[1].scenario.latency_bounds_ms == {"interactive": "none"}
    chunks = chunks_for(make_jobs(lat), 1)
    assert [[j.levers["latency_bounds_ms.interactive"] for j in c] for c in chunks] == [[10], [10], ["none"], ["none"]]
    assert [j.levers["demand.scale"] for c in chunks for j in c] == [1, 2, 1, 2]


def test_sweep_order_steps_one_lever_at_a_time_and_streams_split_it():
    """3 carbon prices (given out of order) × 2 demand scales × 3 electricity scales = 18 points,
    solved in the reflected order: each point one step of one lever from the one before."""
    pts = expand(REFERENCE, ["carbon_price_yuan_per_t=300,0,100", "demand.scale=0.9,1.1",
                             "electricity_price_scale=0.8,1,1.2"])
    jobs = make_jobs(pts)
    order = sweep_order(jobs)
    assert sorted(j.name for j in order) == sorted(j.name for j in jobs)
    steps = {"carbon_price_yuan_per_t": [0, 100, 300], "demand.scale": [0.9, 1.1], "electricity_price_scale": [0.8, 1, 1.2]}
    for a, b in zip(order, order[1:]):
        moved = [k for k in steps if a.levers[k] != b.levers[k]]
        assert len(moved) == 1, (a.levers, b.levers)
        k = moved[0]
        assert abs(steps[k].index(a.levers[k]) - steps[k].index(b.levers[k])) == 1
    assert [tuple(j.levers.values()) for j in order[:7]] == [
        (0, 0.9, 0.8), (0, 0.9, 1), (0, 0.9, 1.2), (0, 1.1, 1.2), (0, 1.1, 1), (0, 1.1, 0.8), (100, 1.1, 0.8)]
    # two workers: two contiguous halves of that order, each cut into chunks of a quarter (3, 3, 3)
    streams = streams_for(jobs, 2)
    assert [[len(c) for c in s] for s in streams] == [[3, 3, 3], [3, 3, 3]]
    assert [j for s in streams for c in s for j in c] == order
    assert chunks_for(jobs, 2) == streams[0] + streams[1]


def test_lhs_reproducible_and_stratified():
    sets = ["carbon_price_yuan_per_t=0,500", "demand.scale=0.5,1.5", "policy.min_west_share=0.6"]
    a = expand(REFERENCE, sets, sample="lhs", n=20, seed=7)
    b = expand(REFERENCE, sets, sample="lhs", n=20, seed=7)
    c = expand(REFERENCE, sets, sample="lhs", n=20, seed=8)
    assert [p.levers for p in a] == [p.levers for p in b]
    assert [p.levers for p in a] != [p.levers for p in c]
    for key, lo, hi in (("carbon_price_yuan_per_t", 0, 500), ("demand.scale", 0.5, 1.5)):
        v = np.array([p.levers[key] for p in a])
        assert ((v >= lo) & (v <= hi)).all()
        bins = np.floor((v - lo) / (hi - lo) * 20).astype(int)
        assert sorted(bins) == list(range(20))  # each of the n bins hit exactly once
    assert all(p.levers["policy.min_west_share"] == 0.6 and p.scenario.policy.min_west_share == 0.6 for p in a)
    assert a[0].scenario.carbon_price_yuan_per_t == a[0].levers["carbon_price_yuan_per_t"]
    pts = latin_hypercube([("x", 2.0, 2.0)], 3, 0)
    assert [p["x"] for p in pts] == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("args, key", [
    (["--set", "demand.scael=0.9,1.1"], "demand.scael"),
    (["--set", "carbon_price=100"], "carbon_price"),
    (["--set", "clusters.nosuch.pue=1.2"], "clusters.nosuch"),
    (["--set", "clusters.qingyang.pue=9"], "clusters.qingyang.pue"),
    (["--set", "demand.scale"], "demand.scale"),
    (["--sample", "lhs", "--n", "5", "--set", "demand.scale=low,2"], "demand.scale"),
    (["--sample", "lhs", "--n", "5", "--set", "demand.scale=1,2,3"], "demand.scale"),
    (["--sample", "lhs", "--n", "5", "--set", "demand.scale=2,1"], "demand.scale"),
])
def test_bad_set_exits_2_naming_the_key(tmp_path, args, key):
    r = CliRunner().invoke(app, ["sweep", str(REFERENCE), *args, "--out", str(tmp_path / "o")], env={"COLUMNS": "200"})
    assert r.exit_code == 2, r.output
    err = r.stderr if hasattr(r, "stderr") else r.output
    assert err.startswith("error: ") and key in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_bad_set_message_from_the_api():
    with pytest.raises(InputError) as e:
        expand(REFERENCE, ["policy.min_west_share=1.5"])
    assert e.value.field == "policy.min_west_share" and "--set" in e.value.file


# ---------------------------------------------------------------- warm = cold (fast, no Dask)

def test_warm_resolve_matches_cold_solve():
    base = load_scenario(REFERENCE)
    p = Planner()
    p.solve(base)
    for changes in ({"carbon_price_yuan_per_t": 300, "demand.scale": 1.2},
                    {"electricity_price_scale": 1.3, "policy.min_west_share": 0.5, "clusters.qingyang.pue": 1.15},
                    {"outages": [{"cluster": "shaoguan", "years": [2028]}], "demand.scale": 0.9}):
        sc = apply_changes(base, changes)
        warm = p.solve(sc)
        assert json.loads(warm.attrs["manifest"])["warm_start"] is True
        cold = Planner().solve(sc)
        assert warm.attrs["status"] == cold.attrs["status"] == "optimal"
        w, c = warm.attrs["objective"], cold.attrs["objective"]
        assert abs(w - c) <= 1e-7 * abs(c), changes
        # the index KPIs (read with numpy) agree with the same figures computed with xarray
        k = kpi_row(warm)
        assert k == summary(warm)["kpis"]
        assert k["emissions_tco2"] == pytest.approx(float(warm["total_emissions_t"].sum()), rel=1e-12)
        assert k["unmet_rack_years"] == pytest.approx(float(warm["unmet"].sum()), rel=1e-12, abs=1e-9)
        assert k["utilisation_mean"] == pytest.approx(float(warm["load"].sum() / warm["capacity"].sum()), rel=1e-12)
        served = warm["served"].sum("region")
        for w in warm.workload.values:
            if float(served.sel(workload=w).sum()) == 0:  # the class runs outside the clusters (issue 18: the market)
                assert k[f"latency_{w}_ms"] is None
                continue
            lat = float((warm["latency_weighted_ms"].sel(workload=w) * served.sel(workload=w)).sum() / served.sel(workload=w).sum())
            assert k[f"latency_{w}_ms"] == pytest.approx(lat, rel=1e-12)
        for t in warm.cost_term.values:
            assert k[f"cost_{t}"] == float(warm["cost"].sel(cost_term=t))


# ---------------------------------------------------------------- a real LocalCluster

@pytest.mark.slow
def test_local_cluster_combined_equals_per_scenario_results(local_batch):
    out, r = local_batch
    comb = xr.load_dataset(out / "combined.nc", engine="h5netcdf")
    idx = read_index(out)
    ok = idx[idx["ok"]]
    assert list(comb.scenario.values) == list(ok["name"]) == ["base", "more", "dear"]
    assert list(comb["file"].values) == ["base.yaml", "more.yaml", "dear.yaml"]
    for row in ok.itertuples():
        res = read_results(out / row.dir / "results.nc")
        one = comb.sel(scenario=row.name)
        n = 0
        for v in comb.data_vars:
            if v in res.data_vars and set(comb[v].dims) - {"scenario"} == set(res[v].dims):
                a, b = one[v].transpose(*res[v].dims).values, res[v].values
                assert a.shape == b.shape and np.array_equal(a, b, equal_nan=True), v
                n += 1
        assert n >= 15
        for v in ("allocation", "unmet", "build", "capacity", "load", "utilisation", "emissions_t", "cost"):
            assert v in comb.data_vars
        s = json.loads((out / row.dir / "summary.json").read_text())
        assert float(one["objective"]) == s["objective"] == row.objective
        assert float(one["emissions_tco2"]) == pytest.approx(s["emissions_tco2"], rel=1e-12)
        html = (out / row.dir / "report.html").read_text()
        assert "<script src=" not in html and "plotly" in html  # offline, plotly.js embedded
    assert (out / "index.parquet").is_file() and (out / "summary.csv").is_file()
    assert len(pd.read_parquet(out / "index.parquet")) == 5


@pytest.mark.slow
def test_poisoned_scenarios_recorded_and_others_succeed(local_batch):
    out, r = local_batch
    idx = read_index(out, keep_default_na=False).set_index("name")
    assert list(idx.index) == BATCH
    assert idx.loc[["base", "more", "dear"], "ok"].all() and (idx.loc[["base", "more", "dear"], "status"] == "optimal").all()
    assert not idx.loc["bad_id", "ok"] and "unknown cluster id" in idx.loc["bad_id", "error"]
    assert "clusters.nosuch" in idx.loc["bad_id", "error"]
    assert not idx.loc["strict", "ok"] and idx.loc["strict", "status"] == "infeasible"
    assert "strict mode" in idx.loc["strict", "error"]
    for name in ("bad_id", "strict"):
        rec = json.loads((out / idx.loc[name, "dir"] / "run.json").read_text())
        assert rec["ok"] is False and rec["error"] == idx.loc[name, "error"]
    assert r.counts["ok"] == 3 and r.counts["failed"] == 2 and r.counts["warm"] + r.counts["cold"] == 3


@pytest.mark.slow
def test_rerun_skips_done_scenarios(local_batch, tiny):
    out, first = local_batch
    done = {h: (out / "scenarios" / h / "run.json").stat().st_mtime_ns
            for h in first.index.loc[first.index["ok"], "scenario_hash"]}
    r = run_batch(points(tiny, BATCH), out, workers=1, outputs="full", html=True, lever_keys=["file"], progress=False)
    idx = r.index.set_index("name")
    assert idx.loc[["base", "more", "dear"], "reused"].all() and not idx.loc[["bad_id", "strict"], "reused"].any()
    assert r.counts["solved"] == 0 and r.counts["reused"] == 3 and r.counts["failed"] == 2  # failures retried
    assert {h: (out / "scenarios" / h / "run.json").stat().st_mtime_ns for h in done} == done


@pytest.mark.slow
def test_compare_batch_and_single_solve(local_batch, tiny, tmp_path):
    from openpyxl import load_workbook

    from model.reports.compare import kpi_frame
    from model.reports.files import write_outputs
    from model.reports.kpis import label
    from model.run import solve_scenario
    from model.studies.batch.compare import kpi_header, load_entries

    out, _ = local_batch
    single = tmp_path / "single"
    res = solve_scenario(load_scenario(tiny / "dear.yaml"))
    write_outputs(res, single)
    r = CliRunner().invoke(app, ["compare", str(single), str(out), "--out", str(tmp_path / "cmp")])
    assert r.exit_code == 0, r.output
    wb = load_workbook(tmp_path / "cmp" / "compare.xlsx", read_only=True)
    assert {"KPIs 指标", "Allocation diff 分配差异", "Allocation 分配"} <= set(wb.sheetnames)
    kpis = pd.read_excel(tmp_path / "cmp" / "compare.xlsx", sheet_name="KPIs 指标").set_index("情景 Scenario")
    assert list(kpis.index) == ["dear [single]", "base", "more", "dear [run]"]
    # sources relative to the folder they share: no machine path
    assert {Path(s).name for s in kpis["来源 Source"]} == {"single", "run"}
    assert not any(Path(s).is_absolute() or str(tmp_path) in s for s in kpis["来源 Source"])
    # the single solve's KPIs match model.reports.compare.kpi_frame on the same results, in the
    # catalogue's planner units (亿元, MtCO2, 万架·年, %)
    ref = kpi_frame({"dear": res}).iloc[0]
    for c in ("objective", "emissions_tco2", "unmet_rack_years", "cost_electricity", "utilisation_mean"):
        head, factor = kpi_header(c)[0], label(c)[2].factor
        assert kpis.loc["dear [single]", head] == pytest.approx(ref[c] / factor, rel=1e-12)
        assert kpis.loc["dear [run]", head] == pytest.approx(ref[c] / factor, rel=1e-9)  # same scenario, solved in the batch
    assert "总成本 total cost (objective) (亿元)" in kpis.columns
    from model.reports.compare import allocation_difference
    from model.studies.batch.compare import allocation_differences

    entries = load_entries([single, out])
    fast = allocation_differences(entries)  # one numpy pass; must equal model.reports.compare pair by pair
    for e in entries:
        ref = allocation_difference(entries[0].res, e.res)
        got = fast[fast["scenario"] == e.label].drop(columns="scenario").reset_index(drop=True)
        pd.testing.assert_frame_equal(got[ref.columns], ref, check_dtype=False)
    diff = pd.read_excel(tmp_path / "cmp" / "compare.xlsx", sheet_name="Allocation diff 分配差异")
    assert (diff.loc[diff["情景 Scenario"] == "dear [single]", "差异 Difference (架)"] == 0).all()
    assert diff.loc[diff["情景 Scenario"] == "more", "差异 Difference (架)"].abs().sum() > 0
    html = (tmp_path / "cmp" / "compare.html").read_text()
    assert "<script src=" not in html and html.count("plotly.js (cartesian - minified) v") == 1  # embedded once, offline
    assert "Allocation difference" in html and "dear [run]" in html
    assert len(load_entries([out])) == 3


# ---------------------------------------------------------------- external scheduler + workers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True, env=ENV)


def stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)


@pytest.fixture
def scheduler(tmp_path):
    port = free_port()
    procs: list[subprocess.Popen] = []
    sched = start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                  tmp_path / "scheduler.log")
    procs.append(sched)
    addr = f"tcp://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)

    def worker() -> subprocess.Popen:
        w = start([str(BIN / "dask"), "worker", addr, "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                  tmp_path / f"worker{len(procs)}.log")
        procs.append(w)
        return w

    yield addr, worker
    for p in reversed(procs):
        stop(p)


@pytest.mark.slow
def test_batch_through_an_existing_scheduler(scheduler, tiny, tmp_path):
    addr, worker = scheduler
    worker()
    out = tmp_path / "ext"
    files = [str(tiny / f"{n}.yaml") for n in ("base", "more", "dear")]
    r = subprocess.run([str(BIN / "hubplan"), "batch", *files, "--out", str(out), "--scheduler", addr,
                        "--outputs", "lean", "-q"], capture_output=True, text=True, timeout=300, env=ENV)
    assert r.returncode == 0, r.stderr
    idx = read_index(out)
    assert idx["ok"].all() and list(idx["name"]) == ["base", "more", "dear"]
    assert idx["worker"].nunique() == 1 and idx["warm_start"].sum() == 2  # one worker: cold, then warm
    comb = xr.load_dataset(out / "combined.nc", engine="h5netcdf")
    assert comb.sizes["scenario"] == 3 and "allocation" in comb
    assert not (out / "scenarios" / idx["scenario_hash"][0] / "results.nc").exists()  # lean


@pytest.mark.slow
def test_killed_worker_loses_nothing_and_rerun_completes(scheduler, tmp_path):
    addr, worker = scheduler
    w = worker()
    out = tmp_path / "kill"
    n = 40
    cmd = [str(BIN / "hubplan"), "sweep", str(REFERENCE), "--set",
           "carbon_price_yuan_per_t=" + ",".join(str(10 * i) for i in range(n)),
           "--out", str(out), "--scheduler", addr, "--outputs", "lean", "-q"]
    jobs = make_jobs(expand(REFERENCE, [cmd[4]]))

    def done() -> set[str]:
        return {j.hash for j in jobs if is_done(out / "scenarios" / j.hash, "lean", False)}

    client = start(cmd, tmp_path / "client1.log")
    try:
        deadline = time.time() + 240
        while not done() and time.time() < deadline and client.poll() is None:
            time.sleep(0.02)
        os.killpg(w.pid, signal.SIGKILL)  # the worker (and its nanny) die mid-batch
        w.wait(10)
        time.sleep(1.0)
        assert client.poll() is None, "the batch finished before the worker was killed"
    finally:
        stop(client)  # the client waits for a worker that never comes: stop it
    before = done()
    assert 0 < len(before) < n
    for h in before:  # every finished scenario is complete and readable
        assert json.loads((out / "scenarios" / h / "run.json").read_text())["ok"] is True
    mtimes = {h: (out / "scenarios" / h / "arrays.npz").stat().st_mtime_ns for h in before}

    worker()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=ENV)
    assert r.returncode == 0, r.stderr
    idx = read_index(out)
    assert len(idx) == n and idx["ok"].all() and done() == {j.hash for j in jobs}
    assert set(idx.loc[idx["reused"], "scenario_hash"]) == before  # skipped, not recomputed
    assert {h: (out / "scenarios" / h / "arrays.npz").stat().st_mtime_ns for h in before} == mtimes
    assert not list((out / "scenarios").glob(".tmp-*"))
    assert xr.open_dataset(out / "combined.nc", engine="h5netcdf").sizes["scenario"] == n


@pytest.mark.slow
def test_local_cluster_survives_a_crashed_worker(tmp_path):
    """The worker process dies mid-chunk (SIGKILL; with allowed-failures=0 Dask gives up on that
    chunk at once): its unfinished scenarios are resubmitted one by one to the restarted worker,
    the finished ones are kept, and the batch completes."""
    import threading

    import dask
    import psutil

    pts = expand(REFERENCE, ["carbon_price_yuan_per_t=" + ",".join(str(10 * i) for i in range(30))])
    jobs = make_jobs(pts)
    out = tmp_path / "crash"
    box: dict = {}

    def done() -> set[str]:
        return {j.hash for j in jobs if is_done(out / "scenarios" / j.hash, "lean", False)}

    def run():
        box["r"] = run_batch(pts, out, workers=1, outputs="lean", html=False,
                             lever_keys=["carbon_price_yuan_per_t"], progress=False)

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        t = threading.Thread(target=run)
        t.start()
        deadline = time.time() + 240
        while not done() and time.time() < deadline and t.is_alive():
            time.sleep(0.02)
        workers = [p for p in psutil.Process().children(recursive=True)
                   if "spawn_main" in " ".join(p.cmdline()) and "resource_tracker" not in " ".join(p.cmdline())]
        assert len(workers) == 1
        before = done()
        workers[0].kill()
        t.join(300)
    assert not t.is_alive()
    r = box["r"]
    assert 0 < len(before) < 30
    assert r.counts["ok"] == 30 and r.counts["failed"] == 0
    idx = r.index.set_index("scenario_hash")
    assert idx["worker"].nunique() == 2  # the killed worker and its replacement
    first = idx.loc[sorted(before), "worker"]
    assert (first == first.iloc[0]).all()  # finished before the crash: kept, not solved again


# ---------------------------------------------------------------- input files in the hash (issue 14)

def _matrix(path: Path, c2_ms: float) -> Path:
    """Measured latency: c1 5 ms from both regions, c2 ``c2_ms``."""
    pd.DataFrame({"region_id": ["r1", "r2"], "c1": [5.0, 5.0], "c2": [c2_ms, c2_ms]}).to_csv(path, index=False)
    return path


def _own_copy(dataset: Path, folder: Path) -> Path:
    """The dataset copied into ``folder``: a scenario may only use files in its own folder or data/."""
    if not (folder / "data").exists():
        shutil.copytree(dataset, folder / "data")
    return folder / "data"


def _matrix_scenarios(tiny: Path, tmp: Path) -> dict[str, Path]:
    """Same levers, 10 ms bound: with matrix A (c2 at 5 ms) the cheap western cluster serves,
    with B (c2 at 50 ms) it cannot. 'a_copy' names a byte-identical copy of A under another path,
    'a_twin' has A's content under another file and scenario name."""
    ds = _own_copy(tiny / "data", tmp)
    _matrix(tmp / "A.csv", 5.0)
    _matrix(tmp / "B.csv", 50.0)
    _matrix(tmp / "A_copy.csv", 5.0)
    body = {"latency_bounds_ms": {"w": 10.0}}
    files = {n: scenario_file(tmp, ds, {"name": f"lat_{n}", **body, "latency_matrix": str(tmp / m)}, f"{n}.yaml")
             for n, m in (("a", "A.csv"), ("b", "B.csv"), ("a_copy", "A_copy.csv"))}
    files["a_twin"] = scenario_file(tmp, ds, {"name": "lat_a_twin", **body, "latency_matrix": str(tmp / "A.csv")},
                                    "a_twin.yaml")
    return files


def test_scenario_hash_follows_the_content_of_named_files(tiny, tmp_path):
    """Issue 14: the hash held the matrix's *path* only, so two matrices under one YAML, or an edited
    matrix, reused a stale result. Now content counts and the path does not."""
    files = _matrix_scenarios(tiny, tmp_path)
    h = {j.name: j.hash for j in make_jobs([(n, load_scenario(p), {}) for n, p in files.items()])}
    assert h["a"] != h["b"]
    assert h["a"] == h["a_copy"] == h["a_twin"]  # same content: same result folder
    _matrix(tmp_path / "A.csv", 7.0)  # edit the matrix in place
    h2 = {j.name: j.hash for j in make_jobs([(n, load_scenario(p), {}) for n, p in files.items()])}
    assert h2["a"] != h["a"] and h2["a_copy"] == h["a_copy"] and h2["b"] == h["b"]
    (tmp_path / "A.csv").unlink()
    h3 = {j.name: j.hash for j in make_jobs([(n, load_scenario(p), {}) for n, p in files.items()])}
    assert h3["a"] not in (h["a"], h2["a"], h3["b"])  # unreadable: its own folder, the worker reports why
    # the case: one YAML text (relative matrix path) in two folders with different matrices
    same = []
    for d, ms in (("x", 5.0), ("y", 50.0)):
        (tmp_path / d).mkdir()
        _matrix(tmp_path / d / "latency.csv", ms)
        _own_copy(tiny / "data", tmp_path / d)
        same.append(scenario_file(tmp_path / d, Path("data"), {"latency_matrix": "latency.csv"}))  # both relative
    assert same[0].read_text() == same[1].read_text()
    hx, hy = (j.hash for j in make_jobs([(str(p), load_scenario(p), {}) for p in same]))
    assert hx != hy


@pytest.mark.slow
def test_batch_with_two_matrices_edited_matrix_and_twin_files(tiny, tmp_path):
    """Batch objectives equal single solves for two matrices; editing a matrix re-solves only the
    scenarios that name it; two files with the same content get a row each, one folder."""
    from model.run import solve_scenario

    files = _matrix_scenarios(tiny, tmp_path)
    pts = lambda: [(n, load_scenario(p), {"file": p.name}) for n, p in files.items()]  # noqa: E731
    alone = {n: float(solve_scenario(load_scenario(p)).attrs["objective"]) for n, p in files.items()}
    assert alone["a"] != pytest.approx(alone["b"], rel=1e-6)
    out = tmp_path / "run"
    r = run_batch(pts(), out, workers=1, outputs="lean", lever_keys=["file"], progress=False)
    idx = r.index.set_index("file")
    assert list(idx.index) == ["a.yaml", "b.yaml", "a_copy.yaml", "a_twin.yaml"]
    assert list(idx["name"]) == ["a", "b", "a_copy", "a_twin"]
    assert idx["ok"].all() and r.counts["unique"] == 2
    assert idx.loc["a.yaml", "dir"] == idx.loc["a_copy.yaml", "dir"] == idx.loc["a_twin.yaml", "dir"] != idx.loc["b.yaml", "dir"]
    for n in files:
        assert idx.loc[f"{n}.yaml", "objective"] == pytest.approx(alone[n], rel=1e-9)

    _matrix(tmp_path / "A.csv", 50.0)  # A now equals B: 'a' and 'a_twin' must follow it
    r2 = run_batch(pts(), out, workers=1, outputs="lean", lever_keys=["file"], progress=False)
    idx2 = r2.index.set_index("file")
    assert idx2.loc["a.yaml", "dir"] == idx2.loc["b.yaml", "dir"] == idx2.loc["a_twin.yaml", "dir"]
    assert idx2.loc["a.yaml", "objective"] == pytest.approx(alone["b"], rel=1e-9)
    assert idx2.loc["a_copy.yaml", "objective"] == pytest.approx(alone["a_copy"], rel=1e-9)
    assert idx2["reused"].all() and r2.counts["solved"] == 0  # both contents were solved before


@pytest.mark.slow
def test_ctrl_c_then_rerun_loses_nothing(tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) mid-batch: one line,
    exit 130, finished scenarios kept; a leftover scenarios/.tmp-* folder (a worker stopped
    mid-write) is removed by the next run, which solves only what is missing."""
    out = tmp_path / "sigint"
    n = 8
    cmd = [str(BIN / "hubplan"), "sweep", str(REFERENCE), "--set",
           "carbon_price_yuan_per_t=" + ",".join(str(10 * i) for i in range(n)),
           "--out", str(out), "--workers", "1", "--outputs", "lean", "-q"]
    jobs = make_jobs(expand(REFERENCE, [cmd[4]]))

    def done() -> set[str]:
        return {j.hash for j in jobs if is_done(out / "scenarios" / j.hash, "lean", False)}

    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, env=ENV)
    deadline = time.time() + 240
    while len(done()) < 2 and time.time() < deadline and p.poll() is None:
        time.sleep(0.02)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert err.splitlines() == [f"interrupted: finished scenarios are kept in {out}/scenarios; "
                                "run the same command again to resume"], err
    before = done()
    assert 2 <= len(before) < n
    mtimes = {h: (out / "scenarios" / h / "arrays.npz").stat().st_mtime_ns for h in before}
    (out / "scenarios" / ".tmp-0123456789abcdef-1-deadbeef").mkdir()  # as a worker stopped mid-write leaves it

    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=ENV)
    assert r.returncode == 0, r.stderr
    idx = read_index(out)
    assert len(idx) == n and idx["ok"].all() and done() == {j.hash for j in jobs}
    assert set(idx.loc[idx["reused"], "scenario_hash"]) == before  # kept, not solved again
    assert {h: (out / "scenarios" / h / "arrays.npz").stat().st_mtime_ns for h in before} == mtimes
    assert not list((out / "scenarios").glob(".tmp-*"))
    assert xr.open_dataset(out / "combined.nc", engine="h5netcdf").sizes["scenario"] == n


@pytest.fixture
def dask_default_port_taken():
    """Port 8787 (Dask's default for the scheduler's HTTP routes) held by someone else, as on a
    machine with another cluster running: the batch's messages must stay one line each."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 8787))
        s.listen()
    except OSError:
        pass  # already taken: the situation the fixture stands for
    yield
    s.close()


@pytest.mark.slow
def test_schema_invalid_file_in_the_list_is_recorded_and_the_rest_run(tiny, tmp_path, dask_default_port_taken):
    broken = tiny / "broken.yaml"
    broken.write_text("name: broken\ndemand:\n  scale: true\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"  # not a latency matrix: its text must not reach index.csv/run.json
    secret.write_text("API_TOKEN=hunter2-SECRET\n", encoding="utf-8")
    leak = tmp_path / "leak.yaml"
    leak.write_text(f"name: leak\ndataset: {_own_copy(tiny / 'data', tmp_path)}\nlatency_matrix: {secret}\n",
                    encoding="utf-8")
    out = tmp_path / "mixed"
    files = [str(tiny / "base.yaml"), str(broken), str(tiny / "more.yaml"), str(leak)]
    r = subprocess.run([str(BIN / "hubplan"), "batch", *files, "--out", str(out), "--outputs", "lean",
                        "--workers", "1", "-q"], capture_output=True, text=True, timeout=300, env=ENV)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    msg = f"{broken}: field 'demand.scale': expected a number, not true/false"
    leaked = f"{secret}: field 'region_id': column 1 must be region_id (then one column per cluster id)"
    idx = read_index(out, keep_default_na=False)
    assert r.stderr.splitlines() == [f"failed: broken [{idx['scenario_hash'][1]}]: {msg}",
                                     f"failed: leak [{idx['scenario_hash'][3]}]: {leaked}"]
    assert list(idx["name"]) == ["base", "broken", "more", "leak"]
    assert list(idx["status"]) == ["optimal", "invalid", "optimal", "error"]
    assert list(idx["error"]) == ["", msg, "", leaked]
    assert json.loads((out / idx["dir"][1] / "run.json").read_text())["error"] == msg
    assert json.loads((out / idx["dir"][3] / "run.json").read_text())["error"] == leaked
    for f in ("index.csv", "summary.csv", "batch.json", idx["dir"][3] + "/run.json"):
        assert "hunter2" not in (out / f).read_text(encoding="utf-8"), f
    assert xr.open_dataset(out / "combined.nc", engine="h5netcdf").sizes["scenario"] == 2


@pytest.mark.slow
def test_kpis_outputs_are_the_lean_runs_headline(tiny, tmp_path):
    """--outputs kpis: each scenario's folder holds run.json alone, with the headline KPIs taken
    straight from the solution arrays (no results Dataset); they equal the lean run's kpi_row
    columns; combined.nc holds the scalar KPIs; a re-run reuses every folder."""
    pts = points(tiny, ["base", "more", "dear", "bad_id"])
    fast = run_batch(pts, tmp_path / "kpis", workers=1, outputs="kpis", lever_keys=["file"], progress=False)
    lean = run_batch(pts, tmp_path / "lean", workers=1, outputs="lean", lever_keys=["file"], progress=False)
    a, b = fast.index.set_index("file"), lean.index.set_index("file")
    assert list(a["ok"]) == list(b["ok"]) == [True, True, True, False]
    keys = [c for c in a.columns if c.startswith("cost_")] + ["objective", "emissions_tco2", "unmet_rack_years",
                                                               "served_rack_years", "built_racks", "utilisation_mean"]
    for f in ("base.yaml", "more.yaml", "dear.yaml"):
        for k in keys:
            assert a.loc[f, k] == pytest.approx(b.loc[f, k], rel=1e-9, abs=1e-6), (f, k)
        assert sorted(p.name for p in (tmp_path / "kpis" / a.loc[f, "dir"]).iterdir()) == ["run.json"]
    with xr.open_dataset(tmp_path / "kpis" / "combined.nc") as ds:
        np.testing.assert_allclose(ds["objective"].values, a.loc[["base.yaml", "more.yaml", "dear.yaml"], "objective"])
    again = run_batch(pts, tmp_path / "kpis", workers=1, outputs="kpis", lever_keys=["file"], progress=False)
    assert again.counts["reused"] == 3 and again.counts["solved"] == 0


@pytest.mark.slow
def test_local_workers_keep_glibcs_malloc_tuning(monkeypatch):
    """Dask gives its workers MALLOC_TRIM_THRESHOLD_=65536, which also stops glibc adapting its mmap
    threshold: every array over 128 kB is then mapped and unmapped afresh (~15 % more CPU per warm
    answer). The batch's local workers run without it; the other worker settings stay."""
    from model.studies.batch import open_client

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)  # a cluster started earlier in this process leaves it
    client, cluster = open_client(1, None)
    try:
        env = next(iter(client.run(lambda: {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")}).values()))
    finally:
        client.close()
        cluster.close()
    assert env == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1"}
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ  # nor set in this process on the way
