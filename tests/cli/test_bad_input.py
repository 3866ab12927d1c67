"""Bad input through the command line: exit code 2, ONE line on stderr naming the file, the field
and the problem, nothing on stdout, no traceback, no output written.

Every case runs through both ``hubplan validate`` and ``hubplan solve`` (bad input must be caught
before anything is solved or written); ``--time-limit`` exists only for ``solve``. Two cases also
run as real processes to prove the real exit code.

Rich reads the terminal width from the real file descriptors, so the tests pin ``COLUMNS=80`` (a
normal terminal, and what Rich assumes for a pipe): the message must stay one line however long
the path is, not only on a wide terminal.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from tiny import scenario_file, write_dataset
from typer.testing import CliRunner

from model.cli import app
from model.inputs.scenario import MAX_SCENARIO_BYTES

ROOT = Path(__file__).resolve().parents[2]
ENV = {"COLUMNS": "80"}
YEARS = [2026, 2027]


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture
def data(tmp_path) -> Path:
    """Two clusters (a east, b west), two regions, an unbounded and a real-time class, two years."""
    return write_dataset(
        tmp_path / "data",
        clusters={"a": {}, "b": {"hub_id": "h_west", "lat": 35.0, "lon": 105.0}},
        regions={"r1": {}, "r2": {"lat": 40.0, "lon": 116.0}},
        demand={(r, w, y): 10.0 for r in ("r1", "r2") for w in ("w", "rt") for y in YEARS},
        workloads={"w": {}, "rt": {"latency_bound_ms": 5.0, "realtime": "true"}},
        settings={"years": YEARS},
    )


def edit_csv(path: Path, fn) -> None:
    """Rewrite a dataset CSV through fn(DataFrame of strings) -> DataFrame."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(df).to_csv(path, index=False)


def set_cell(path: Path, key: str, column: str, value: str) -> None:
    def fn(df):
        df.loc[df[df.columns[0]] == key, column] = value
        return df
    edit_csv(path, fn)


def invoke(command: str, scenario: Path, *extra: str, out: Path | None = None):
    args = [command, str(scenario), *extra]
    if command == "solve":
        args += ["--out", str(out), "--quiet"]
    return CliRunner().invoke(app, args, env=ENV)


def assert_one_line_error(stderr: str, stdout: str, expected) -> str:
    """stderr is exactly one line 'error: <expected>' (expected: exact text or a compiled regex)."""
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr
    assert stdout == "", f"nothing on stdout for bad input, got {stdout!r}"
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected ONE line on stderr, got {len(lines)}: {stderr!r}"
    line = lines[0]
    assert line.startswith("error: "), line
    msg = line[len("error: "):]
    if isinstance(expected, re.Pattern):
        assert expected.fullmatch(msg), f"{msg!r} does not match {expected.pattern!r}"
    else:
        assert msg == expected
    return line


def check(command: str, scenario: Path, expected, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "out"
    res = invoke(command, scenario, *extra, out=out)
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr, res.exception)
    assert isinstance(res.exception, SystemExit), repr(res.exception)  # a clean exit, not a crash
    line = assert_one_line_error(res.stderr, res.stdout, expected)
    assert not out.exists(), "bad input must not write any output"
    return line


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the cases
# Each case builds its input under tmp_path and returns (scenario file, expected message after
# "error: "). A message is the exact text, or a regex where it quotes a third-party parser.

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def scenario_not_found(tmp, data):
    p = tmp / "no_such_scenario.yaml"
    return p, f"{p}: file: file not found"


@case
def scenario_not_yaml(tmp, data):
    p = write_text(tmp / "s.yaml", "name: broken\nclusters: [a, b\ncarbon_price_yuan_per_t: 1\n")
    return p, re.compile(re.escape(f"{p}: file: not valid YAML (") + r"[^\n]+\)")


@case
def scenario_top_level_list(tmp, data):
    p = write_text(tmp / "s.yaml", "- name: a\n- name: b\n")
    return p, f"{p}: file: expected a mapping of scenario settings at the top level"


@case
def unknown_top_level_key(tmp, data):
    p = scenario_file(tmp, data, {"carbon_pirce_yuan_per_t": 50})
    return p, (f"{p}: field 'carbon_pirce_yuan_per_t': unknown setting (did you mean 'carbon_price_yuan_per_t'? "
               "the levers are listed in README.md, Scenarios)")


