"""Every JSON file we write is strict JSON (issue 14): NaN and ±Infinity become null, and
``null_values`` says which fields and why. Parsed here with a parser that rejects NaN/Infinity."""
from __future__ import annotations

import json
import math

import pytest
from tiny import scenario_file, solve_tiny, write_dataset

from model.errors import InputError
from model.inputs.scenario import load_scenario
from model.reports.files import write_outputs
from model.studies.batch import make_jobs, run_one

Y = 2026


def strict_load(text: str):
    def refuse(const):
        raise AssertionError(f"not JSON: {const}")
    return json.loads(text, parse_constant=refuse)


def test_strict_infeasible_case_writes_null_objective_with_reason(tmp_path):
    """Strict mode, 500 racks of demand and 100 racks of capacity: infeasible, no objective."""
    res = solve_tiny(tmp_path, clusters={"a": {}}, regions={"r1": {}}, demand={("r1", "w", Y): 500},
                     scenario={"policy": {"allow_unmet": False}})
    assert res.attrs["status"] == "infeasible" and math.isnan(res.attrs["objective"])
    write_outputs(res, tmp_path / "out", html=False)
    s = strict_load((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert s["objective"] is None and s["status"] == "infeasible"
    assert "NaN" in s["null_values"]["objective"] and "solve status 'infeasible'" in s["null_values"]["objective"]
    man = strict_load(res.attrs["manifest"])  # results.nc's manifest attribute too
    assert man["objective"] is None and "objective" in man["null_values"]


def test_infinite_latency_is_refused_before_it_can_reach_summary_json(tmp_path):
    """b measured at inf ms: the latency file is refused (naming the cell), so no Infinity can reach
    the load-weighted latency of summary.json."""
    with pytest.raises(InputError, match=r"latency.csv: field 'b': expected a finite latency"):
        solve_tiny(tmp_path, clusters={"a": {}, "b": {}}, regions={"r1": {}}, demand={("r1", "w", Y): 150},
                   latency={("r1", "a"): 5.0, ("r1", "b"): float("inf")})


def test_batch_run_json_is_strict_for_a_failed_and_a_refused_case(tmp_path):
    """A batch scenario's run.json (written by the worker, here called directly without Dask)."""
    ds = write_dataset(tmp_path / "data", clusters={"a": {}, "b": {}}, regions={"r1": {}},
                       demand={("r1", "w", Y): 150})
    (tmp_path / "lat.csv").write_text("region_id,a,b\nr1,5,inf\n")
    strict = scenario_file(tmp_path, ds, {"name": "strict", "demand": {"scale": 5}, "policy": {"allow_unmet": False}},
                           "strict.yaml")
    far = scenario_file(tmp_path, ds, {"name": "far", "latency_matrix": str(tmp_path / "lat.csv")}, "far.yaml")
    root = tmp_path / "run" / "scenarios"
    root.mkdir(parents=True)
    for job in make_jobs([(p.stem, load_scenario(p), {}) for p in (strict, far)]):
        run_one(job.payload(), root, "lean", False)
        rec = strict_load((root / job.hash / "run.json").read_text(encoding="utf-8"))
        if job.name == "strict":
            assert rec["ok"] is False and rec["objective"] is None and "objective" in rec["null_values"]
        else:  # the inf latency is an input error, recorded with the rest of the batch going on
            assert rec["ok"] is False and "expected a finite latency" in rec["error"]
