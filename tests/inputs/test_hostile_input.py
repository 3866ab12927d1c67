"""Issue 24: nothing leaks, nothing explodes. A hostile or careless user's inputs, by class:

- **confinement**: every path an input names (dataset, latency matrix, hourly capacity factors and
  demand shapes, a futures file's base, a dataset's own files) stays inside the data folder or the
  naming file's folder — absolute paths, ``..``, symlinks out, /proc, /etc are refused by name;
- **file kinds**: a folder, FIFO, device or socket is named for what it is (never "file not found")
  and never read;
- **decompression**: the size limit applies after decompression; a gzip bomb fails fast with
  bounded memory (the CLI runs in a subprocess whose peak RSS is measured);
- **secrets**: every reader, given a file full of a planted secret, answers with the file, row or
  column and what was expected — the secret appears in no output (CLI in a subprocess; the app);
- **futures**: read as strictly as scenarios, with a count limit and an LP-size limit before any solve;
- **command line**: ``--out`` (a file, an unwritable place) on every command, ``--scheduler`` that does
  not parse, ``--workers`` above the cores, 5,000-digit integers, ``compare`` on a malformed index.csv,
  a base year after the horizon.

Each case: exit code 2, one line ``error: FILE: field 'F': PROBLEM``, no traceback, no secret.
"""
from __future__ import annotations

import gzip
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from tiny import scenario_file, write_dataset
from typer.testing import CliRunner

from model.cli import app
from model.inputs.dataset import BUNDLED
from model.inputs.paths import MAX_FILE_BYTES
from model.studies.limits import MAX_EXTENSIVE_COLUMNS, workers_for
from model.studies.stochastic.futures import MAX_FUTURES

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
ENV = {"COLUMNS": "80"}
SECRET = "SECRET_TOKEN=hunter2-7f3a9"
PEAK_MB = 700  # a CLI run that reads bad input stays near its ~250 MB baseline (the bomb took 13 GB)
Y = 2026
OUTSIDE = "(files elsewhere are not read)"


# ------------------------------------------------------------------ helpers
@pytest.fixture
def data(tmp_path) -> Path:
    return write_dataset(tmp_path / "data", {"a": {}, "b": {"hub_id": "h_west"}}, {"r1": {}, "r2": {"lat": 40.0}},
                         {(r, "w", Y): 10.0 for r in ("r1", "r2")})


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside the scenario's: a secret file and a valid-looking profile live there."""
    d = tmp_path.parent / f"{tmp_path.name}-outside"
    d.mkdir(exist_ok=True)
    secret_csv(d / "secret.csv")
    shapes(d / "shapes.csv")
    return d


@pytest.fixture(autouse=True)
def no_hang():
    """A read that blocks (a FIFO) fails the test after 60 s instead of hanging the suite."""
    def stop(signum, frame):
        raise TimeoutError("blocked reading an input file")
    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def secret_csv(path: Path, columns: int = 4, rows: int = 30) -> Path:
    """A CSV with the secret in every header and every cell."""
    line = ",".join([SECRET] * columns) + "\n"
    path.write_text(line * (rows + 1), encoding="utf-8")
    return path


def shapes(path: Path) -> Path:
    pd.DataFrame({"w": np.linspace(0.5, 1.5, 24)}).to_csv(path, index=False)
    return path


def hourly(**files) -> dict:
    return {"resolution": "hourly", "hourly": {"representative_days": 1, **files}}


def one_line(stderr: str, stdout: str = "") -> str:
    """The single ``error:`` line (no traceback, nothing on stdout, no secret); returns it without 'error: '."""
    assert "Traceback" not in stderr + stdout, stderr
    assert SECRET not in stderr + stdout and "hunter2" not in stderr + stdout, f"secret quoted: {stderr!r}"
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), f"expected ONE error line, got {stderr!r}"
    return lines[0][len("error: "):]


def cli(*args) -> str:
    """Run hubplan in process; must exit 2 with one line. Returns the message."""
    res = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr, res.exception)
    assert isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.stdout == "", res.stdout
    return one_line(res.stderr)


_MEASURE = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], capture_output=True, timeout=300)\n"
            "sys.stdout.buffer.write(r.stdout); sys.stderr.buffer.write(r.stderr)\n"
            "sys.stderr.write('\\n@peak_kb=%d' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "sys.exit(r.returncode)\n")