@case
def wrong_type_carbon_price(tmp, data):
    p = scenario_file(tmp, data, {"carbon_price_yuan_per_t": "abc"})
    return p, f"{p}: field 'carbon_price_yuan_per_t': Input should be a valid number, unable to parse string as a number"


@case
def negative_carbon_price(tmp, data):
    p = scenario_file(tmp, data, {"carbon_price_yuan_per_t": -10})
    return p, f"{p}: field 'carbon_price_yuan_per_t': Input should be greater than or equal to 0"


@case
def unknown_cluster_in_clusters(tmp, data):
    p = scenario_file(tmp, data, {"clusters": {"a": {"pue": 1.2}, "zhongwei": {"pue": 1.2}}})
    return p, f"{p}: field 'clusters.zhongwei': unknown cluster id (known: a, b)"


@case
def pue_below_one_in_scenario(tmp, data):
    p = scenario_file(tmp, data, {"clusters": {"b": {"pue": 0.5}}})
    return p, f"{p}: field 'clusters.b.pue': Input should be greater than or equal to 1"


@case
def unknown_workload_in_latency_bounds(tmp, data):
    p = scenario_file(tmp, data, {"latency_bounds_ms": {"w": 20, "gaming": 5}})
    return p, f"{p}: field 'latency_bounds_ms.gaming': unknown workload id (known: w, rt)"


@case
def outage_of_unknown_cluster(tmp, data):
    p = scenario_file(tmp, data, {"outages": [{"cluster": "a", "years": [2026]}, {"cluster": "shaoguan"}]})
    return p, f"{p}: field 'outages.1.cluster': unknown cluster id 'shaoguan'"


@case
def outage_year_outside_horizon(tmp, data):
    p = scenario_file(tmp, data, {"outages": [{"cluster": "b", "years": [2027, 2031]}]})
    return p, f"{p}: field 'outages.0.years': 2031 is not a model year (2026–2027)"


@case
def planned_below_installed_via_scenario(tmp, data):
    p = scenario_file(tmp, data, {"clusters": {"a": {"planned_racks": 40}}})  # installed 100
    return p, f"{p}: field 'clusters.a.planned_racks': planned_racks (40) below installed_racks (100)"


@case
def class_growth_unknown_class(tmp, data):
    p = scenario_file(tmp, data, {"demand": {"class_growth": {"w": 0.1, "gpu": 0.3}}})
    return p, f"{p}: field 'demand.class_growth.gpu': unknown workload id (known: w, rt)"


