"""The workspace (model/workspace): saved scenarios and solved runs in SQLite and in a real
PostgreSQL server; two writers at once; corrupted and foreign databases; the CLI registering
solve, batch, sweep and stochastic runs. Real HiGHS solves on the tiny dataset (tests/tiny.py)."""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
from tiny import scenario_file, write_dataset
from typer.testing import CliRunner

from model.cli import app as cli
from model.inputs.scenario import load_scenario, scenario_to_yaml
from model.reports.kpis import kpi_row
from model.run import solve_scenario
from model.workspace import RunRecord, ScenarioRecord, Workspace, WorkspaceError

ROOT = Path(__file__).resolve().parents[2]
PG_ENV = "HUBPLAN_TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


# -- a real PostgreSQL server: $HUBPLAN_TEST_POSTGRES_URL (.ci/run starts one), else a throwaway one --
@pytest.fixture(scope="session")
def pg_server():
    url = os.environ.get(PG_ENV)
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="hubplan-pg-"))  # not under pytest's private tmp: the server's user reads it
    started = subprocess.run([str(ROOT / ".ci" / "postgres"), "start", str(folder)], capture_output=True, text=True)
    if started.returncode:
        reason = f"no PostgreSQL server: set {PG_ENV} or install postgresql ({started.stderr.strip()})"
        if IN_CI:
            pytest.fail(reason + " — CI must run the PostgreSQL tests (.ci/run starts a server)")
        pytest.skip(reason)
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(ROOT / ".ci" / "postgres"), "stop", str(folder)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh database on the server for one test (dropped afterwards)."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"hubplan_t_{uuid.uuid4().hex[:10]}"
    admin = make_url(pg_server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def where(request, tmp_path):
    return str(tmp_path / "work.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")


# -- tiny data, solved once ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    ds = write_dataset(
        root / "data",
        clusters={"c1": {}, "c2": {"hub_id": "h_west", "grid_price_yuan_per_kwh": 0.05, "installed_racks": 50,
                                   "planned_racks": 300, "build_limit_racks_per_year": 100, "capex_yuan_per_rack": 1000}},
        regions={"r1": {}, "r2": {"lat": 40.0, "lon": 100.0}},
        demand={("r1", "w", 2026): 80, ("r2", "w", 2026): 60, ("r1", "w", 2027): 90, ("r2", "w", 2027): 80},
        settings={"years": [2026, 2027]})
    scenario_file(root, ds, {"name": "base"}, "base.yaml")
    scenario_file(root, ds, {"name": "dear", "electricity_price_scale": 3.0, "carbon_price_yuan_per_t": 200}, "dear.yaml")
    return root


@pytest.fixture(scope="module")
def solved(tiny, tmp_path_factory):
    """(scenario, results, results.nc bytes) of the tiny base scenario."""
    from model.reports.files import netcdf_bytes

    sc = load_scenario(tiny / "base.yaml")
    res = solve_scenario(sc)
    return sc, res, netcdf_bytes(res)


def records(sc, res, nc: bytes | None, name: str | None = None, parent: int | None = None):
    return (ScenarioRecord(scenario_to_yaml(sc), res.attrs["scenario_hash"], sc.name, name=name, parent_id=parent),
            RunRecord("app", res.attrs["status"], float(res.attrs["objective"]), kpi_row(res), results=nc))


# -- saving and reading back ----------------------------------------------------------------------
def test_a_saved_run_reopens_without_solving(where, solved):
    sc, res, nc = solved
    saved = Workspace(where).save(*records(sc, res, nc, name="基准 plan A"))
    assert (saved.name, saved.scenario_reused, saved.run_reused) == ("基准 plan A", False, False)
    ws = Workspace(where)  # a new connection: what was committed is there
    back = ws.results(saved.run_id)
    assert back.attrs["scenario_hash"] == res.attrs["scenario_hash"]
    assert float(back.attrs["objective"]) == pytest.approx(float(res.attrs["objective"]), rel=1e-12)
    np.testing.assert_allclose(back["allocation"].values, res["allocation"].values)
    assert bool(back["admissible"].values.all()) == bool(res["admissible"].values.all())  # booleans restored
    run = ws.run(saved.run_id)
    assert run["scenario"] == "基准 plan A" and run["scenario_name"] == "base" and run["has_results"]
    assert run["kpis"]["objective"] == pytest.approx(float(res.attrs["objective"]))
    assert run["kpis"]["scenario_hash"] == res.attrs["scenario_hash"]
    assert load_scenario_text(run["yaml"], sc.base_dir).model_dump() == sc.model_dump()
    runs = ws.runs()
    assert list(runs["id"]) == [saved.run_id] and list(runs["scenario"]) == ["基准 plan A"]
    assert bool(runs["has_results"].iloc[0]) and runs["source"].iloc[0] == "app"


