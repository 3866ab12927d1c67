"""The one NetCDF writer: every .nc hubplan writes (results.nc, a batch's combined.nc, a two-stage
results.nc) is NetCDF4/HDF5 through netCDF-C (the ``netCDF4`` package), so ncdump, netCDF4-python,
xarray with any engine, Panoply and R read it, also with empty dimensions (a scenario without
levers has ``scenario_lever`` of length 0, which NETCDF3 cannot hold for netCDF-C).

The file follows CF-1.8 (checked by cfchecker in tests/reports/test_netcdf_readers.py):
- ``units`` that UDUNITS parses; where the planner's unit has no UDUNITS spelling (standard racks,
  yuan, tCO2) the planner's unit stays beside it in ``units_planner`` (``read_results`` restores it);
- a ``long_name`` on every variable, from the variable's own attributes or ``LONG_NAMES``;
- latitude/longitude with their standard names and degrees units;
- attribute names without dots (``scenario.name`` is stored as ``scenario__name``);
- ``year`` always int32.
A new result variable needs a ``long_name`` (in its attributes or ``LONG_NAMES``) and, if it has a
unit UDUNITS cannot read, an entry in ``UDUNITS``: tests/reports/test_netcdf_readers.py names what is missing.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from ..atomic import write_atomic
from ..inputs.arrays import variable

CONVENTIONS = "CF-1.8"
BOOL_FLAG = "boolean stored as 0/1"
PLANNER = "units_planner"
DOT = "__"  # stands for '.' in attribute names (CF: letters, digits and underscores)

# planner's unit -> UDUNITS unit (counts of racks are "1": UDUNITS has no rack; yuan likewise)
UDUNITS = {
    "-": "1", "standard racks": "1", "racks": "1", "physical racks": "1", "rack-years": "year",
    "standard racks/yr": "year-1", "racks/year": "year-1",
    "MWh": "MW h", "MW average": "MW", "tCO2": "t", "tCO2 over the horizon": "t", "tCO2/MWh": "t MW-1 h-1",
    "m³": "m3", "m³/year": "m3 year-1", "L/kWh": "L kW-1 h-1",
    "EFLOPS (FP16)": "1e18 s-1", "PFLOPS (FP16) per occupied rack": "1e15 s-1",
    "kW/rack": "kW", "kW IT per physical rack": "kW", "TB/rack/yr": "year-1",
    "yuan (discounted)": "1", "yuan/rack": "1", "yuan": "1", "yuan/TB": "1", "yuan/TB/1000 km": "1e-3 km-1",
    "yuan/rack/yr": "year-1", "yuan/rack/year": "year-1", "yuan per rack-year": "year-1",
    "yuan per standard rack-year": "year-1", "yuan per MW-year": "MW-1 year-1", "yuan/kWh": "kW-1 h-1",
    "yuan/t": "t-1", "MW nameplate": "MW", "MWh/yr": "MW h year-1", "MWh IT/yr": "MW h year-1",
    "days of the year": "day", "share of the first-year stock per year": "year-1", "yr": "year", "share": "1",
    "share/yr": "year-1", "× capex": "1", "× planned": "1",
    "yuan/MWh": "MW-1 h-1",
    "TB/yr": "year-1", "TB per TB collected": "1", "TB/yr per standard rack": "year-1", "yuan per TB/yr": "year",
    "TB": "1", "TB per standard rack": "1",
    "Tbps": "1e12 s-1", "share of capacity": "1", "yuan/(Tbps·km)": "1e-12 s km-1", "yuan per Tbps-year": "1e-12 s year-1",
}

LONG_NAMES = {
    # coordinates and labels
    "region": "province id", "cluster": "data-center cluster id", "workload": "workload class id",
    "year": "planning year", "cost_term": "cost term", "technology": "green power technology",
    "green_ratio": "annual green volume as a share of the load", "scenario_lever": "lever set by the scenario (dotted path)",
    "hub": "national compute hub of the cluster", "baseline": "rule baseline",
    "region_name_zh": "province name (Chinese)", "region_name_en": "province name (English)",
    "cluster_name_zh": "cluster name (Chinese)", "cluster_name_en": "cluster name (English)",
    "hub_name_zh": "hub name (Chinese)", "hub_name_en": "hub name (English)",
    "workload_name_zh": "class name (Chinese)", "workload_name_en": "class name (English)",
    "region_lat": "province centroid latitude", "region_lon": "province centroid longitude",
    "cluster_lat": "cluster latitude", "cluster_lon": "cluster longitude",
    "scenario": "scenario label", "scenario_name": "scenario name", "scenario_hash": "scenario hash",
    "status": "solver status", "future": "future (scenario of the two-stage plan)",
    # decisions and results
    "allocation": "racks each province places at each cluster", "unmet": "unmet demand",
    "unmet_reason": "why demand is unmet", "admissible": "latency within the class bound",
    "build": "racks built in the year", "load": "occupied racks", "utilisation_shortfall": "racks below the utilisation floor",
    "it_power_mw": "IT power", "grid_mw": "grid power", "green_mw": "green power", "facility_power_mw": "facility power",
    "energy_mwh": "facility energy", "green_shortfall_mw": "green-share shortfall", "emissions_t": "CO2 emissions",
    "west_shortfall": "western-share shortfall", "cost": "discounted cost by term",
    "local_build": "racks built in the province's own stock", "local_energy_mwh": "energy of the province's own stock",
    "local_emissions_t": "CO2 emissions of the province's own stock", "local_eflops": "compute served in the province's own stock",
    "local_admissible": "the province's own stock meets the class latency bound",
    "n1_shortfall": "load a lost cluster leaves unserved (N-1)",
    "transport_yuan_per_rack_year": "data transport cost per rack-year",
    "baseline_cost": "total cost of the baseline", "baseline_emissions_t": "CO2 emissions of the baseline",
    "baseline_unmet": "unmet demand of the baseline", "baseline_latency_ms": "load-weighted latency of the baseline",
    "baseline_status": "solve status of the baseline",
    "hourly_charge_mw": "storage charging power", "hourly_soc_mwh": "storage state of charge",
    "storage_power_mw": "storage power capacity", "storage_energy_mwh": "storage energy capacity",
    "day": "representative day", "hour": "hour of the day", "day_of_year": "day of the year",
    "hourly_grid_mw": "grid power, hour by hour", "hourly_curtailed_mw": "green power curtailed, hour by hour",
    "curtailment_mwh": "green energy curtailed", "flexibility_band": "share of flexible IT load that may move",
    "storage_on": "battery storage modelled", "storage_power_cost_yuan_per_mw_year": "storage power cost per MW-year",
    "storage_energy_cost_yuan_per_mwh_year": "storage energy cost per MWh-year",
    "storage_round_trip_efficiency": "storage round-trip efficiency",
    "served": "served in the clusters", "capacity": "installed + cumulative builds", "utilisation": "load / capacity",
    "latency_weighted_ms": "load-weighted one-way latency", "rack_value": "value of one more rack (shadow price)",
    "mw_value": "value of one more MW of grid connection (shadow price)",
    "marginal_cost": "marginal cost of serving one more rack", "demand": "demand in use",
    "local_served": "served in the province's own stock", "water_m3": "on-site water", "eflops": "compute of the occupied racks",
    # a batch's per-scenario KPIs (combined.nc)
    "objective": "total discounted cost (objective)", "emissions_tco2": "CO2 emissions over the horizon",
    "served_rack_years": "served demand", "unmet_rack_years": "unmet demand", "built_racks": "racks built over the horizon",
    "utilisation_mean": "mean utilisation", "solve_s": "solve time", "total_s": "total time",
    # inputs
    "local_build_limit_racks_per_year": "most racks the province can add to its own stock in a year",
    "local_latency_ms": "latency of the province's own stock", "local_pue": "power usage effectiveness of the own stock",
    "local_grid_price_yuan_per_kwh": "grid price for the own stock", "local_opex_yuan_per_rack_year": "own-stock opex per rack-year",
    "local_capex_yuan_per_rack": "own-stock capex per rack", "region_co2_t_per_mwh": "grid CO2 factor of the province",
    "cluster_co2_t_per_mwh": "grid CO2 factor at the cluster", "west": "cluster is in the west",
    "kw_per_rack": "IT power per standard rack", "data_tb_per_rack_year": "data moved per rack-year",
    "pflops_per_rack": "compute per occupied rack", "physical_rack_kw": "IT power per physical rack",
    "realtime": "class is latency-critical", "discount_factor": "discount factor of the year",
    "carbon_price_yuan_per_t": "carbon price", "discount_rate": "discount rate",
    "capital_recovery_factor": "capital recovery factor", "unmet_penalty_yuan_per_rack_year": "penalty per unmet rack-year",
    "policy_penalty_yuan_per_rack_year": "penalty per rack-year of policy shortfall", "utilisation_floor": "utilisation floor",
    "min_green_share": "minimum green share", "min_west_share": "minimum western share",
    "block_fixed_cost_yuan": "fixed cost per build block", "allow_unmet": "unmet demand allowed",
    "n_minus_1": "plan for the loss of any one cluster", "modular_relax": "block builds relaxed to continuous",
    "emission_cap_t": "emission cap over the horizon",
    # two-stage results
    "probability": "probability of the future", "build_mean_value": "racks built under the mean-value plan",
    "build_in_future": "racks built, read back from the future's solve", "build_own_optimum": "racks built by the future's own optimum",
    "local_build_mean_value": "own-stock racks built under the mean-value plan",
    "local_build_in_future": "own-stock racks built, read back from the future's solve",
    "local_build_own_optimum": "own-stock racks built by the future's own optimum",
    "cost_own_optimum": "cost of the future's own optimum", "cost_mean_value": "cost of the mean-value plan in the future",
    "emissions": "CO2 emissions", "emissions_own_optimum": "CO2 emissions of the future's own optimum",
    "emissions_mean_value": "CO2 emissions of the mean-value plan", "unmet_own_optimum": "unmet demand of the future's own optimum",
    "unmet_mean_value": "unmet demand of the mean-value plan", "regret": "cost above the future's own optimum",
    # decisions by economics (issue 18): docs/math.md, "Builds", "Operating cost", "Fill-up"
    "stock": "province whose own stock serves (national market)", "sunk_term": "sunk cost term (outside the objective)",
    "above_plan_capex_premium": "capex multiplier for racks beyond the plan", "ai_capex_premium": "capex multiplier for AI racks",
    "ai_racks_reserved": "racks fitted for AI host AI work only (1) or any work (0)",
    "pflops_per_ai_rack": "compute of an AI rack at the cluster",
    "cluster_pflops_per_rack": "compute of an occupied rack of the class at the cluster",
    "build_lead_years": "years from paying for a rack to serving with it",
    "fallback_co2_t_per_mwh": "CO2 factor of work served outside the plan", "fallback_pue": "PUE of work served outside the plan",
    "fill_gain_per_year": "yearly rise of the fill-up share of new racks",
    "fill_installed_first_year": "fill-up share of installed racks in the first year",
    "fill_max": "highest fill-up share", "fill_new_first_year": "fill-up share of new racks in their first year",
    "fixed_opex_share": "share of opex that is fixed per rack in service",
    "remote_transport_yuan_per_rack_year": "transport cost per rack-year to another province's stock",
    "site_potential_racks": "most racks the site can hold (land and grid connection)",
    "site_potential_share_of_plan": "site potential as a multiple of the plan",
    # the data lifecycle (issue 21)
    "chain": "data chain (collection → storage → processing → analysis)", "stage": "stage of a data chain",
    "stage_chain": "chain the stage belongs to", "stage_workload": "class whose racks the stage occupies",
    "stage_order": "position of the stage in its chain", "stage_volume_ratio": "TB at the stage per TB collected",
    "stage_tb_per_rack_year": "TB a rack of the stage handles in a year", "stage_copies": "copies of the stage in different hubs",
    "stage_unmet_yuan_per_tb": "price of first-stage data no rack takes", "stage_stay_in_province": "the stage's data stay in their province",
    "chain_source_tb": "data of the chain collected in the province", "region_home_hub": "hub where the province's data enter the backbone",
    "tbps_per_tb_year": "Tbps of one TB a year sent evenly", "edge": "backbone edge between two hubs",
    "edge_hub_a": "one end of the edge", "edge_hub_b": "other end of the edge", "edge_km": "route length of the edge",
    "edge_capacity_tbps": "capacity of the edge", "edge_background_tbps": "background traffic on the edge",
    "edge_max_use": "planned maximum use of the edge", "edge_price_yuan_per_tb": "price per TB moved over the edge",
    "edge_expansion_yuan_per_tbps_km": "capex of one more Tbps over one km",
    "chain_unmet_tb": "data of the chain that no cluster takes",
    "chain_tb": "data handled by the stage at the cluster", "chain_racks": "racks the stage occupies at the cluster",
    "chain_stock_tb": "data the stage holds at the cluster", "stage_retention_years": "years the stage keeps its data",
    "stage_tb_per_rack": "TB of stored stock a rack holds", "stage_reads_stock": "the stage reads the previous stage's stock",
    "data_gravity_price": "cost of one more TB a year of the chain collected in the province",
    "backbone_tb": "chain data moved over the edge", "backbone_use": "average traffic on the edge",
    "backbone_use_share": "use of the edge's capacity", "backbone_capacity": "edge capacity after expansion",
    "bandwidth_value": "value of one more Tbps on the edge (shadow price)",
}
LAT_LON = {"_lat": ("latitude", "degrees_north"), "_lon": ("longitude", "degrees_east")}


def long_name(name: str, attrs: dict) -> str | None:
    return attrs.get("long_name") or LONG_NAMES.get(name)


def _cf_variables(ds: xr.Dataset) -> dict[str, tuple[tuple, np.ndarray, dict]]:
    """Every variable of ``ds`` as written, ``{name: (dims, numpy data, attrs)}``: booleans as int8
    flags, text as str, CF attributes (module docstring). numpy only: no xarray Variable is built."""
    variables = {}
    for name, var in ds.variables.items():
        attrs = dict(var.attrs)
        data = var.values
        if data.dtype == bool:
            data = data.astype("int8")
            attrs["flag"] = BOOL_FLAG
        elif data.dtype == object:
            data = data.astype(str)
        elif name == "year" and data.dtype.kind in "iu":
            data = data.astype("int32")  # one integer type for year in every file
        unit = attrs.get("units")
        if unit in UDUNITS:
            attrs[PLANNER], attrs["units"] = unit, UDUNITS[unit]
        for suffix, (std, deg) in LAT_LON.items():
            if str(name).endswith(suffix):
                attrs.update(standard_name=std, units=deg)
        text = long_name(str(name), attrs)
        if text:
            attrs["long_name"] = text
        variables[name] = (var.dims, data, attrs)
    return variables


def _global_attrs(ds: xr.Dataset) -> dict:
    attrs = {k.replace(".", DOT): _attr(v) for k, v in ds.attrs.items()}
    attrs["Conventions"] = CONVENTIONS
    return attrs


def cf_dataset(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` as written: booleans as int8 flags, text as str, CF attributes (module docstring)."""
    variables = {n: variable(*v) for n, v in _cf_variables(ds).items()}
    out = xr.Dataset({n: variables[n] for n in ds.data_vars}, coords={n: variables[n] for n in ds.coords})
    out.attrs = _global_attrs(ds)
    return out


