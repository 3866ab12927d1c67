"""Every file hubplan writes, opened by the programs people use, not by hubplan's own readers:
each .nc (a solve without levers — an empty ``scenario_lever`` dimension — a solve with levers and
baselines, a two-stage results.nc, a batch's combined.nc) by netCDF4-python, ``ncdump -h``
(Debian netcdf-bin) and the CF checker (cfchecker, CF-1.8, zero errors; the CF tables it needs are
excerpts in tests/data/cf so it runs offline); every CSV by DuckDB."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from tiny import scenario_file, write_dataset

from model.inputs.scenario import load_scenario
from model.reports.files import read_results, write_outputs
from model.reports.netcdf import CONVENTIONS, UDUNITS, cf_dataset
from model.run import solve_scenario

CF_TABLES = Path(__file__).parents[1] / "data" / "cf"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("readers")
    ds = write_dataset(root / "data",
                       clusters={"c1": {}, "c2": {"hub_id": "h_west", "installed_racks": 0, "planned_racks": 300,
                                                  "build_limit_racks_per_year": 300, "capex_yuan_per_rack": 1000}},
                       regions={"r1": {}, "r2": {"lat": 40.0, "lon": 100.0}},
                       demand={("r1", "w", 2026): 80.3, ("r2", "w", 2026): 60.1, ("r1", "w", 2027): 90, ("r2", "w", 2027): 80},
                       settings={"years": [2026, 2027]})
    scenario_file(root, ds, {"name": "plain"}, "plain.yaml")  # no levers
    scenario_file(root, ds, {"name": "levers", "carbon_price_yuan_per_t": 200, "demand": {"scale": 1.2}}, "levers.yaml")
    chains = write_dataset(root / "data_chains", clusters={"c1": {}, "c2": {"hub_id": "h_west", "grid_price_yuan_per_kwh": 0.05}},
                           regions={"r1": {}}, demand={("r1", "w", 2026): 10.0})  # the data lifecycle: chain, stage, edge
    (chains / "chains.csv").write_text("chain_id,stage_id,stage_order,workload_id,volume_ratio,tb_per_rack_year,copies\n"
                                       "iot,store,1,w,1,10,\niot,analyse,2,w,0.1,10,\n")
    (chains / "chain_sources.csv").write_text("chain_id,region_id,year,tb_per_year\niot,r1,2026,100\n")
    (chains / "backbone.csv").write_text("hub_a,hub_b,km,capacity_tbps,background_share,max_use,price_yuan_per_tb,"
                                         "expansion_yuan_per_tbps_km\nh_east,h_west,1000,1,0.16,0.8,100,\n")
    scenario_file(root, chains, {"name": "chains"}, "chains.yaml")
    return root


@pytest.fixture(scope="module")
def written(tiny) -> dict[str, Path]:
    """The .nc files of a solve (with and without levers) and of a two-stage plan, and their CSVs."""
    from model.reports.stochastic import write_stochastic_outputs
    from model.studies.stochastic import load_futures, results_dataset, solve_stochastic

    out = {}
    for name, baselines in (("plain", False), ("levers", True), ("chains", False)):
        paths = write_outputs(solve_scenario(load_scenario(tiny / f"{name}.yaml"), baselines=baselines), tiny / name)
        out[f"{name}/results.nc"], out[f"{name}/allocation.csv"] = paths["results.nc"], paths["allocation.csv"]
    (tiny / "futures.yaml").write_text(yaml.safe_dump({"base": "plain.yaml", "futures": [
        {"name": "low", "probability": 0.5, "changes": {"demand.scale": 0.5}},
        {"name": "high", "probability": 0.5, "changes": {"demand.scale": 1.0}}]}))
    fs = load_futures(tiny / "futures.yaml")
    paths = write_stochastic_outputs(results_dataset(solve_stochastic(fs), fs), tiny / "stochastic")
    out["stochastic/results.nc"], out["stochastic/builds.csv"] = paths["results.nc"], paths["builds.csv"]
    return out


def cf_errors(path: Path) -> tuple[int, int, list[str]]:
    """(errors, warnings, error lines) of the CF checker (CF-1.8) on one file, offline."""
    from cfchecker.cfchecks import CFChecker

    checker = CFChecker(cfStandardNamesXML=str(CF_TABLES / "cf-standard-name-table.xml"),
                        cfAreaTypesXML=str(CF_TABLES / "area-type-table.xml"),
                        cfRegionNamesXML=str(CF_TABLES / "standardized-region-list.xml"),
                        version="1.8", silent=True)
    checker.checker(str(path))
    res = checker.get_total_counts()
    lines = [f"{where}: {m}" for where, cats in _messages(checker.all_results) for m in cats.get("ERROR", [])]
    return res["ERROR"] + res["FATAL"], res["WARN"], lines


def _messages(results: dict):
    for file_results in results.values():
        yield "global", file_results["global"]
        yield from file_results["variables"].items()


def check_nc(path: Path) -> None:
    import netCDF4

    with netCDF4.Dataset(path) as nc:
        assert nc.data_model == "NETCDF4" and nc.getncattr("Conventions") == CONVENTIONS
        assert all("." not in a for a in nc.ncattrs())
        for name, var in nc.variables.items():
            assert "long_name" in var.ncattrs(), f"{path.name}: {name} has no long_name"
            var[...]  # every variable reads
        if "year" in nc.variables:
            assert nc["year"].dtype == np.int32
    dump = subprocess.run(["ncdump", "-h", str(path)], capture_output=True, text=True)
    assert dump.returncode == 0, dump.stderr
    assert ':Conventions = "CF-1.8"' in dump.stdout
    errors, _, lines = cf_errors(path)
    assert errors == 0, "\n".join(lines)


needs_ncdump = pytest.mark.skipif(shutil.which("ncdump") is None, reason="Debian netcdf-bin (make system-deps)")


@needs_ncdump
@pytest.mark.parametrize("name", ["plain/results.nc", "levers/results.nc", "chains/results.nc", "stochastic/results.nc"])
def test_netcdf_c_and_cf_checker_open_every_nc(written, name):
    check_nc(written[name])


def test_empty_lever_dimension_round_trips(written):
    """The reference-like case that broke netCDF-C: no levers, ``scenario_lever`` of length 0."""
    import xarray as xr

    with xr.open_dataset(written["plain/results.nc"], engine="netcdf4") as ds:
        assert ds.sizes["scenario_lever"] == 0
    res = read_results(written["levers/results.nc"])
    assert res["allocation"].attrs["units"] == "standard racks" and res["west"].dtype == bool
    assert res.attrs["scenario.name"] == "levers"  # stored as scenario__name (no dots in CF attribute names)
    assert dict(zip(res["scenario_lever"].values, res["scenario_lever_value"].values))["carbon_price_yuan_per_t"] == 200


def test_units_are_udunits_and_the_planner_unit_is_kept(written):
    from cfunits import Units

    with __import__("netCDF4").Dataset(written["levers/results.nc"]) as nc:
        units = {n: v.getncattr("units") for n, v in nc.variables.items() if "units" in v.ncattrs()}
        assert nc["allocation"].units == "1" and nc["allocation"].units_planner == "standard racks"
        assert nc["energy_mwh"].units == "MW h" and nc["emissions_t"].units == "t"
        assert nc["region_lat"].standard_name == "latitude" and nc["region_lat"].units == "degrees_north"
    assert [f"{n}: {u}" for n, u in units.items() if not Units(u).isvalid] == []
    assert all(Units(u).isvalid for u in UDUNITS.values())


def test_every_variable_has_a_long_name_and_a_known_unit(written):
    """A new result variable fails here until it has a long_name (attributes or LONG_NAMES) and a
    unit UDUNITS reads (or a translation in UDUNITS)."""
    from cfunits import Units

    for name in ("levers/results.nc", "stochastic/results.nc"):
        ds = cf_dataset(read_results(written[name]))
        missing = [v for v in ds.variables if not ds[v].attrs.get("long_name")]
        assert missing == [], f"{name}: add to LONG_NAMES in model/reports/netcdf.py"
        bad = [f"{v}: {ds[v].attrs['units']}" for v in ds.variables
               if "units" in ds[v].attrs and not Units(ds[v].attrs["units"]).isvalid]
        assert bad == [], f"{name}: add to UDUNITS in model/reports/netcdf.py"


def test_duckdb_reads_the_csv_outputs(written):
    import duckdb

    for name in ("plain/allocation.csv", "stochastic/builds.csv"):
        path = written[name]
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel on Chinese Windows reads UTF-8
        ours = pd.read_csv(path)
        got = duckdb.sql(f"SELECT * FROM read_csv('{path}', header = true)").df()
        assert list(got.columns) == list(ours.columns) and len(got) == len(ours)
    alloc = duckdb.sql(f"SELECT region_zh, sum(racks) AS racks FROM read_csv('{written['plain/allocation.csv']}') "
                       "GROUP BY region_zh ORDER BY region_zh").df()
    assert list(alloc["region_zh"]) == ["r1省", "r2省"]  # Chinese names intact
    assert alloc["racks"].sum() == pytest.approx(80.3 + 60.1 + 90 + 80, abs=0.01)  # all demand served


@pytest.mark.slow
@needs_ncdump
def test_batch_combined_nc_opens_everywhere(tiny, tmp_path):
    import duckdb
    from typer.testing import CliRunner

    from model.cli import app
    from model.studies.batch import run_batch

    pts = [(n, load_scenario(tiny / f"{n}.yaml"), {"file": f"{n}.yaml"}) for n in ("plain", "levers")]
    out = tmp_path / "batch"
    r = run_batch(pts, out, workers=1, outputs="full", html=False, lever_keys=["file"], progress=False)
    assert r.counts["ok"] == 2
    check_nc(out / "combined.nc")
    for name in ("index.csv", "summary.csv"):
        df = duckdb.sql(f"SELECT * FROM read_csv('{out / name}')").df()
        assert sorted(df["name"]) == ["levers", "plain"]
    # the batch's scenarios into one IAMC table; a lean batch (no results.nc) is refused in one line
    r = CliRunner().invoke(app, ["export", str(out), "--out", str(tmp_path / "iamc.csv")])
    assert r.exit_code == 0, r.output
    assert sorted(pd.read_csv(tmp_path / "iamc.csv")["scenario"].unique()) == ["levers", "plain"]
    for h in pd.read_csv(out / "index.csv", dtype={"scenario_hash": str})["scenario_hash"]:
        (out / "scenarios" / h / "results.nc").unlink()
    r = CliRunner().invoke(app, ["export", str(out), "--out", str(tmp_path / "iamc2.csv")])
    assert r.exit_code == 2 and "--outputs full" in r.output


@pytest.mark.slow
@needs_ncdump
def test_reference_results_nc_opens_everywhere(tmp_path):
    """The reference sets no levers: its results.nc was the one netCDF-C could not open."""
    ref = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "reference.yaml"
    path = write_outputs(solve_scenario(load_scenario(ref)), tmp_path)["results.nc"]
    check_nc(path)


@needs_ncdump
@pytest.mark.parametrize("name", ["plain/results.nc", "levers/results.nc", "chains/results.nc", "stochastic/results.nc"])
def test_direct_writer_matches_xarrays_store(written, name, tmp_path):
    """results.nc is written with netCDF4 directly (xarray's encoder imports dask.array through its
    duck-array probe); the file is the one xarray's netCDF4 store writes, ncdump for ncdump —
    dimensions, types, fill values, char arrays, attributes and their order, every value — also
    with a batch's compression and chunk encoding."""
    from model.reports.netcdf import _write_with_xarray, write_netcdf

    ds = read_results(written[name])
    enc = {v: {"zlib": True, "complevel": 1, "chunksizes": ds[v].shape} for v in ds.data_vars
           if ds[v].ndim and 0 not in ds[v].shape and ds[v].dtype.kind not in "OSU"}
    for encoding in ({}, enc):
        direct = write_netcdf(ds, tmp_path / "direct.nc", encoding=encoding)
        store = _write_with_xarray(ds, tmp_path / "store.nc", encoding)
        dumps = [subprocess.run(["ncdump", "-s", str(p)], capture_output=True, text=True, check=True).stdout
                 .split("\n", 1)[1] for p in (direct, store)]
        assert dumps[0] == dumps[1]