def load_scenario_text(text: str, base_dir: str = "."):
    """The saved YAML read back as from its own folder (paths are confined to it or to data/)."""
    from model.inputs.scenario import parse_scenario_text

    return parse_scenario_text(text, base_dir=base_dir)


def test_names_parents_and_idempotent_saves(where, solved):
    sc, res, nc = solved
    ws = Workspace(where)
    a = ws.save(*records(sc, res, nc, name="plan"))
    again = ws.save(*records(sc, res, nc, name="plan"))  # the same scenario and results: kept once
    assert (again.scenario_id, again.run_id, again.scenario_reused, again.run_reused) == (a.scenario_id, a.run_id, True, True)
    other = sc.model_copy(update={"carbon_price_yuan_per_t": 300.0})
    b = ws.save(ScenarioRecord(scenario_to_yaml(other), "another-hash", other.name, name="plan", parent_id=a.scenario_id))
    c = ws.save(ScenarioRecord(scenario_to_yaml(other), "third-hash", other.name, name="plan", parent_id=a.scenario_id))
    assert (b.name, c.name) == ("plan #2", "plan #3") and b.run_id is None
    table = ws.scenarios().set_index("name")
    assert table.loc["plan #2", "parent"] == "plan" and table.loc["plan", "runs"] == 1 and table.loc["plan #3", "runs"] == 0
    with pytest.raises(WorkspaceError, match="parent scenario 999 is not in the workspace"):
        ws.save(ScenarioRecord("name: x\n", "h", "x", parent_id=999))
    with pytest.raises(WorkspaceError, match="needs a name"):
        ws.save(ScenarioRecord("name: x\n", "h", "  "))


def test_two_writers_at_once_never_overwrite_each_other(where):
    """Two sessions (own engines and connections) save 15 different scenarios each under one
    name at the same moment: 30 rows, 30 distinct names, every YAML as its writer saved it."""
    writers, per = 2, 15
    spaces = [Workspace(where) for _ in range(writers)]
    start, errors = threading.Barrier(writers), []

    def write(i: int):
        try:
            start.wait()
            for k in range(per):
                spaces[i].save(ScenarioRecord(f"name: w{i}-{k}\n", f"h{i}-{k}", f"w{i}-{k}", name="shared name"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    table = Workspace(where).scenarios()
    assert len(table) == writers * per
    assert set(table["name"]) == {"shared name", *(f"shared name #{n}" for n in range(2, writers * per + 1))}
    ws = Workspace(where)
    assert {ws.scenario(i)["yaml"] for i in table["id"]} == {f"name: w{i}-{k}\n" for i in range(writers) for k in range(per)}


WRITER = """
import sys, time
from model.workspace import ScenarioRecord, Workspace
ws = Workspace(sys.argv[1])
while time.time() < float(sys.argv[3]):  # start together
    time.sleep(0.01)
for k in range(10):
    ws.save(ScenarioRecord(f"name: {sys.argv[2]}-{k}\\n", f"{sys.argv[2]}-{k}", "x", name="shared name"))
"""


@pytest.mark.slow
def test_two_processes_writing_at_once(where):
    """As a CLI batch and an app server would: two processes, one name, 10 saves each."""
    import sys
    import time

    Workspace(where).close()  # created once, so both processes time only their saves
    start = f"{time.time() + 4:.3f}"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, where, tag, start], cwd=ROOT, stderr=subprocess.PIPE, text=True)
             for tag in ("cli", "app")]
    assert [(p.wait(120), p.stderr.read()) for p in procs] == [(0, ""), (0, "")]
    table = Workspace(where).scenarios()
    assert sorted(table["name"]) == sorted(["shared name", *(f"shared name #{n}" for n in range(2, 21))])
    assert sorted(table["hash"]) == sorted(f"{t}-{k}" for t in ("cli", "app") for k in range(10))