def cli_process(*args) -> tuple[str, float]:
    """Run the real ``hubplan`` in a subprocess (under a measuring parent): (message, peak RSS in MB)."""
    r = subprocess.run([sys.executable, "-c", _MEASURE, str(BIN / "hubplan"), *map(str, args)],
                       capture_output=True, text=True, timeout=360, env={**os.environ, **ENV})
    stderr, _, peak = r.stderr.rpartition("\n@peak_kb=")
    assert r.returncode == 2, (r.returncode, r.stdout, stderr)
    assert r.stdout == "", r.stdout
    return one_line(stderr), int(peak) / 1024


def field(msg: str, name: str, problem: str) -> None:
    where = f": field '{name}': " if name else ": file: "
    assert where in msg and re.search(problem, msg.split(where, 1)[1]), f"{msg!r} !~ {where}{problem}"


# ------------------------------------------------------------------ confinement
ESCAPES = {  # field → how a path leads outside the scenario's folder and data/
    "etc_passwd_profile": ("hourly.capacity_factors", "/etc/passwd"),
    "proc_environ_shapes": ("hourly.demand_shapes", "/proc/self/environ"),
    "dotdot_secret_profile": ("hourly.capacity_factors", "../{outside}/secret.csv"),
    "valid_shapes_outside": ("hourly.demand_shapes", "{outside_abs}/shapes.csv"),  # valid, still not used
    "symlink_out_profile": ("hourly.demand_shapes", "link.csv"),
    "dotdot_latency": ("latency_matrix", "../{outside}/secret.csv"),
    "dataset_etc": ("dataset", "/etc"),
    "dataset_dotdot": ("dataset", "../{outside}"),
}


@pytest.mark.parametrize("case", ESCAPES, ids=str)
def test_a_path_outside_the_allowed_folders_is_refused_by_field(case, tmp_path, data, outside):
    name, value = ESCAPES[case]
    value = value.format(outside=outside.name, outside_abs=outside)
    (tmp_path / "link.csv").symlink_to(outside / "secret.csv")
    body = {"hourly": {name.split(".")[1]: value}} if name.startswith("hourly") else {name: value}
    s = scenario_file(tmp_path, data, {**hourly(), **body} if name.startswith("hourly") else body)
    msg = cli("validate", s)
    field(msg, name, re.escape(f"refers to a file outside the data/ folder or this file's own folder {OUTSIDE}"))
    assert str(outside) not in msg and "/etc" not in msg.split(": field")[0]


def test_a_futures_base_outside_is_refused(tmp_path, outside):
    f = tmp_path / "f.yaml"
    f.write_text(f"base: ../{outside.name}/secret.csv\nfutures: [{{name: a, probability: 1}}]\n")
    field(cli("stochastic", f, "--out", tmp_path / "o"), "base", re.escape(OUTSIDE))
    assert not (tmp_path / "o").exists()


def test_a_sweep_cannot_set_a_path_outside(tmp_path, data):
    msg = cli("sweep", scenario_file(tmp_path, data), "--set", "latency_matrix=/etc/passwd,/etc/hosts",
              "--out", tmp_path / "o")
    field(msg, "latency_matrix", re.escape(OUTSIDE))
    assert not (tmp_path / "o").exists()


def test_a_dataset_file_linked_outside_its_folder_is_refused(tmp_path, data, outside):
    (data / "demand.csv").unlink()
    (data / "demand.csv").symlink_to(outside / "secret.csv")
    msg = cli("validate", scenario_file(tmp_path, data))
    assert msg == f"{data / 'demand.csv'}: file: a link to a file outside the dataset folder; copy the file into the folder"


def test_inside_the_folder_is_still_read(tmp_path, data):
    """The rule refuses only what is outside: a profile beside the scenario, or in a sub-folder, is used."""
    (tmp_path / "sub").mkdir()
    shapes(tmp_path / "sub" / "shapes.csv")
    res = CliRunner().invoke(app, ["validate", str(scenario_file(tmp_path, data, hourly(demand_shapes="sub/shapes.csv")))])
    assert res.exit_code == 0, res.stderr


# ------------------------------------------------------------------ file kinds
def _fifo(p: Path):
    os.mkfifo(p)


def _device(p: Path):
    try:
        os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # what /dev/zero is
    except PermissionError:
        pytest.skip("creating a device node needs root")


def _socket(p: Path):
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(p))
    return s


KINDS = {"folder": (Path.mkdir, "a folder, not a file; expected a data file"),
         "fifo": (_fifo, r"a FIFO \(named pipe\), not a regular file; expected a data file"),
         "device": (_device, "a device, not a regular file; expected a data file"),
         "socket": (_socket, "a socket, not a regular file; expected a data file")}