def _attr(v):
    return int(v) if isinstance(v, (bool, np.bool_)) else v


def from_cf(ds: xr.Dataset) -> xr.Dataset:
    """Undo ``cf_dataset`` on reading: planner units, booleans and dotted attribute names back."""
    for name in list(ds.variables):
        attrs = ds[name].attrs
        if PLANNER in attrs:
            attrs["units"] = attrs.pop(PLANNER)
        if attrs.get("flag") == BOOL_FLAG:
            keep = {k: v for k, v in attrs.items() if k != "flag"}
            ds[name] = ds[name].astype(bool)
            ds[name].attrs = keep
    ds.attrs = {k.replace(DOT, "."): v for k, v in ds.attrs.items() if k != "Conventions"}
    return ds


def write_netcdf(ds: xr.Dataset, path: str | Path, encoding: dict | None = None) -> Path:
    """Write ``ds`` (CF attributes added) as NetCDF4 through netCDF-C, atomically.

    Written with ``netCDF4`` directly, the way xarray's netCDF4 store lays it out (same dimensions,
    types, ``_FillValue`` NaN on floats, text as UTF-8 char arrays with ``_Encoding``, ``coordinates``
    attributes; ``tests/reports/test_netcdf_readers.py`` compares the two files' ncdump): xarray's encoder
    builds every variable anew through its duck-array probe, which imports ``dask.array`` and
    ``scipy.sparse`` (~0.4 s CPU) on the first call whenever dask is installed. Per-variable
    ``encoding`` may hold ``zlib``, ``complevel``, ``shuffle`` and ``chunksizes`` of numbers; any other
    key, an encoding for text (xarray then writes variable-length strings), or data that is neither
    numbers nor text goes through xarray's store (``_write_with_xarray``)."""
    path = Path(path)
    variables = _cf_variables(ds)
    encoding = encoding or {}
    if any(set(e) - DIRECT_ENCODING for e in encoding.values()) or any(
            d.dtype.kind not in "biufU" or (d.dtype.kind == "U" and n in encoding) for n, (_, d, _) in variables.items()):
        return _write_with_xarray(ds, path, encoding)
    return write_atomic(path, lambda tmp: _write_direct(ds, variables, tmp, encoding))