@case
def scenario_too_large(tmp, data):
    p = tmp / "s.yaml"
    body = yaml.safe_dump({"name": "big", "dataset": str(data)})
    pad = "# padding padding padding padding padding padding padding padding padding\n"
    write_text(p, body + pad * (MAX_SCENARIO_BYTES // len(pad) + 10))
    assert p.stat().st_size > MAX_SCENARIO_BYTES
    return p, f"{p}: file: larger than {MAX_SCENARIO_BYTES // 1000} kB"


@case
def dataset_folder_missing(tmp, data):
    missing = tmp / "no_such_dataset"
    p = scenario_file(tmp, missing)
    return p, f"{missing}: file: dataset folder not found"


@case
def dataset_file_missing(tmp, data):
    (data / "demand.csv").unlink()
    return scenario_file(tmp, data), f"{data / 'demand.csv'}: file: file not found"


@case
def csv_missing_column(tmp, data):
    edit_csv(data / "clusters.csv", lambda df: df.drop(columns=["grid_limit_mw"]))
    return scenario_file(tmp, data), f"{data / 'clusters.csv'}: field 'grid_limit_mw': column missing"


@case
def ai_density_out_of_range(tmp, data):
    set_cell(data / "clusters.csv", "b", "pflops_per_ai_rack", "500")
    return (scenario_file(tmp, data), f"{data / 'clusters.csv'}: field 'pflops_per_ai_rack': "
            "expected a value in [0, 100] PFLOPS (FP16) per occupied standard rack in row 3")


@case
def csv_non_numeric_value(tmp, data):
    set_cell(data / "clusters.csv", "b", "capex_yuan_per_rack", "12k")
    return (scenario_file(tmp, data),
            f"{data / 'clusters.csv'}: field 'capex_yuan_per_rack': expected a finite number in row 3")


@case
def csv_value_out_of_range(tmp, data):
    set_cell(data / "clusters.csv", "b", "pue", "0.5")
    return (scenario_file(tmp, data),
            f"{data / 'clusters.csv'}: field 'pue': expected a value in [1, 3] in row 3")


@case
def csv_duplicate_id(tmp, data):
    edit_csv(data / "regions.csv", lambda df: pd.concat([df, df.iloc[[0]]], ignore_index=True))
    return scenario_file(tmp, data), f"{data / 'regions.csv'}: field 'region_id': duplicate id in row 4"


@case
def cluster_with_unknown_hub(tmp, data):
    set_cell(data / "clusters.csv", "b", "hub_id", "h_nowhere")
    return scenario_file(tmp, data), f"{data / 'clusters.csv'}: field 'hub_id': unknown id in row 3 (not in hubs.csv)"


@case
def demand_year_outside_settings(tmp, data):
    edit_csv(data / "demand.csv", lambda df: df.replace({"year": {"2027": "2035"}}))
    return scenario_file(tmp, data), f"{data / 'demand.csv'}: field 'year': unknown id in row 3 (not in settings.yaml years)"


@case
def settings_missing_key(tmp, data):
    s = yaml.safe_load((data / "settings.yaml").read_text())
    del s["route_factor"]
    (data / "settings.yaml").write_text(yaml.safe_dump(s))
    return scenario_file(tmp, data), f"{data / 'settings.yaml'}: field 'route_factor': missing setting"


@case
def latency_matrix_missing_cluster_column(tmp, data):
    lat = write_text(tmp / "latency.csv", "region_id,a\nr1,3.0\nr2,9.5\n")
    p = scenario_file(tmp, data, {"latency_matrix": "latency.csv"})  # relative to the scenario file
    return p, f"{lat}: field 'columns': no entry for 'b'"


@case
def latency_matrix_negative_value(tmp, data):
    lat = write_text(tmp / "latency.csv", "region_id,a,b\nr1,3.0,7.0\nr2,9.5,-2\n")
    p = scenario_file(tmp, data, {"latency_matrix": str(lat)})
    return p, f"{lat}: field 'b': expected a finite latency ≥ 0 ms in row 3 (region 'r2')"


# -- files that are not regular files of sane size (issue 14): never read, one line naming the file
FIFO = "a FIFO (named pipe), not a regular file; expected a data file"  # each kind named (issue 24)
LINK_OUT = "a link to a file outside the dataset folder; copy the file into the folder"


@case
def dataset_csv_is_a_fifo(tmp, data):
    (data / "clusters.csv").unlink()
    os.mkfifo(data / "clusters.csv")
    return scenario_file(tmp, data), f"{data / 'clusters.csv'}: file: {FIFO}"


@case
def settings_is_a_link_to_dev_zero(tmp, data):
    (data / "settings.yaml").unlink()
    (data / "settings.yaml").symlink_to("/dev/zero")
    return scenario_file(tmp, data), f"{data / 'settings.yaml'}: file: {LINK_OUT}"


@case
def settings_oversize(tmp, data):
    os.truncate(data / "settings.yaml", 50_000_001)  # sparse: no disk used
    return scenario_file(tmp, data), f"{data / 'settings.yaml'}: file: larger than 50 MB"


@case
def latency_matrix_is_a_fifo(tmp, data):
    os.mkfifo(tmp / "latency.csv")
    p = scenario_file(tmp, data, {"latency_matrix": str(tmp / "latency.csv")})
    return p, f"{tmp / 'latency.csv'}: file: {FIFO}"


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


def test_stray_fifo_and_dev_zero_link_in_a_dataset_folder_are_not_read(tmp_path, data):
    """Issue 14: the dataset fingerprint read every *.csv in the folder, so a FIFO there hung
    `solve` and a link to /dev/zero exhausted memory. Only the dataset's own files are read."""
    os.mkfifo(data / "notes.csv")
    (data / "zeros.csv").symlink_to("/dev/zero")
    res = invoke("solve", scenario_file(tmp_path, data), out=tmp_path / "out")
    assert res.exit_code == 0, (res.stdout, res.stderr, res.exception)
    assert (tmp_path / "out" / "summary.json").is_file()


def test_fingerprint_checks_each_file_it_reads(data):
    """A dataset file replaced by a FIFO after loading: the fingerprint refuses it in one line."""
    from model.errors import InputError
    from model.inputs.build import dataset_fingerprint
    from model.inputs.dataset import load_dataset

    ds = load_dataset(data)
    (data / "demand.csv").unlink()
    os.mkfifo(data / "demand.csv")
    with pytest.raises(InputError, match=re.escape(f"{data / 'demand.csv'}: file: {FIFO}")):
        dataset_fingerprint(ds)


@pytest.mark.parametrize("command", ["validate", "solve"])
@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, command, tmp_path, data):
    scenario, expected = CASES[name](tmp_path, data)
    check(command, scenario, expected, tmp_path)


# ---------------------------------------------------------------- a YAML code tag is refused, not run

TAGGED = 'name: pwn\ndataset: {data}\ncarbon_price_yuan_per_t: !!python/object/apply:os.system ["touch {marker}"]\n'
TAG_MESSAGE = re.compile(r".*: file: not valid YAML \(line 3, column 26: YAML tags \(such as !!python/\.\.\.\) are "
                         r"not allowed; a scenario is plain data\)")


@pytest.mark.parametrize("command", ["validate", "solve"])
def test_python_tag_is_refused_and_not_executed(command, tmp_path, data):
    marker = tmp_path / "pwned_marker"
    p = write_text(tmp_path / "s.yaml", TAGGED.format(data=data, marker=marker))
    line = check(command, p, TAG_MESSAGE, tmp_path)
    assert str(p) in line
    assert not marker.exists(), "the YAML tag was executed"


# ---------------------------------------------------------------- --time-limit (solve only)

@pytest.mark.parametrize("value", ["0", "-5"])
def test_time_limit_not_positive(value, tmp_path, data):
    p = scenario_file(tmp_path, data)
    check("solve", p, "--time-limit: field 'time_limit': must be > 0 and ≤ 86400 seconds", tmp_path, "--time-limit", value)


# ---------------------------------------------------------------- real processes, real exit codes

def run_process(cmd: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, **ENV}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)