@pytest.mark.parametrize("kind", KINDS, ids=str)
@pytest.mark.parametrize("what", ["capacity_factors", "demand_shapes"])
def test_a_profile_that_is_not_a_regular_file_is_named_for_what_it_is(kind, what, tmp_path, data):
    make, problem = KINDS[kind]
    keep = make(tmp_path / "p.csv")
    msg = cli("validate", scenario_file(tmp_path, data, hourly(**{what: "p.csv"})))
    field(msg, "", problem)
    assert msg.startswith(str(tmp_path / "p.csv")) and "not found" not in msg
    if keep is not None:
        keep.close()


# ------------------------------------------------------------------ decompression
def gzip_bomb(path: Path, inflated_mb: int) -> Path:
    """Many gzip members of 1 MB of zeros each: a few hundred kB on disk, ``inflated_mb`` inflated."""
    member = gzip.compress(b"0" * 1_000_000, compresslevel=9)
    path.write_bytes(member * inflated_mb)
    return path


def gzip_stream(path: Path, inflated_mb: int) -> Path:
    """One gzip member inflating to ``inflated_mb`` MB."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"0,0\n" * 250_000
    path.write_bytes(b"".join(c.compress(block) for _ in range(inflated_mb)) + c.flush())
    return path


@pytest.mark.slow
@pytest.mark.parametrize("make, inflated", [(gzip_bomb, 400), (gzip_stream, 400)], ids=["400MB_members", "400MB_stream"])
def test_a_gzip_bomb_fails_fast_with_bounded_memory(make, inflated, tmp_path, data):
    p = make(tmp_path / "cf.csv.gz", inflated)
    assert p.stat().st_size < 1_000_000  # small on disk
    msg, peak = cli_process("validate", scenario_file(tmp_path, data, hourly(capacity_factors="cf.csv.gz")))
    assert msg == f"{p}: file: larger than {MAX_FILE_BYTES // 1_000_000} MB once decompressed"
    assert peak < PEAK_MB, f"peak RSS {peak:.0f} MB"


@pytest.mark.parametrize("content, problem", [
    (b"not gzip at all", r"not a gzip file \(the name ends in .gz\)"),
    (gzip.compress(b"a/solar\n" + b"0.5\n" * 100)[:-12], r"not a valid gzip file \(corrupt or truncated\)"),
    (b"", r"not a valid gzip file"),
], ids=["not_gzip", "truncated", "empty"])
def test_a_broken_gzip_is_one_line(content, problem, tmp_path, data):
    (tmp_path / "cf.csv.gz").write_bytes(content)
    field(cli("validate", scenario_file(tmp_path, data, hourly(capacity_factors="cf.csv.gz"))), "", problem)


def test_a_gzip_profile_within_the_limit_is_read(tmp_path, data):
    day = np.r_[np.zeros(10), np.ones(4), np.zeros(10)]
    csv = pd.DataFrame({"a/solar": np.tile(day, 365)}).to_csv(index=False).encode()
    (tmp_path / "cf.csv.gz").write_bytes(gzip.compress(csv[:5000]) + gzip.compress(csv[5000:]))  # two members
    res = CliRunner().invoke(app, ["validate", str(scenario_file(tmp_path, data, hourly(capacity_factors="cf.csv.gz")))])
    assert res.exit_code == 0, res.stderr


# ------------------------------------------------------------------ secrets: every reader, every output
def _readers(tmp: Path, data: Path) -> dict[str, list]:
    """reader → the hubplan command line that makes it read a file full of the secret."""
    secret = secret_csv(tmp / "secret.csv")

    def scen(name, body):
        return scenario_file(tmp, data, body, f"{name}.yaml")
    cf_cell = pd.DataFrame({"a/solar": np.full(8760, 0.5)}).astype(object)
    cf_cell.iloc[100, 0] = SECRET
    cf_cell.to_csv(tmp / "cf_cell.csv", index=False)
    pd.DataFrame({SECRET: np.full(8760, 0.5)}).to_csv(tmp / "cf_header.csv", index=False)
    pd.DataFrame({SECRET: np.ones(24)}).to_csv(tmp / "sh_header.csv", index=False)
    sh_cell = pd.DataFrame({"w": np.ones(24)}).astype(object)
    sh_cell.iloc[5, 0] = SECRET
    sh_cell.to_csv(tmp / "sh_cell.csv", index=False)
    (tmp / "futures_base.yaml").write_text("base: secret.csv\nfutures: [{name: a, probability: 1}]\n")
    out = {
        "scenario": ["validate", secret],
        "futures": ["stochastic", secret, "--out", tmp / "o"],
        "futures_base": ["stochastic", tmp / "futures_base.yaml", "--out", tmp / "o"],
        "latency_matrix": ["validate", scen("lat", {"latency_matrix": "secret.csv"})],
        "capacity_factors": ["validate", scen("cf", hourly(capacity_factors="secret.csv"))],
        "capacity_factors_cell": ["validate", scen("cfc", hourly(capacity_factors="cf_cell.csv"))],
        "capacity_factors_header": ["validate", scen("cfh", hourly(capacity_factors="cf_header.csv"))],
        "demand_shapes": ["validate", scen("sh", hourly(demand_shapes="secret.csv"))],
        "demand_shapes_cell": ["validate", scen("shc", hourly(demand_shapes="sh_cell.csv"))],
        "demand_shapes_header": ["validate", scen("shh", hourly(demand_shapes="sh_header.csv"))],
    }
    for name in ("hubs.csv", "clusters.csv", "regions.csv", "workloads.csv", "demand.csv", "local.csv", "settings.yaml"):
        ds = tmp / f"data_{name.split('.')[0]}"
        ds.mkdir()
        for f in data.iterdir():
            (ds / f.name).write_bytes(f.read_bytes())
        secret_csv(ds / name)
        out[f"dataset_{name}"] = ["validate", scenario_file(tmp, ds, {}, f"ds_{name}.yaml")]
    return out


READERS = ["scenario", "futures", "futures_base", "latency_matrix", "capacity_factors", "capacity_factors_cell",
           "capacity_factors_header", "demand_shapes", "demand_shapes_cell", "demand_shapes_header",
           *(f"dataset_{n}" for n in ("hubs.csv", "clusters.csv", "regions.csv", "workloads.csv", "demand.csv",
                                      "local.csv", "settings.yaml"))]


@pytest.mark.slow
@pytest.mark.parametrize("reader", READERS, ids=str)
def test_no_reader_quotes_a_planted_secret_on_the_command_line(reader, tmp_path, data):
    """Every reader runs on a file with the secret in every header and cell (or in one header or one
    cell of an otherwise valid profile): the real CLI, in a subprocess, exits 2 with one line that
    names the file and never the secret (``one_line``), within the memory bound."""
    msg, peak = cli_process(*_readers(tmp_path, data)[reader])
    assert peak < PEAK_MB, peak
    assert msg.startswith(str(tmp_path)), msg
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ the app: hostile hourly files
@pytest.fixture
def planted_in_data():
    """A file full of the secret inside the app's data/ folder (removed afterwards): the one place an
    upload may point, so the readers' message rule is what keeps it in."""
    p = BUNDLED / "profiles" / f".pytest-secret-{os.getpid()}.csv"
    secret_csv(p)
    yield p
    p.unlink(missing_ok=True)


