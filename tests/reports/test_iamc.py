"""``hubplan export --format iamc``: the IAMC long table, checked by hand on a tiny case, against the
KPIs, and read back by DuckDB and by pyam (pyam lives in its own environment, ``make iamc-venv``:
its pins — pandas < 3 in pyam-iamc 3, matplotlib < 3.11 in 4 — cannot share hubplan's)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from tiny import scenario_file, write_dataset
from typer.testing import CliRunner

from model.cli import app
from model.inputs.scenario import load_scenario
from model.reports.files import write_outputs
from model.reports.iamc import COLUMNS, MWH_TO_EJ, VARIABLES
from model.run import solve_scenario

ROOT = Path(__file__).resolve().parents[2]
PYAM_PYTHON = Path(os.environ.get("HUBPLAN_PYAM_PYTHON", ROOT / ".venv-iamc" / "bin" / "python"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, dict]:
    """Two clusters of 100 installed racks each (no builds) in province r1, demand in r1 and r2."""
    root = tmp_path_factory.mktemp("iamc")
    ds = write_dataset(root / "data", clusters={"a": {}, "b": {"hub_id": "h_west"}},
                       regions={"r1": {}, "r2": {"lat": 40.0, "lon": 116.0}},
                       demand={("r1", "w", 2026): 60.0, ("r2", "w", 2026): 40.0})
    write_outputs(solve_scenario(load_scenario(scenario_file(root, ds, {"name": "tiny"}))), root / "solve")
    r = CliRunner().invoke(app, ["export", str(root / "solve"), "--format", "iamc", "--out", str(root / "iamc.csv")])
    assert r.exit_code == 0, r.output
    return root / "iamc.csv", json.loads((root / "solve" / "summary.json").read_text(encoding="utf-8"))


def test_iamc_table_by_hand(exported):
    path, summary = exported
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(path)
    assert list(df.columns) == COLUMNS and set(df["variable"]) == set(VARIABLES)
    assert set(df["region"]) == {"China", "China|r1", "China|r2"} and set(df["scenario"]) == {"tiny"}
    assert not df.duplicated(["model", "scenario", "region", "variable", "year"]).any()
    v = df.set_index(["region", "variable", "year"])["value"]
    # 200 installed standard racks × 2.5 kW = 0.5 MW, all standing in r1
    assert v["China", "Capacity|Data Center", 2026] == pytest.approx(0.5)
    assert v["China|r1", "Capacity|Data Center", 2026] == pytest.approx(0.5)
    assert v["China|r2", "Capacity|Data Center", 2026] == 0
    # 100 racks × 1 kW × 8760 h × PUE 1 = 876 MWh = 3.1536e-6 EJ; × 0.5 tCO2/MWh = 438 t = 0.000438 Mt
    assert v["China", "Final Energy|Data Center", 2026] == pytest.approx(876 * MWH_TO_EJ, rel=1e-9)
    assert v["China", "Emissions|CO2|Data Center", 2026] == pytest.approx(438e-6, rel=1e-9)
    # the same totals as the KPI catalogue (summary.json)
    assert v["China", "Final Energy|Data Center", 2026] / MWH_TO_EJ == pytest.approx(summary["kpis"]["energy_mwh"], rel=1e-9)
    assert v["China", "Emissions|CO2|Data Center", 2026] * 1e6 == pytest.approx(summary["kpis"]["emissions_tco2"], rel=1e-9)
    for (_, variable, year), total in v.xs("China", level="region", drop_level=False).items():
        parts = df[(df["variable"] == variable) & (df["year"] == year) & (df["region"] != "China")]["value"].sum()
        assert total == pytest.approx(parts, abs=1e-12), (variable, year)


def test_duckdb_reads_the_iamc_table(exported):
    import duckdb

    path, _ = exported
    got = duckdb.sql(f"SELECT variable, unit, sum(value) AS v FROM read_csv('{path}') WHERE region = 'China' "
                     "GROUP BY variable, unit ORDER BY variable").df()
    assert dict(zip(got["variable"], got["unit"])) == {k: u for k, (u, _) in VARIABLES.items()}


@pytest.mark.skipif(not PYAM_PYTHON.is_file(), reason="pyam environment missing: make iamc-venv")
def test_pyam_reads_the_iamc_table_and_converts_its_units(exported):
    path, _ = exported
    code = f"""
import json, pyam
df = pyam.IamDataFrame({str(path)!r})
energy = df.filter(region="China", variable="Final Energy|Data Center").convert_unit("EJ/yr", to="TWh/yr")
co2 = df.filter(region="China", variable="Emissions|CO2|Data Center").convert_unit("Mt CO2/yr", to="t CO2/yr")
mw = df.filter(region="China", variable="Capacity|Data Center").convert_unit("MW", to="kW")
print(json.dumps({{"variables": sorted(df.variable), "regions": sorted(df.region), "years": [int(y) for y in df.year],
                   "twh": float(energy.timeseries().iloc[0, 0]), "t": float(co2.timeseries().iloc[0, 0]),
                   "kw": float(mw.timeseries().iloc[0, 0])}}))
"""
    run = subprocess.run([str(PYAM_PYTHON), "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["variables"] == sorted(VARIABLES) and got["regions"] == ["China", "China|r1", "China|r2"]
    assert got["years"] == [2026]
    assert got["twh"] == pytest.approx(876e-6, rel=1e-9)  # 876 MWh
    assert got["t"] == pytest.approx(438, rel=1e-9) and got["kw"] == pytest.approx(500, rel=1e-9)


@pytest.mark.parametrize("args, text", [
    (["export", "no/such/folder"], "no/such/folder"),
    (["export", ".", "--format", "xlsx"], "unknown format 'xlsx'"),
])
def test_bad_export_one_line_exit_2(args, text):
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and text in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