def hubplan_exe() -> str:
    exe = Path(sys.executable).parent / "hubplan"
    if not exe.exists():
        pytest.skip("hubplan console script not installed next to this Python")
    return str(exe)


def test_process_validate_python_tag(tmp_path, data):
    """`hubplan validate` as a real process: exit 2, one line, and the tag did not run."""
    marker = tmp_path / "pwned_marker"
    p = write_text(tmp_path / "s.yaml", TAGGED.format(data=data, marker=marker))
    proc = run_process([hubplan_exe(), "validate", str(p)])
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert_one_line_error(proc.stderr, proc.stdout, TAG_MESSAGE)
    assert not marker.exists()


def test_process_solve_bad_csv_value(tmp_path, data):
    """`python -m model.cli solve` as a real process: exit 2, one line, no output folder."""
    set_cell(data / "clusters.csv", "b", "pue", "0.5")
    p = scenario_file(tmp_path, data)
    out = tmp_path / "out"
    proc = run_process([sys.executable, "-m", "model.cli", "solve", str(p), "--out", str(out)])
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert_one_line_error(proc.stderr, proc.stdout,
                          f"{data / 'clusters.csv'}: field 'pue': expected a value in [1, 3] in row 3")
    assert not out.exists()


# ---------------------------------------------------------------- inf / NaN and duplicates

def test_infinite_carbon_price(tmp_path, data):
    p = write_text(tmp_path / "s.yaml", f"name: x\ndataset: {data}\ncarbon_price_yuan_per_t: .inf\n")
    check("solve", p, re.compile(re.escape(f"{p}: field 'carbon_price_yuan_per_t': ") + ".+"), tmp_path)


def test_infinite_value_in_csv(tmp_path, data):
    set_cell(data / "clusters.csv", "b", "capex_yuan_per_rack", "inf")
    p = scenario_file(tmp_path, data)
    check("validate", p, re.compile(re.escape(f"{data / 'clusters.csv'}: field 'capex_yuan_per_rack': ") + r"expected a finite number in row 3"),
          tmp_path)


def test_latency_matrix_duplicate_region(tmp_path, data):
    lat = write_text(tmp_path / "latency.csv", "region_id,a,b\nr1,3,7\nr1,4,8\nr2,9,2\n")
    p = scenario_file(tmp_path, data, {"latency_matrix": str(lat)})
    check("validate", p, re.compile(re.escape(f"{lat}: field 'region_id': ") + ".*'r1'.*"), tmp_path)


def test_time_limit_nan(tmp_path, data):
    p = scenario_file(tmp_path, data)
    check("solve", p, re.compile(r"--time-limit: field 'time_limit': .+"), tmp_path, "--time-limit", "nan")