@pytest.mark.slow
def test_the_app_refuses_hostile_hourly_files_without_quoting_them(planted_in_data):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.radio(key="src.kind").set_value("paste").run()
    cases = {
        "hourly: {capacity_factors: /etc/passwd}": "hourly.capacity_factors",
        "hourly: {demand_shapes: /proc/self/environ}": "hourly.demand_shapes",
        "hourly: {capacity_factors: ../../../../../../etc/passwd}": "hourly.capacity_factors",
        f"hourly: {{capacity_factors: ../profiles/{planted_in_data.name}}}": "",
        f"hourly: {{demand_shapes: ../profiles/{planted_in_data.name}}}": "",
    }
    for text, name in cases.items():
        at.text_area(key="src.paste").set_value(f"name: h\nresolution: hourly\n{text}\n").run()
        at.button(key="src.paste_load").click().run()
        assert not at.exception
        boxes = [str(e.value) for e in at.error]
        assert len(boxes) == 1, boxes
        page = " ".join(str(e.value) for kind in ("error", "warning", "info", "success", "markdown", "caption",
                                                  "text", "code", "exception") for e in getattr(at, kind))
        assert SECRET not in page and "hunter2" not in page, text
        assert str(ROOT) not in boxes[0], "the app names files relative to its data folder"
        if name:
            assert f"pasted YAML: field '{name}': refers to a file outside the data/ folder" in boxes[0]
        else:
            assert f"data/profiles/{planted_in_data.name}: " in boxes[0], boxes[0]
        assert at.session_state["scenario"].name == "reference"  # nothing was loaded