DIRECT_ENCODING = {"zlib", "complevel", "shuffle", "chunksizes"}


def _write_direct(ds: xr.Dataset, variables: dict, tmp: Path, encoding: dict) -> None:
    import netCDF4
    from xarray.backends.netCDF4_ import NETCDF4_PYTHON_LOCK

    order = [*ds.data_vars, *ds.coords]
    non_dim = [n for n in ds.coords if n not in ds.dims]
    encoded = {}
    for name in order:  # CF "coordinates"; text → UTF-8 bytes → a char array with a last "<name>_strlen" dimension
        dims, data, attrs = variables[name]
        coords = sorted(c for c in non_dim if name not in non_dim and name not in dims
                        and set(variables[c][0]) <= set(dims))
        if coords:
            attrs = {**attrs, "coordinates": " ".join(coords)}
        if data.dtype.kind == "U":
            raw = np.array([x.encode("utf-8") for x in data.ravel()], dtype=bytes).reshape(data.shape)
            data = np.ascontiguousarray(raw).reshape(raw.shape + (1,)).view("S1")
            dims, attrs = (*dims, f"{name}_strlen"), {**attrs, "_Encoding": "utf-8"}
        encoded[name] = (tuple(dims), data, attrs)
    with NETCDF4_PYTHON_LOCK:
        nc = netCDF4.Dataset(str(tmp), mode="w", format="NETCDF4")
        try:
            for key, value in _global_attrs(ds).items():
                if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                    nc.setncattr_string(key, value)
                else:
                    nc.setncattr(key, value)
            for name in order:
                dims, data, _ = encoded[name]
                for dim, n in zip(dims, data.shape, strict=True):
                    if dim not in nc.dimensions:
                        nc.createDimension(dim, n)  # 0 makes it unlimited, as xarray's store does
            for name in order:
                dims, data, attrs = encoded[name]
                floating = data.dtype.kind == "f"
                enc = {"zlib": False, "complevel": 4, "shuffle": True, **encoding.get(name, {})}
                var = nc.createVariable(name, data.dtype, dims, fill_value=data.dtype.type(np.nan) if floating else None,
                                        **enc)
                var.set_auto_maskandscale(False)
                var.set_auto_chartostring(False)
                var.setncatts(attrs)
                if data.size:
                    var[...] = data
        finally:
            nc.close()