def test_kpis_only_runs_and_damaged_results(where, solved, tmp_path):
    sc, res, nc = solved
    ws = Workspace(where)
    lean = ws.save(*records(sc, res, None))
    assert ws.results(lean.run_id) is None and not ws.run(lean.run_id)["has_results"]
    full = ws.save(*records(sc, res, nc))
    from sqlalchemy import update

    from model.workspace.schema import ResultsFile

    with ws.engine.begin() as conn:
        conn.execute(update(ResultsFile).where(ResultsFile.run_id == full.run_id).values(data=b"garbage"))
    with pytest.raises(WorkspaceError, match=f"results file of run {full.run_id} is damaged"):
        ws.results(full.run_id)
    with pytest.raises(WorkspaceError, match="no run 12345"):
        ws.run(12345)


# -- corrupted, foreign and unreachable databases ---------------------------------------------------
def _cli_error(where: str) -> str:
    r = CliRunner().invoke(cli, ["workspace", "list", "--workspace", where])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1, r.output
    return r.output.strip()


def test_a_text_file_is_not_a_workspace(tmp_path):
    f = tmp_path / "notes.db"
    f.write_text("my notes\n")
    assert _cli_error(str(f)) == f"error: {f}: field 'workspace': not a hubplan workspace: the file is not an SQLite database"
    assert f.read_text() == "my notes\n"  # left as it was


