"""The bad-input corpus: a careless or hostile user's inputs, one table row each.

Every row is (category, id, input, field, problem). The input is run the way a user would give it:

- ``yaml`` / ``numbers`` / ``text``: a scenario file (raw YAML text, or a dict of settings merged
  into a valid scenario) through ``hubplan validate``;
- ``files``: a dataset cell, a settings value or a latency matrix the scenario points at;
- ``cli``: a command line (``{s}`` a valid scenario, ``{file}`` an existing plain file);
- ``batch``: a file in a ``hubplan batch`` list, which must be recorded as failed (status
  "invalid", its message in index.csv) while the command still completes;
- ``app``: YAML pasted into the Streamlit app (AppTest), which must show one error box.

Each case asserts: exit code 2 (batch: recorded, exit 1 for "some failed"), exactly one line,
no traceback, the line names the field (``field 'F'``, or ``file`` for whole-file problems) and
states the problem. Cases marked SECRET put a marker into a file the scenario points at; the
message must not quote it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from tiny import write_dataset
from typer.testing import CliRunner

from model.cli import app

ENV = {"COLUMNS": "80"}
SECRET = "hunter2-SECRET"
YEARS = [2026, 2027]
LONG = "x" * 200

# ------------------------------------------------------------------ the table
# (category, id, input, field, problem regex).  field "" = the whole file.
Y = "name: t\ndataset: {data}\n"  # prefix of raw YAML cases: a valid scenario so far

CASES = [
    # -- YAML: syntax, strictness, tags, shape -------------------------------------------------
    ("yaml", "duplicate_top_key", Y + "carbon_price_yuan_per_t: 1\ncarbon_price_yuan_per_t: 2\n",
     "carbon_price_yuan_per_t", r"given twice \(line 4\)"),
    ("yaml", "duplicate_name", Y + "name: u\n", "name", r"given twice \(line 3\)"),
    ("yaml", "duplicate_nested_key", Y + "policy:\n  min_west_share: 0.1\n  min_west_share: 0.2\n",
     "min_west_share", r"given twice \(line 5\)"),
    ("yaml", "duplicate_cluster", Y + "clusters:\n  a: {pue: 1.1}\n  a: {pue: 1.2}\n", "a", "given twice"),
    ("yaml", "duplicate_flow_key", Y + "demand: {scale: 1, scale: 2}\n", "scale", "given twice"),
    ("yaml", "tag_apply_os_system", Y + "description: !!python/object/apply:os.system ['touch {tmp}/pwned']\n",
     "", "YAML tags .* not allowed"),
    ("yaml", "tag_python_name", Y + "description: !!python/name:os.system\n", "", "YAML tags .* not allowed"),
    ("yaml", "tag_object_new", Y + "description: !!python/object/new:subprocess.Popen [[ls]]\n", "",
     "YAML tags .* not allowed"),
    ("yaml", "tag_custom", Y + "description: !include /etc/passwd\n", "", "YAML tags .* not allowed"),
    ("yaml", "unclosed_flow", Y + "clusters: [a, b\n", "", r"not valid YAML \(line \d+, column \d+: "),
    ("yaml", "tab_indent", Y + "policy:\n\tallow_unmet: true\n", "", r"not valid YAML \(line 4"),
    ("yaml", "raw_nul_byte", Y + "description: a\x00b\n", "", "not valid YAML .*unacceptable character"),
    ("yaml", "unhashable_key", Y + "? [a, b]\n: 1\n", "", "not valid YAML .*unhashable"),
    ("yaml", "top_level_list", "- name: a\n- name: b\n", "", "expected a mapping"),
    ("yaml", "top_level_scalar", "just some text\n", "", "expected a mapping"),
    ("yaml", "empty_file", "", "", "empty scenario"),
    ("yaml", "comments_only", "# nothing here\n\n", "", "empty scenario"),
    ("yaml", "internal_key_source", Y + "source: /etc/passwd\n", "source", "set by the program"),
    ("yaml", "internal_key_base_dir", Y + "base_dir: /\n", "base_dir", "set by the program"),
    ("yaml", "unknown_top_key", Y + "carbon_tax: 5\n", "carbon_tax", "unknown setting"),
    ("yaml", "unknown_policy_key", Y + "policy: {min_east_share: 0.2}\n", "policy.min_east_share", "unknown setting"),
    ("yaml", "unknown_solver_key", Y + "solver: {presolve: off}\n", "solver.presolve", "unknown setting"),
    ("yaml", "unknown_cluster_field", Y + "clusters: {a: {rack_count: 5}}\n", "clusters.a.rack_count", "unknown setting"),
    ("yaml", "alias_nesting", "name: &a [[x, x], [x, x]]\n", "name", "valid string"),
    ("yaml", "not_utf8", b"name: \xff\xfe\n", "", "not UTF-8"),
    # -- numbers: booleans, inf/NaN, physical ranges, whole numbers, wrong types -----------------
    ("numbers", "bool_carbon_price", {"carbon_price_yuan_per_t": True}, "carbon_price_yuan_per_t", "not true/false"),
    ("numbers", "bool_demand_scale", {"demand": {"scale": True}}, "demand.scale", "not true/false"),
    ("numbers", "bool_pue", {"clusters": {"a": {"pue": True}}}, "clusters.a.pue", "not true/false"),
    ("numbers", "bool_installed_racks", {"clusters": {"a": {"installed_racks": False}}}, "clusters.a.installed_racks",
     "not true/false"),
    ("numbers", "bool_seed", {"solver": {"random_seed": True}}, "solver.random_seed", "not true/false"),
    ("numbers", "bool_threads", {"solver": {"threads": True}}, "solver.threads", "not true/false"),
    ("numbers", "bool_time_limit", {"solver": {"time_limit_s": True}}, "solver.time_limit_s", "not true/false"),
    ("numbers", "bool_class_scale", {"demand": {"class_scale": {"w": True}}}, "demand.class_scale.w", "not true/false"),
    ("numbers", "bool_emission_cap", {"policy": {"emission_cap_t": True}}, "policy.emission_cap_t", "not true/false"),
    ("numbers", "bool_block_racks", {"modular_builds": {"block_racks": True}}, "modular_builds.block_racks",
     "not true/false"),
    ("numbers", "bool_latency_bound", {"latency_bounds_ms": {"w": True}}, "latency_bounds_ms.w", "not true/false"),
    ("numbers", "bool_price_scale", {"electricity_price_scale": True}, "electricity_price_scale", "not true/false"),
    ("numbers", "bool_discount_rate", {"discount_rate": False}, "discount_rate", "not true/false"),
    ("numbers", "bool_outage_year", {"outages": [{"cluster": "a", "years": [True]}]}, "outages.0.years.0",
     "not true/false"),
    ("numbers", "number_for_switch", {"policy": {"n_minus_1": 1}}, "policy.n_minus_1", "valid boolean"),
    ("numbers", "text_for_switch", {"policy": {"allow_unmet": "yes"}}, "policy.allow_unmet", "valid boolean"),
    ("numbers", "inf_carbon_price", {"carbon_price_yuan_per_t": float("inf")}, "carbon_price_yuan_per_t", "finite"),
    ("numbers", "nan_demand_scale", {"demand": {"scale": float("nan")}}, "demand.scale", "finite"),
    ("numbers", "inf_pue", {"clusters": {"b": {"pue": float("inf")}}}, "clusters.b.pue", "finite"),
    ("numbers", "inf_installed_racks", {"clusters": {"a": {"installed_racks": float("inf")}}},
     "clusters.a.installed_racks", "finite"),
    ("numbers", "minus_inf_emission_cap", {"policy": {"emission_cap_t": float("-inf")}}, "policy.emission_cap_t",
     "finite"),
    ("numbers", "nan_latency_bound", {"latency_bounds_ms": {"w": float("nan")}}, "latency_bounds_ms.w", "finite"),
    ("numbers", "huge_demand_scale", {"demand": {"scale": 1e308}}, "demand.scale", "less than or equal to 100"),
    ("numbers", "huge_installed_racks", {"clusters": {"a": {"installed_racks": 1e308, "planned_racks": 1e308}}},
     "clusters.a.installed_racks", "less than or equal to 5000000"),
    ("numbers", "huge_planned_racks", {"clusters": {"a": {"planned_racks": 1e12}}}, "clusters.a.planned_racks",
     "less than or equal to 5000000"),
    ("numbers", "huge_unmet_penalty", {"unmet_penalty_yuan_per_rack_year": 1e308}, "unmet_penalty_yuan_per_rack_year",
     "less than or equal to 1000000000"),
    ("numbers", "huge_carbon_price", {"carbon_price_yuan_per_t": 1e308}, "carbon_price_yuan_per_t",
     "less than or equal to 100000"),
    ("numbers", "huge_grid_limit", {"clusters": {"a": {"grid_limit_mw": 1e9}}}, "clusters.a.grid_limit_mw",
     "less than or equal to 100000"),
    ("numbers", "huge_green_avail", {"clusters": {"a": {"green_avail_mw": 1e9}}}, "clusters.a.green_avail_mw",
     "less than or equal to 100000"),
    ("numbers", "huge_capex", {"clusters": {"a": {"capex_yuan_per_rack": 1e12}}}, "clusters.a.capex_yuan_per_rack",
     "less than or equal to 1000000"),
    ("numbers", "huge_build_limit", {"clusters": {"a": {"build_limit_racks_per_year": 1e9}}},
     "clusters.a.build_limit_racks_per_year", "less than or equal to 5000000"),
    ("numbers", "huge_emission_cap", {"policy": {"emission_cap_t": 1e300}}, "policy.emission_cap_t", "less than"),
    ("numbers", "huge_block", {"modular_builds": {"block_racks": 1e20}}, "modular_builds.block_racks", "less than"),
    ("numbers", "huge_block_cost", {"modular_builds": {"block_racks": 100, "fixed_cost_yuan_per_block": 1e300}},
     "modular_builds.fixed_cost_yuan_per_block", "less than"),
    ("numbers", "huge_class_scale", {"demand": {"class_scale": {"w": 1e6}}}, "demand.class_scale.w", "less than"),
    ("numbers", "huge_region_scale", {"demand": {"region_scale": {"r1": 1e6}}}, "demand.region_scale.r1", "less than"),
    ("numbers", "huge_price_scale", {"green_price_scale": 1e6}, "green_price_scale", "less than or equal to 20"),
    ("numbers", "huge_latency_bound", {"latency_bounds_ms": {"w": 1e9}}, "latency_bounds_ms.w", "less than or equal to 1000"),
    ("numbers", "huge_time_limit", {"solver": {"time_limit_s": 1e9}}, "solver.time_limit_s", "less than or equal to 86400"),
    ("numbers", "seed_1e23", {"solver": {"random_seed": 1e23}}, "solver.random_seed", r"whole number in \[0, 2147483647\]"),
    ("numbers", "seed_2_pow_40", {"solver": {"random_seed": 2 ** 40}}, "solver.random_seed", "whole number in"),
    ("numbers", "seed_negative", {"solver": {"random_seed": -1}}, "solver.random_seed", "whole number in"),
    ("numbers", "threads_zero", {"solver": {"threads": 0}}, "solver.threads", r"whole number in \[1, 64\]"),
    ("numbers", "threads_65", {"solver": {"threads": 65}}, "solver.threads", "whole number in"),
    ("numbers", "threads_fraction", {"solver": {"threads": 2.5}}, "solver.threads", "fractional part"),
    ("numbers", "outage_year_fraction", {"outages": [{"cluster": "a", "years": [2026.5]}]}, "outages.0.years.0",
     "fractional part"),
    ("numbers", "class_growth_below", {"demand": {"class_growth": {"w": -0.9}}}, "demand.class_growth.w",
     "greater than or equal to -0.5"),
    ("numbers", "region_growth_above", {"demand": {"region_growth": {"r1": 5}}}, "demand.region_growth.r1",
     "less than or equal to 2"),
    ("numbers", "discount_rate_above", {"discount_rate": 0.9}, "discount_rate", "less than or equal to 0.5"),
    ("numbers", "green_share_above_one", {"policy": {"min_green_share": 1.5}}, "policy.min_green_share",
     "less than or equal to 1"),
    ("numbers", "floor_negative", {"policy": {"utilisation_floor": -0.1}}, "policy.utilisation_floor",
     "greater than or equal to 0"),
    ("numbers", "gap_above_one", {"solver": {"mip_rel_gap": 2}}, "solver.mip_rel_gap", "less than or equal to 1"),
    ("numbers", "grid_price_above", {"clusters": {"a": {"grid_price_yuan_per_kwh": 50}}},
     "clusters.a.grid_price_yuan_per_kwh", "less than or equal to 5"),
    ("numbers", "block_zero", {"modular_builds": {"block_racks": 0}}, "modular_builds.block_racks",
     "greater than or equal to 1"),
    ("numbers", "text_for_number", {"demand": {"scale": "abc"}}, "demand.scale", "valid number"),
    ("numbers", "list_for_number", {"demand": {"scale": [1]}}, "demand.scale", "valid number"),
    ("numbers", "cluster_as_list", {"clusters": {"a": [1, 2]}}, "clusters.a", "valid dictionary"),
    ("numbers", "policy_as_text", {"policy": "strict"}, "policy", "valid dictionary"),
    ("numbers", "outages_as_mapping", {"outages": {"a": 2026}}, "outages", "valid list"),
    ("numbers", "bounds_as_list", {"latency_bounds_ms": [5]}, "latency_bounds_ms", "valid dictionary"),
    ("numbers", "unknown_solver_method", {"solver": {"method": "magic"}}, "solver.method", "match pattern"),
    ("numbers", "empty_outage_years", {"outages": [{"cluster": "a", "years": []}]}, "outages.0.years", "at least 1"),
    # -- text: control characters, lengths, types ------------------------------------------------
    ("text", "nul_in_name", {"name": "a\x00b"}, "name", "control characters"),
    ("text", "newline_in_name", {"name": "a\nb"}, "name", "control characters"),
    ("text", "tab_in_name", {"name": "a\tb"}, "name", "control characters"),
    ("text", "escape_in_name", {"name": "a\x1b[31mred"}, "name", "control characters"),
    ("text", "nul_in_description", {"description": "x\x00y"}, "description", "control characters"),
    ("text", "nul_in_dataset_path", {"dataset": "data\x00/../etc"}, "dataset", "control characters"),
    ("text", "nul_in_latency_path", {"latency_matrix": "lat\x00.csv"}, "latency_matrix", "control characters"),
    ("text", "nul_in_cluster_key", {"clusters": {"a\x00": {"pue": 1.2}}}, "clusters.a\\x00", "control characters"),
    ("text", "empty_name", {"name": ""}, "name", "at least 1 character"),
    ("text", "long_name", {"name": LONG}, "name", "at most 120 characters"),
    ("text", "huge_description", {"description": "d" * 20_000}, "description", "at most 10000 characters"),
    ("text", "number_for_name", {"name": 12}, "name", "valid string"),
    # -- files the scenario points at: never quoted back ----------------------------------------
    ("files", "latency_is_environ", {"latency_matrix": "/proc/self/environ"}, "latency_matrix",
     r"outside the data/ folder or this file's own folder \(files elsewhere are not read\)"),
    ("files", "latency_secret_header", "LAT:" + f"{SECRET},a,b\nr1,1,2\nr2,3,4\n", "region_id", "column 1 must be region_id"),
    ("files", "latency_secret_column", "LAT:" + f"region_id,a,b,{SECRET}\nr1,1,2,3\nr2,3,4,5\n", "columns", "column 4 is not a cluster id"),
    ("files", "latency_secret_row", "LAT:" + f"region_id,a,b\nr1,1,2\n{SECRET},3,4\n", "region_id", "row 3 is not a region id"),
    ("files", "latency_secret_cell", "LAT:" + f"region_id,a,b\nr1,1,{SECRET}\nr2,3,4\n", "b", r"finite latency ≥ 0 ms in row 2"),
    ("files", "latency_inf", "LAT:region_id,a,b\nr1,1,2\nr2,inf,4\n", "a", r"finite latency .* in row 3 \(region 'r2'\)"),
    ("files", "latency_nan", "LAT:region_id,a,b\nr1,nan,2\nr2,3,4\n", "a", "finite latency"),
    ("files", "latency_empty_cell", "LAT:region_id,a,b\nr1,,2\nr2,3,4\n", "a", "finite latency"),
    ("files", "latency_missing_region", "LAT:region_id,a,b\nr1,1,2\n", "region_id", "no entry for 'r2'"),
    ("files", "latency_empty_file", "LAT:", "", "not a readable CSV"),
    ("files", "latency_not_utf8", b"LAT:region_id,a,b\nr1,\xff,2\n", "", "not UTF-8"),
    ("files", "latency_is_folder", {"latency_matrix": "."}, "", "a folder, not a file"),
    ("files", "csv_racks_inf", "CSV:demand.csv:0:racks:inf", "racks", "expected a finite number in row 2"),
    ("files", "csv_racks_overflow", "CSV:demand.csv:1:racks:1e400", "racks", "expected a finite number in row 3"),
    ("files", "csv_racks_secret", f"CSV:demand.csv:0:racks:{SECRET}", "racks", "expected a finite number in row 2"),
    ("files", "csv_racks_huge", "CSV:demand.csv:0:racks:1e9", "racks", r"expected a value in \[0, 5e\+06\] standard racks in row 2"),
    ("files", "csv_installed_huge", "CSV:clusters.csv:0:installed_racks:1e308", "installed_racks", "row 2"),
    ("files", "csv_pue_text", f"CSV:clusters.csv:1:pue:{SECRET}", "pue", "expected a finite number in row 3"),
    ("files", "csv_realtime_maybe", f"CSV:workloads.csv:0:realtime:{SECRET}", "realtime", "expected true/false in row 2"),
    ("files", "csv_role_secret", f"CSV:hubs.csv:0:role:{SECRET}", "role", "expected east or west in row 2"),
    ("files", "csv_unknown_hub", f"CSV:clusters.csv:1:hub_id:{SECRET}", "hub_id", r"unknown id in row 3 \(not in hubs.csv\)"),
    ("files", "csv_year_fraction", "CSV:demand.csv:0:year:2026.5", "year", "whole number in row 2"),
    ("files", "csv_nul_in_name", "CSV:clusters.csv:0:name_en:a\x00b", "name_en", "control characters"),
    ("files", "csv_duplicate_id", "CSV:regions.csv:1:region_id:r1", "region_id", "duplicate id in row 3"),
    ("files", "settings_bool", "SET:route_factor:true", "route_factor", "expected a number"),
    ("files", "settings_nan", "SET:discount_rate:.nan", "discount_rate", r"expected a value in \[0, 0.5\]"),
    ("files", "settings_text", f"SET:fibre_km_per_ms:{SECRET}", "fibre_km_per_ms", "expected a number$"),
    ("files", "settings_huge_penalty", "SET:unmet_penalty_yuan_per_rack_year:1.0e+308", "unmet_penalty_yuan_per_rack_year",
     r"expected a value in \[0, 1e\+09\]"),
    ("files", "settings_years_fraction", "SET:years:[2026.5]", "years", "whole years"),
    ("files", "dataset_is_a_file", {"dataset": "s.yaml"}, "", "dataset folder not found"),
    # issue 24: hourly profiles are confined like every other file (more in tests/inputs/test_hostile_input.py)
    ("files", "hourly_cf_etc_passwd", {"hourly": {"capacity_factors": "/etc/passwd"}}, "hourly.capacity_factors",
     "refers to a file outside the data/ folder or this file's own folder"),
    ("files", "hourly_shapes_environ", {"hourly": {"demand_shapes": "/proc/self/environ"}}, "hourly.demand_shapes",
     "refers to a file outside"),
    ("files", "hourly_cf_secret_cell", "CF:" + f"a/solar\n{SECRET}\n" + "0.5\n" * 8759, "column 1",
     "expected a finite number in row 2"),
    ("files", "hourly_shapes_secret_header", "SH:" + f"{SECRET}\n" + "1\n" * 24, "column 1",
     "header is not a workload id of the dataset"),
    # -- command line -----------------------------------------------------------------------------
    ("cli", "solve_out_is_file", ["solve", "{s}", "--out", "{file}"], "--out", "is a file; give a folder"),
    ("cli", "solve_out_under_file", ["solve", "{s}", "--out", "{file}/sub"], "--out", "cannot be created: .* is a file"),
    ("cli", "sweep_out_is_file", ["sweep", "{s}", "--set", "demand.scale=1,2", "--out", "{file}"], "--out", "is a file"),
    ("cli", "batch_out_is_file", ["batch", "{s}", "--out", "{file}"], "--out", "is a file"),
    ("cli", "frontier_out_is_file", ["frontier", "{s}", "--out", "{file}"], "--out", "is a file"),
    ("cli", "compare_out_is_file", ["compare", "{tmp}", "--out", "{file}"], "--out", "is a file"),
    ("cli", "time_limit_inf", ["solve", "{s}", "--out", "{tmp}/o", "--time-limit", "inf"], "time_limit", "must be > 0"),
    ("cli", "time_limit_huge", ["solve", "{s}", "--out", "{tmp}/o", "--time-limit", "1e9"], "time_limit", "≤ 86400"),
    ("cli", "sweep_unknown_key", ["sweep", "{s}", "--set", "demand.scael=1,2", "--out", "{tmp}/o"], "demand.scael",
     "unknown setting"),
    ("cli", "sweep_bool_for_number", ["sweep", "{s}", "--set", "demand.scale=true,false", "--out", "{tmp}/o"],
     "demand.scale", "not true/false"),
    ("cli", "sweep_huge_value", ["sweep", "{s}", "--set", "demand.scale=1,1e308", "--out", "{tmp}/o"], "demand.scale",
     "less than or equal to 100"),
    ("cli", "sweep_bad_sample", ["sweep", "{s}", "--set", "demand.scale=1,2", "--sample", "sobol", "--out", "{tmp}/o"],
     "", "expected one of"),
    ("cli", "batch_workers_zero", ["batch", "{s}", "--out", "{tmp}/o", "--workers", "0"], "", "at least 1"),
    ("cli", "batch_bad_outputs", ["batch", "{s}", "--out", "{tmp}/o", "--outputs", "everything"], "", "expected one of"),
    ("cli", "compare_not_a_folder", ["compare", "{tmp}/nothing_here"], "", "folder not found"),
    # -- a batch list with bad files: recorded as failed, the rest go on --------------------------
    ("batch", "batch_duplicate_key", "name: a\nname: b\n", "name", "given twice"),
    ("batch", "batch_bool_number", "name: a\ndemand: {scale: true}\n", "demand.scale", "not true/false"),
    ("batch", "batch_tag", "name: a\ndescription: !!python/object/apply:os.system [ls]\n", "", "YAML tags"),
    ("batch", "batch_nul_name", 'name: "a\\0b"\n', "name", "control characters"),
    ("batch", "batch_internal_key", "name: a\nbase_dir: /\n", "base_dir", "set by the program"),
    ("batch", "batch_empty_file", "", "", "empty scenario"),
    ("batch", "batch_huge_penalty", "name: a\nunmet_penalty_yuan_per_rack_year: 1.0e+308\n",
     "unmet_penalty_yuan_per_rack_year", "less than"),
    ("batch", "batch_not_mapping", "- a\n- b\n", "", "expected a mapping"),
    ("batch", "batch_unknown_key", "name: a\nscale: 2\n", "scale", "unknown setting"),
    ("batch", "batch_missing_file", None, "", "file not found"),
    # -- the app: pasted YAML ---------------------------------------------------------------------
    ("app", "app_duplicate_key", "name: a\ncarbon_price_yuan_per_t: 1\ncarbon_price_yuan_per_t: 2\n",
     "carbon_price_yuan_per_t", "given twice"),
    ("app", "app_tag", "name: a\ndescription: !!python/object/apply:os.system [ls]\n", "", "YAML tags"),
    ("app", "app_bool_number", "name: a\ndemand: {scale: true}\n", "demand.scale", "not true/false"),
    ("app", "app_huge_racks", "name: a\nclusters: {qingyang: {installed_racks: 1.0e+308}}\n",
     "clusters.qingyang.installed_racks", "less than"),
    ("app", "app_seed_1e23", "name: a\nsolver: {random_seed: 1.0e+23}\n", "solver.random_seed", "whole number"),
    ("app", "app_nul_name", 'name: "a\\0b"\n', "name", "control characters"),
    ("app", "app_internal_key", "name: a\nsource: x\n", "source", "set by the program"),
    ("app", "app_empty", "   \n", "", "empty scenario"),
    ("app", "app_latency_environ", "name: a\nlatency_matrix: /proc/self/environ\n", "latency_matrix",
     "refers to a file outside the data/ folder \\(files elsewhere"),
    ("app", "app_dataset_outside", "name: a\ndataset: ../../..\n", "dataset", "refers to a file outside the data/ folder"),
    ("app", "app_hourly_cf_passwd", "name: a\nresolution: hourly\nhourly: {capacity_factors: /etc/passwd}\n",
     "hourly.capacity_factors", "refers to a file outside the data/ folder"),
    ("app", "app_hourly_shapes_environ", "name: a\nhourly: {demand_shapes: /proc/self/environ}\n",
     "hourly.demand_shapes", "refers to a file outside the data/ folder"),
    ("app", "app_hourly_dotdot", "name: a\nhourly: {capacity_factors: ../../../../../../etc/shadow}\n",
     "hourly.capacity_factors", "refers to a file outside the data/ folder"),
    ("app", "app_inf", "name: a\ncarbon_price_yuan_per_t: .inf\n", "carbon_price_yuan_per_t", "finite"),
    ("app", "app_dataset_inside_but_wrong", "name: a\ndataset: .\n", "", "file not found"),
]

BY_CATEGORY = {}
for c in CASES:
    BY_CATEGORY.setdefault(c[0], []).append(c)


def ids(cat):
    return [c[1] for c in BY_CATEGORY[cat]]


def test_corpus_size():
    """The corpus the closing note counts (at least 80 cases, every category present)."""
    assert len({c[1] for c in CASES}) == len(CASES) >= 80
    assert set(BY_CATEGORY) == {"yaml", "numbers", "text", "files", "cli", "batch", "app"}


# ------------------------------------------------------------------ running a case

@pytest.fixture
def data(tmp_path) -> Path:
    return write_dataset(
        tmp_path / "data",
        clusters={"a": {}, "b": {"hub_id": "h_west", "lat": 35.0, "lon": 105.0}},
        regions={"r1": {}, "r2": {"lat": 40.0, "lon": 116.0}},
        demand={(r, w, y): 10.0 for r in ("r1", "r2") for w in ("w", "rt") for y in YEARS},
        workloads={"w": {}, "rt": {"latency_bound_ms": 5.0, "realtime": "true"}},
        settings={"years": YEARS},
    )


def where(field: str) -> str:
    return f": field '{field}': " if field else ": file: "


def assert_one_line(text: str, field: str, problem: str) -> str:
    assert "Traceback" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1, f"expected ONE line, got {len(lines)}: {text!r}"
    line = lines[0]
    assert where(field) in line, f"{line!r} does not name field {field!r}"
    assert re.search(problem, line.split(where(field), 1)[1]), f"{line!r} !~ {problem!r}"
    assert SECRET not in line and "PATH=" not in line, f"file contents quoted: {line!r}"
    return line


def build_input(tmp: Path, data: Path, spec) -> Path:
    """The scenario file a case describes (see the module docstring)."""
    s = tmp / "s.yaml"
    body = {"name": "t", "dataset": str(data)}
    if isinstance(spec, dict):
        s.write_text(yaml.safe_dump({**body, **spec}, allow_unicode=True), encoding="utf-8")
    elif isinstance(spec, bytes) and spec.startswith(b"LAT:"):
        (tmp / "lat.csv").write_bytes(spec[4:])
        s.write_text(yaml.safe_dump({**body, "latency_matrix": "lat.csv"}), encoding="utf-8")
    elif isinstance(spec, bytes):
        s.write_bytes(spec)
    elif spec.startswith("LAT:"):
        (tmp / "lat.csv").write_text(spec[4:], encoding="utf-8")
        s.write_text(yaml.safe_dump({**body, "latency_matrix": "lat.csv"}), encoding="utf-8")
    elif spec.startswith(("CF:", "SH:")):  # an hourly profile file beside the scenario
        (tmp / "profile.csv").write_text(spec[3:], encoding="utf-8")
        key = "capacity_factors" if spec.startswith("CF:") else "demand_shapes"
        s.write_text(yaml.safe_dump({**body, "resolution": "hourly", "hourly": {key: "profile.csv"}}), encoding="utf-8")
    elif spec.startswith("CSV:"):
        _, file, row, column, value = spec.split(":", 4)
        df = pd.read_csv(data / file, dtype=str, keep_default_na=False)
        df.loc[int(row), column] = value
        df.to_csv(data / file, index=False)
        s.write_text(yaml.safe_dump(body), encoding="utf-8")
    elif spec.startswith("SET:"):
        _, key, value = spec.split(":", 2)
        settings = yaml.safe_load((data / "settings.yaml").read_text())
        settings[key] = yaml.safe_load(value)
        (data / "settings.yaml").write_text(yaml.safe_dump(settings))
        s.write_text(yaml.safe_dump(body), encoding="utf-8")
    else:
        s.write_text(spec.replace("{data}", str(data)).replace("{tmp}", str(tmp)), encoding="utf-8")
    return s


def run_cli(args: list[str]):
    res = CliRunner().invoke(app, args, env=ENV)
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr, res.exception)
    assert isinstance(res.exception, SystemExit), repr(res.exception)  # a clean exit, not a crash
    assert res.stdout == "", res.stdout
    assert res.stderr.startswith("error: ")
    return res.stderr


@pytest.mark.parametrize("case", BY_CATEGORY["yaml"] + BY_CATEGORY["numbers"] + BY_CATEGORY["text"]
                         + BY_CATEGORY["files"], ids=lambda c: f"{c[0]}-{c[1]}")
def test_scenario_case(case, tmp_path, data):
    _, _, spec, field, problem = case
    s = build_input(tmp_path, data, spec)
    line = assert_one_line(run_cli(["validate", str(s)]), field, problem)
    assert not (tmp_path / "pwned").exists(), "a YAML tag was executed"
    assert str(tmp_path) in line or line.startswith("error: /proc/"), "the message names the file"


@pytest.mark.parametrize("case", BY_CATEGORY["cli"], ids=lambda c: f"{c[0]}-{c[1]}")
def test_cli_case(case, tmp_path, data):
    _, _, args, field, problem = case
    s = build_input(tmp_path, data, {})
    (tmp_path / "plain.txt").write_text("a file, not a folder\n")
    args = [a.format(s=s, file=tmp_path / "plain.txt", tmp=tmp_path) for a in args]
    assert_one_line(run_cli(args), field, problem)
    assert not (tmp_path / "o").exists(), "bad input must not write any output"


# ------------------------------------------------------------------ batch: bad files are recorded

@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    """One `hubplan batch` over every bad file (no file is valid, so no worker starts)."""
    tmp = tmp_path_factory.mktemp("corpus_batch")
    files = []
    for _, cid, text, _, _ in BY_CATEGORY["batch"]:
        p = tmp / f"{cid}.yaml"
        if text is not None:
            p.write_text(text, encoding="utf-8")
        files.append(str(p))
    res = CliRunner().invoke(app, ["batch", *files, "--out", str(tmp / "out"), "-q"], env=ENV)
    index = pd.read_csv(tmp / "out" / "index.csv", dtype=str, keep_default_na=False)
    return res, index.set_index("name")


@pytest.mark.parametrize("case", BY_CATEGORY["batch"], ids=lambda c: f"{c[0]}-{c[1]}")
def test_batch_case(case, batch_run):
    res, index = batch_run
    _, cid, _, field, problem = case
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), (res.exit_code, res.exception)
    assert "Traceback" not in res.stderr
    row = index.loc[cid]
    assert row["status"] == "invalid" and row["ok"] == "False"
    line = assert_one_line(row["error"], field, problem)
    assert line.startswith(str(Path(row["file"]))) and f"{cid}.yaml" in line
    mine = [ln for ln in res.stderr.splitlines() if ln.startswith(f"failed: {cid} ")]
    assert len(mine) == 1 and mine[0].endswith(line), res.stderr  # the same one line on stderr


# ------------------------------------------------------------------ the app (AppTest, pasted YAML)

@pytest.fixture(scope="module")
def app_session():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=120)
    at.run()
    at.radio(key="src.kind").set_value("paste").run()
    return at


@pytest.mark.parametrize("case", BY_CATEGORY["app"], ids=lambda c: f"{c[0]}-{c[1]}")
def test_app_case(case, app_session):
    from model.inputs.dataset import BUNDLED

    at = app_session
    _, _, text, field, problem = case
    at.text_area(key="src.paste").set_value(text).run()
    at.button(key="src.paste_load").click().run()
    assert not at.exception
    boxes = [str(e.value) for e in at.error]
    assert len(boxes) == 1, boxes
    msg = boxes[0].split(" — ", 1)[1]  # "未载入 Not loaded — <the line>"
    line = assert_one_line(msg, field, problem)
    assert str(BUNDLED) not in line, "the app shows paths relative to its data folder"
    assert at.session_state["scenario"].name == "reference"  # nothing was loaded