# ------------------------------------------------------------------ futures: as strict as scenarios
@pytest.fixture
def futures_dir(tmp_path, data) -> Path:
    scenario_file(tmp_path, data, {"name": "base"}, "base.yaml")
    return tmp_path


FUTURES = {  # body after "base: base.yaml" → (field, problem)
    "probability_true": ("futures: [{name: a, probability: true}]", "futures.0.probability",
                         "expected a number, not true/false"),
    "probability_quoted": ("futures: [{name: a, probability: '1'}]", "futures.0.probability",
                           r"expected a number, not text \(remove the quotes\)"),
    "change_quoted": ("futures: [{name: a, probability: 1, changes: {demand.scale: '1.5'}}]",
                      "futures[0].changes.demand.scale", "not text"),
    "change_bool": ("futures: [{name: a, probability: 1, changes: {demand.scale: true}}]",
                    "futures[0].changes.demand.scale", "not true/false"),
    "n_true": ("generate: {n: true, ranges: {demand.scale: [1, 2]}}", "generate.n", "not true/false"),
    "n_fraction": ("generate: {n: 2.5, ranges: {demand.scale: [1, 2]}}", "generate.n", "expected a whole number"),
    "seed_true": ("generate: {n: 2, seed: true, ranges: {demand.scale: [1, 2]}}", "generate.seed", "not true/false"),
    "seed_quoted": ("generate: {n: 2, seed: '7', ranges: {demand.scale: [1, 2]}}", "generate.seed", "not text"),
    "seed_5000_digits": ("generate: {n: 2, seed: " + "9" * 5000 + ", ranges: {demand.scale: [1, 2]}}", "",
                         "an integer of more than 30 digits"),
    "range_bool": ("generate: {n: 2, ranges: {demand.scale: [true, 2]}}", "generate.ranges.demand.scale.0",
                   "not true/false"),
    "range_misspelt_lever": ("generate: {n: 2, ranges: {demand.scael: [1, 2]}}", "generate.ranges.demand.scael",
                             r"unknown setting \(did you mean 'scale'\?"),
    "generated_10000": ("generate: {n: 10000, ranges: {demand.scale: [1, 2]}}", "generate.n",
                        f"10,000 futures, above the limit of {MAX_FUTURES} futures"),
    "written_10000": ("futures:\n" + "".join(f"  - {{name: f{i}, probability: 0.0001}}\n" for i in range(10_000)),
                      "futures", f"10,000 futures, above the limit of {MAX_FUTURES} futures"),
    "changes_a_path_outside": ("futures: [{name: a, probability: 1, changes: {latency_matrix: /etc/passwd}}]",
                               "futures[0].changes.latency_matrix", re.escape(OUTSIDE)),
}


@pytest.mark.parametrize("case", FUTURES, ids=str)
def test_futures_are_read_strictly(case, futures_dir):
    body, name, problem = FUTURES[case]
    f = futures_dir / "f.yaml"
    f.write_text(f"base: base.yaml\n{body}\n")
    field(cli("stochastic", f, "--out", futures_dir / "o"), name, problem)
    assert not (futures_dir / "o").exists()


def test_an_extensive_form_above_the_size_limit_is_refused_before_any_solve(tmp_path):
    """The reference LP has 8,265 columns per future: 500 futures (the count limit) are 4.1 M columns."""
    f = tmp_path / "f.yaml"
    f.write_text(f"base: {BUNDLED / 'scenarios' / 'reference.yaml'}\n"
                 f"generate: {{n: {MAX_FUTURES}, seed: 1, ranges: {{demand.scale: [0.9, 1.1]}}}}\n")
    msg = cli("stochastic", f, "--out", tmp_path / "o")
    field(msg, "futures", rf"the two-stage LP would have [\d,]+ variables \({MAX_FUTURES} futures × [\d,]+\), "
                          rf"above the limit of {MAX_EXTENSIVE_COLUMNS:,}")
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ command line
def _compare_folder(tmp: Path) -> Path:
    (tmp / "b" / "scenarios").mkdir(parents=True)
    (tmp / "b" / "index.csv").write_text("a,b\n1,2\n")
    return tmp / "b"


COMMANDS = {  # command → arguments before --out ({s} a scenario, {f} a futures file, {b} a batch folder)
    "solve": ["solve", "{s}"], "frontier": ["frontier", "{s}"], "batch": ["batch", "{s}"],
    "sweep": ["sweep", "{s}", "--set", "demand.scale=1,2"], "stochastic": ["stochastic", "{f}"],
    "compare": ["compare", "{b}"],
}