def test_an_sqlite_file_of_another_program_is_refused(tmp_path):
    f = tmp_path / "other.db"
    with sqlite3.connect(f) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    assert _cli_error(str(f)).endswith("not a hubplan workspace: the database holds other tables (people)")
    with sqlite3.connect(f) as conn:  # left as it was, its journal mode too
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["people"]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    Workspace(tmp_path / "ours.db").close()
    with sqlite3.connect(tmp_path / "ours.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_corrupted_sqlite_file_gives_one_line(tmp_path):
    f = tmp_path / "broken.db"
    Workspace(f).close()
    data = bytearray(f.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)  # keep the header, destroy the pages
    f.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(str(f) + suffix).unlink(missing_ok=True)
    assert "file is not a database" in _cli_error(str(f)) or "malformed" in _cli_error(str(f))


def test_a_newer_schema_a_folder_and_an_unknown_url(tmp_path):
    f = tmp_path / "new.db"
    Workspace(f).close()
    with sqlite3.connect(f) as conn:
        conn.execute("UPDATE hubplan_meta SET value = '99' WHERE key = 'schema_version'")
    assert _cli_error(str(f)).endswith("written by a newer hubplan (schema version 99; this one reads 1)")
    assert _cli_error(str(tmp_path)).endswith("is a folder; give a file such as workspace.db")
    assert _cli_error(str(tmp_path / "typo.db")).endswith("no workspace file here (solve, batch, sweep or stochastic "
                                                          "with --workspace create one)")
    assert not (tmp_path / "typo.db").exists()  # listing creates nothing
    with pytest.raises(WorkspaceError, match=f"folder {tmp_path / 'nowhere'} does not exist"):
        Workspace(tmp_path / "nowhere" / "w.db")
    assert _cli_error("mysql://u:secret@localhost/db").endswith("unsupported database 'mysql' (use a file path or postgresql://…)")


def test_an_unreachable_server_gives_one_line_without_the_password():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    line = _cli_error(f"postgresql://planner:secret@127.0.0.1:{port}/hubplan")
    assert line.startswith(f"error: postgresql://planner:***@127.0.0.1:{port}/hubplan: field 'workspace': ")
    assert "secret" not in line and ("refused" in line or "failed" in line)


def test_postgres_database_with_other_tables_is_shared(pg_url):
    """A team database may hold other tables: the workspace's own (hubplan_*) sit beside them."""
    import psycopg

    assert _cli_error(pg_url).endswith("no hubplan workspace in this database yet")  # listing creates nothing

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE budgets (year int)")
    ws = Workspace(pg_url)
    assert ws.save(ScenarioRecord("name: x\n", "h", "x")).name == "x"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        names = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert names == {"budgets", "hubplan_meta", "hubplan_scenario", "hubplan_run", "hubplan_results"}


# -- the command line registers its runs ---------------------------------------------------------------
def test_solve_registers_its_run_and_workspace_list_shows_it(where, tiny, tmp_path):
    r = CliRunner().invoke(cli, ["solve", str(tiny / "base.yaml"), "--out", str(tmp_path / "o"), "-q", "--workspace", where])
    assert r.exit_code == 0, r.output
    assert "1 run(s) registered: run 1 (base)" in r.output
    ws = Workspace(where)
    back = ws.results(1)
    on_disk = (tmp_path / "o" / "results.nc").read_bytes()
    assert ws.results_bytes(1) == on_disk and back.attrs["scenario_name"] == "base"
    run = ws.run(1)
    assert run["source"] == "solve" and run["command"].startswith("hubplan solve ") and "total_s" in run["timings"]
    assert run["versions"]["highspy"] and run["yaml"] == scenario_to_yaml(load_scenario(tiny / "base.yaml"))
    env = {"HUBPLAN_WORKSPACE": where, "COLUMNS": "200"}
    listing = CliRunner().invoke(cli, ["workspace", "list"], env=env)
    assert listing.exit_code == 0 and "│ 1   │ base     │ solve  │ optimal" in listing.output, listing.output
    show = CliRunner().invoke(cli, ["workspace", "show", "1"], env=env)
    assert show.exit_code == 0 and "总成本 total cost (objective)" in show.output and "base (saved scenario 1)" in show.output


def test_a_bad_workspace_stops_solve_before_solving(tiny, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("x")
    r = CliRunner().invoke(cli, ["solve", str(tiny / "base.yaml"), "--out", str(tmp_path / "o"), "--workspace", str(bad)])
    assert r.exit_code == 2 and "not a hubplan workspace" in r.output and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_batch_sweep_and_stochastic_register_in_the_same_workspace(tiny, tmp_path):
    ws_file = str(tmp_path / "team.db")
    env = {"HUBPLAN_WORKSPACE": ws_file}
    run = CliRunner().invoke
    r = run(cli, ["batch", str(tiny / "base.yaml"), str(tiny / "dear.yaml"), "--out", str(tmp_path / "b"),
                  "--workers", "1", "-q"], env=env)
    assert r.exit_code == 0, r.output
    r = run(cli, ["sweep", str(tiny / "base.yaml"), "--set", "carbon_price_yuan_per_t=0,50", "--out", str(tmp_path / "s"),
                  "--workers", "1", "-q"], env=env)
    assert r.exit_code == 0, r.output
    futures = tiny / "futures.yaml"  # beside its base: a futures file may only name files in its own folder or data/
    futures.write_text("base: base.yaml\nfutures:\n  - {name: low, probability: 0.5}\n"
                       "  - {name: high, probability: 0.5, changes: {demand.scale: 1.3}}\n")
    r = run(cli, ["stochastic", str(futures), "--out", str(tmp_path / "st")], env=env)
    assert r.exit_code == 0, r.output
    ws = Workspace(ws_file)
    runs = ws.runs().sort_values("id")
    assert list(runs["source"]) == ["batch", "batch", "sweep", "sweep", "stochastic"]
    assert list(runs["has_results"]) == [True, True, False, False, True]  # a sweep is lean by default
    assert list(runs["scenario"]) == ["base", "dear", "base-0001", "base-0002", "futures"]
    sweep = [ws.run(int(i)) for i in runs["id"].iloc[[2, 3]]]
    assert [r["kpis"]["cost_carbon"] for r in sweep][0] == 0 < sweep[1]["kpis"]["cost_carbon"]
    dear = ws.run(int(runs.iloc[1]["id"]))
    assert dear["kpis"]["objective"] == pytest.approx(dear["objective"]) and dear["scenario"] == "dear"
    st = ws.run(int(runs.iloc[-1]["id"]))
    assert st["kind"] == "futures" and st["kpis"]["futures"] == 2 and st["kpis"]["VSS"] >= -1e-6
    assert ws.results(int(runs.iloc[-1]["id"])).sizes["future"] == 2
    # the same batch again: its scenarios are reused, nothing is registered twice
    r = run(cli, ["batch", str(tiny / "base.yaml"), str(tiny / "dear.yaml"), "--out", str(tmp_path / "b"), "-q"], env=env)
    assert r.exit_code == 0 and "0 run(s) registered, 2 already there" in r.output.replace("\n", " ")
    assert len(ws.runs()) == 5
