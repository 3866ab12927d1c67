"""A light start-up: importing the pipeline and asking the CLI for help import neither Pyomo, nor
dask, nor scipy; a solve of the reference imports no Pyomo (HiGHS gets the blocks' arrays) and
xarray never reaches dask.array (model/inputs/arrays.py). Checked in a fresh interpreter."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pyomo", "dask", "dask.array", "distributed", "scipy", "scipy.sparse", "scipy.stats", "openpyxl", "plotly",
         "streamlit")


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint('MODULES=' + json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)
    line = next(s for s in out.stdout.splitlines() if s.startswith("MODULES="))
    return set(json.loads(line.removeprefix("MODULES=")))


def test_import_model_run_is_light():
    assert not set(HEAVY) & imported_after("import model.run")


def test_cli_help_is_light():
    code = "from model.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    assert not set(HEAVY) & imported_after(code)


def test_a_solve_imports_neither_pyomo_nor_dask_array():
    code = ("from model.run import Planner\nfrom model.inputs.scenario import load_scenario\n"
            "r = Planner().solve(load_scenario('data/scenarios/reference.yaml'))\nassert r.attrs['status'] == 'optimal'")
    mods = imported_after(code)
    assert "highspy" in mods
    assert not {"pyomo", "dask.array", "scipy.sparse", "scipy.stats", "openpyxl", "plotly"} & mods


def test_the_solve_command_imports_neither_distributed_nor_the_workspace(tmp_path):
    """``hubplan solve`` with all its outputs: results.nc is written with netCDF4's own lock (no dask
    scheduler asked for, so no dask.distributed), and without --workspace no SQLAlchemy."""
    code = ("import os\nos.environ.pop('HUBPLAN_WORKSPACE', None)\nfrom model.cli import app\n"
            f"try:\n    app(['solve', 'data/scenarios/reference.yaml', '--out', {str(tmp_path)!r}, '-q'])\n"
            "except SystemExit as e:\n    assert not e.code, e.code")
    mods = imported_after(code)
    assert (tmp_path / "results.nc").is_file() and (tmp_path / "report.xlsx").is_file()
    assert not {"distributed", "dask.distributed", "sqlalchemy", "model.workspace", "pyomo", "scipy.stats"} & mods
    # results.nc is written with netCDF4 directly and the reports select with numpy: xarray's
    # duck-array probe (which imports dask.array and scipy.sparse) is never reached
    assert not {"dask.array", "scipy.sparse", "scipy"} & mods


def test_warm_answers_import_no_dask_array():
    """The warm levers' inputs are laid over the earlier ones as variables built without xarray's
    dask probe (model/inputs/warm.py), so a warm answer keeps the process free of dask.array."""
    code = ("from model.run import Planner\nfrom model.inputs.scenario import apply_changes, load_scenario\n"
            "sc = load_scenario('data/scenarios/reference.yaml')\np = Planner()\np.answer(sc)\n"
            "for ch in ({'carbon_price_yuan_per_t': 300.0}, {'demand.scale': 1.2}, {'electricity_price_scale': 1.3}):\n"
            "    a = p.answer(apply_changes(sc, ch))\n    a.headline()\n    assert a._inp is None")
    assert not {"dask.array", "scipy.sparse", "pyomo"} & imported_after(code)


@pytest.mark.slow
def test_an_hourly_solve_of_the_bundled_data_imports_neither_tsam_nor_dask_array():
    """The bundled profiles' 12 representative days ship with the data (model/inputs/day_cache.py),
    so even without a user cache the hourly reference needs no tsam or scikit-learn; the hourly
    families test their inputs with numpy, so xarray's dask probe (dask.array, scipy) is not reached."""
    import numpy as np

    from model.inputs import day_cache

    (entry,) = day_cache.SHIPPED.glob("*.npz")
    with np.load(entry) as f:
        made_with = str(f["made_with"])
    if made_with != day_cache.versions():  # another tsam/scikit-learn/numpy/pandas may group days otherwise
        pytest.skip(f"the shipped days were made with {made_with}, installed {day_cache.versions()}: not used here")
    code = ("import os\nos.environ['HUBPLAN_CACHE'] = 'off'\nfrom model.run import Planner\n"
            "from model.inputs.scenario import load_scenario\n"
            "r = Planner().solve(load_scenario('data/scenarios/hourly_reference.yaml'))\n"
            "assert r.attrs['status'] == 'optimal' and r.sizes['day'] == 12")
    mods = imported_after(code)
    assert not {"tsam", "sklearn", "dask.array", "scipy", "scipy.sparse", "pyomo"} & mods