def _args(cmd, tmp, data):
    s = scenario_file(tmp, data)
    (tmp / "f.yaml").write_text("base: s.yaml\nfutures: [{name: a, probability: 1}]\n")
    return [a.format(s=s, f=tmp / "f.yaml", b=tmp / "b") for a in COMMANDS[cmd]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=str)
@pytest.mark.parametrize("where, problem", [("{file}", "is a file; give a folder"),
                                            ("{file}/sub", "cannot be created: .* is a file"),
                                            ("/proc/hubplan-out", "folder is not writable")],
                         ids=["a_file", "under_a_file", "unwritable"])
def test_every_out_is_checked_before_any_work(cmd, where, problem, tmp_path, data):
    (tmp_path / "plain.txt").write_text("a file\n")
    _compare_folder(tmp_path)
    out = where.format(file=tmp_path / "plain.txt")
    field(cli(*_args(cmd, tmp_path, data), "--out", out), "--out", problem)
    assert not (tmp_path / "scenarios").exists()


@pytest.mark.parametrize("cmd", ["batch", "sweep", "stochastic"])
@pytest.mark.parametrize("address, problem", [("http://[::1", r"not an address \(expected tcp://HOST:PORT"),
                                              ("http://127.0.0.1:8786", "unknown protocol"),
                                              ("tcp://127.0.0.1:99999", "not an address"),
                                              ("tcp://127.0.0.1", "needs a host and a port")],
                         ids=["bad_ipv6", "http", "port_range", "no_port"])
def test_a_scheduler_address_that_does_not_parse_is_one_line(cmd, address, problem, tmp_path, data):
    field(cli(*_args(cmd, tmp_path, data), "--out", tmp_path / "o", "--scheduler", address), "scheduler", problem)
    assert not (tmp_path / "o").exists()


def test_workers_are_capped_at_the_cores_with_a_note():
    from model.studies.batch.execute import default_workers

    cores = default_workers()
    assert workers_for(1000, None) == (cores, f"note: --workers 1000 → {cores} (the cores this machine gives the process)")
    assert workers_for(1, None) == (1, None) and workers_for(None, None) == (None, None)
    assert workers_for(8, "tcp://h:8786")[0] is None and "not used with --scheduler" in workers_for(8, "tcp://h:8786")[1]


@pytest.mark.slow
def test_workers_1000_starts_no_more_processes_than_cores(tmp_path, data):
    from model.studies.batch.execute import default_workers

    s = scenario_file(tmp_path, data)
    r = subprocess.run([str(BIN / "hubplan"), "batch", str(s), "--out", str(tmp_path / "o"), "--workers", "1000",
                        "--outputs", "lean", "-q"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert f"note: --workers 1000 → {default_workers()}" in r.stderr
    import json
    assert json.loads((tmp_path / "o" / "batch.json").read_text())["cluster"]["workers"] <= default_workers()


def test_5000_digit_integers_are_one_line(tmp_path, data):
    big = "9" * 5000
    s = tmp_path / "s.yaml"
    s.write_text(f"name: t\ndataset: {data}\ncarbon_price_yuan_per_t: {big}\n")
    field(cli("validate", s), "", r"not valid YAML \(line 3, column 26: an integer of more than 30 digits\)")
    s.write_text(f"name: t\ndataset: {data}\n")
    (data / "demand.csv").write_text(f"region_id,workload_id,year,racks\nr1,w,{Y},{big}\n")
    field(cli("validate", s), "racks", "expected a finite number in row 2")


def test_compare_on_a_malformed_index_is_one_line(tmp_path):
    b = _compare_folder(tmp_path)
    field(cli("compare", b), "name", r"column missing \(is this a folder hubplan batch wrote\?\)")
    (b / "index.csv").write_text('name,scenario_hash,status,ok\n"x,1\n')
    field(cli("compare", b), "", "not a readable CSV")


def test_a_base_year_after_the_horizon_is_refused(tmp_path, data):
    settings = yaml.safe_load((data / "settings.yaml").read_text())
    settings["base_year"] = Y + 5
    (data / "settings.yaml").write_text(yaml.safe_dump(settings))
    msg = cli("validate", scenario_file(tmp_path, data))
    assert msg == f"{data / 'settings.yaml'}: field 'base_year': after the last model year ({Y}); costs are discounted to it"