def _write_with_xarray(ds: xr.Dataset, path: Path, encoding: dict) -> Path:
    """Through xarray's store, with the lock xarray keeps for the netCDF-C and HDF5 libraries:
    ``to_netcdf`` — and the store given no lock — add a dask scheduler's write lock (importing
    dask.distributed, ~0.3–0.4 s of CPU), which one local file written by this process does not need."""
    from xarray.backends.netCDF4_ import NETCDF4_PYTHON_LOCK, NetCDF4DataStore

    out = cf_dataset(ds)

    def dump(tmp: Path) -> None:
        store = NetCDF4DataStore.open(str(tmp), mode="w", format="NETCDF4", lock=NETCDF4_PYTHON_LOCK)
        try:
            out.dump_to_store(store, encoding={**_text_as_chars(out), **encoding})
        finally:
            store.close()

    return write_atomic(path, dump)


def _text_as_chars(ds: xr.Dataset) -> dict:
    """Text as char arrays (UTF-8, ``_Encoding``), the form every netCDF reader and the CF checker
    know; NetCDF4's variable-length strings are not read by older netCDF-C tools."""
    return {name: {"dtype": "S1", "char_dim_name": f"{name}_strlen"}
            for name, var in ds.variables.items() if var.dtype.kind == "U"}


def netcdf_bytes(ds: xr.Dataset) -> bytes:
    """The bytes of ``write_netcdf`` (for a download button)."""
    with tempfile.TemporaryDirectory() as d:
        return write_netcdf(ds, Path(d) / "results.nc").read_bytes()
