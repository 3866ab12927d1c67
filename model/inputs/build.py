"""Dataset + scenario → one xarray Dataset of model inputs (the "inputs" half of results.nc).

Everything the formulation needs is here, after the scenario's overrides, with Chinese and
English names as coordinates. Nothing downstream reads CSV or YAML again.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .dataset import Dataset, load_dataset
from ..errors import InputError, did_you_mean, raise_all
from .latency import distance_matrix, modelled_latency_ms, read_latency_matrix
from .scenario import NO_BOUND, Scenario
from .schema import SCENARIO_OVERRIDES, overridable

HOURS_PER_YEAR = 8760.0


def dataset_fingerprint(ds: Dataset) -> str:
    """Hash of the dataset's files, so a scenario hash changes when the data does."""
    h = hashlib.sha256()
    for f in sorted(Path(ds.path).glob("*.csv")) + [Path(ds.path) / "settings.yaml"]:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def unknown_ids(sc: Scenario, ds: Dataset) -> list[InputError]:
    """Every id in the scenario the dataset does not have (misspelt ones name the closest), and
    every outage year outside the model's years: all of them, so a planner fixes them at once."""
    regions, clusters, workloads = list(ds.regions.index), list(ds.clusters.index), list(ds.workloads.index)
    lv, out = sc.demand, []
    for keys, allowed, field, what in ((lv.class_growth, workloads, "demand.class_growth", "workload"),
                                       (lv.class_scale, workloads, "demand.class_scale", "workload"),
                                       (lv.region_growth, regions, "demand.region_growth", "region"),
                                       (lv.region_scale, regions, "demand.region_scale", "region"),
                                       (sc.clusters, clusters, "clusters", "cluster"),
                                       (sc.latency_bounds_ms, workloads, "latency_bounds_ms", "workload")):
        out += [InputError(sc.source, f"{field}.{k}",
                           f"unknown {what} id{did_you_mean(k, allowed)} (known: {', '.join(map(str, allowed))})")
                for k in keys if k not in allowed]
    years = ds.years
    for i, o in enumerate(sc.outages):
        if o.cluster not in clusters:
            out.append(InputError(sc.source, f"outages.{i}.cluster",
                                  f"unknown cluster id {o.cluster!r}{did_you_mean(o.cluster, clusters)}"))
        out += [InputError(sc.source, f"outages.{i}.years", f"{y} is not a model year ({years[0]}–{years[-1]})")
                for y in o.years or () if y not in years]
    return out


def _demand_array(ds: Dataset, sc: Scenario, years: list[int]) -> np.ndarray:
    regions, workloads = list(ds.regions.index), list(ds.workloads.index)
    # sum the rows into a (region, workload, year) array; rows of other ids or years are ignored
    dm = ds.demand
    r = pd.Index(regions).get_indexer(dm["region_id"])
    w = pd.Index(workloads).get_indexer(dm["workload_id"])
    y = pd.Index(years).get_indexer(dm["year"])
    racks = dm["racks"].to_numpy(dtype=float)
    keep = (r >= 0) & (w >= 0) & (y >= 0) & ~np.isnan(racks)
    arr = np.zeros((len(regions), len(workloads), len(years)))
    np.add.at(arr, (r[keep], w[keep], y[keep]), racks[keep])
    lv = sc.demand
    t = np.asarray(years, float) - years[0]
    for w, g in lv.class_growth.items():
        j = workloads.index(w)
        arr[:, j, :] = arr[:, j, :1] * (1 + g) ** t
    for r, h in lv.region_growth.items():
        arr[regions.index(r)] *= (1 + h) ** t
    arr *= lv.scale
    for w, s in lv.class_scale.items():
        arr[:, workloads.index(w), :] *= s
    for r, s in lv.region_scale.items():
        arr[regions.index(r)] *= s
    return arr


def _cluster_table(ds: Dataset, sc: Scenario) -> pd.DataFrame:
    cl = ds.clusters.copy()
    for cid, lev in sc.clusters.items():
        for field, value in lev.model_dump(exclude_none=True).items():
            cl.loc[cid, field] = float(value)
    cl["grid_price_yuan_per_kwh"] *= sc.electricity_price_scale
    cl["green_price_yuan_per_kwh"] *= sc.green_price_scale
    bad = cl["planned_racks"] < cl["installed_racks"]
    if bad.any():
        cid = cl.index[bad][0]
        raise InputError(sc.source, f"clusters.{cid}.planned_racks",
                         f"planned_racks ({cl.loc[cid, 'planned_racks']:g}) below installed_racks ({cl.loc[cid, 'installed_racks']:g})")
    return cl


def _availability(ds: Dataset, sc: Scenario, years: list[int]) -> np.ndarray:
    avail = np.ones((len(ds.clusters), len(years)))
    clusters = list(ds.clusters.index)
    for out in sc.outages:  # ids and years checked by unknown_ids
        for y in years if out.years is None else out.years:
            avail[clusters.index(out.cluster), years.index(y)] = 0.0
    return avail


_OVERRIDDEN_BY = {key: path for path, key in SCENARIO_OVERRIDES.items()}


def setting(sc: Scenario, ds: Dataset, key: str) -> float:
    """A setting as the model uses it: the scenario's override, else the dataset's value."""
    value = None
    if key in _OVERRIDDEN_BY:
        value = sc
        for part in _OVERRIDDEN_BY[key].split("."):
            value = getattr(value, part)
    return float(ds.settings[key] if value is None else value)


def build_inputs(sc: Scenario, ds: Dataset | None = None) -> xr.Dataset:
    """Apply the scenario to its dataset and return the model inputs."""
    if ds is None:
        ds = load_dataset(sc.resolve(sc.dataset))
    raise_all(unknown_ids(sc, ds))
    years = ds.years
    regions, clusters, workloads = list(ds.regions.index), list(ds.clusters.index), list(ds.workloads.index)
    cl = _cluster_table(ds, sc)
    wl = ds.workloads.copy()
    for w, bound in sc.latency_bounds_ms.items():
        if bound is not None:  # null: the dataset's bound
            wl.loc[w, "latency_bound_ms"] = np.nan if bound == NO_BOUND else float(bound)

    dist = distance_matrix(ds.regions, cl)
    if sc.latency_matrix:
        lat = read_latency_matrix(sc.resolve(sc.latency_matrix), regions, clusters)
        latency_source = str(sc.latency_matrix)
    else:
        lat = modelled_latency_ms(dist, ds.settings)
        latency_source = "modelled"
    bound = wl["latency_bound_ms"].to_numpy()
    admissible = np.isnan(bound)[None, None, :] | (lat.to_numpy()[:, :, None] <= bound[None, None, :])

    rate = setting(sc, ds, "discount_rate")
    life = float(ds.settings["capex_lifetime_years"])
    crf = 1.0 / life if rate == 0 else rate / (1 - (1 + rate) ** -life)
    route_km = dist.to_numpy() * ds.settings["route_factor"]
    transport = (wl["data_tb_per_rack_year"].to_numpy()[None, None, :]
                 * (ds.settings["transport_yuan_per_tb"]
                    + ds.settings["transport_yuan_per_tb_per_1000km"] * route_km[:, :, None] / 1000.0))
    hubs = ds.hubs
    pol = sc.policy

    R, K, W, Y = ("region",), ("cluster",), ("workload",), ("year",)
    out = xr.Dataset(
        data_vars=dict(
            demand=(("region", "workload", "year"), _demand_array(ds, sc, years),
                    {"units": "standard racks", "long_name": "demand in use"}),
            distance_km=(("region", "cluster"), dist.to_numpy(), {"units": "km", "long_name": "great-circle distance"}),
            latency_ms=(("region", "cluster"), lat.to_numpy(), {"units": "ms", "long_name": "one-way latency", "source": latency_source}),
            admissible=(("region", "cluster", "workload"), admissible, {"long_name": "latency within the class bound"}),
            transport_yuan_per_rack_year=(("region", "cluster", "workload"), transport, {"units": "yuan/rack/yr"}),
            latency_bound_ms=(W, bound, {"units": "ms", "long_name": "NaN: no bound"}),
            realtime=(W, wl["realtime"].to_numpy(bool)),
            kw_per_rack=(W, wl["kw_per_rack"].to_numpy(float), {"units": "kW/rack"}),
            data_tb_per_rack_year=(W, wl["data_tb_per_rack_year"].to_numpy(float), {"units": "TB/rack/yr"}),
            **{c.name: (K, cl[c.name].to_numpy(float), {"units": c.unit, "long_name": c.doc})
               for c in overridable("clusters.csv")},
            cluster_co2_t_per_mwh=(K, ds.regions.loc[cl["region_id"], "co2_t_per_mwh"].to_numpy(float), {"units": "tCO2/MWh"}),
            west=(K, (hubs.loc[cl["hub_id"], "role"] == "west").to_numpy()),
            available=(("cluster", "year"), _availability(ds, sc, years), {"long_name": "1: in service, 0: outage"}),
            region_co2_t_per_mwh=(R, ds.regions["co2_t_per_mwh"].to_numpy(float), {"units": "tCO2/MWh"}),
            discount_factor=(Y, (1 + rate) ** -(np.asarray(years, float) - years[0])),
            carbon_price_yuan_per_t=((), setting(sc, ds, "carbon_price_yuan_per_t")),
            discount_rate=((), rate),
            capital_recovery_factor=((), crf),
            unmet_penalty_yuan_per_rack_year=((), setting(sc, ds, "unmet_penalty_yuan_per_rack_year")),
            policy_penalty_yuan_per_rack_year=((), setting(sc, ds, "policy_penalty_yuan_per_rack_year")),
            utilisation_floor=((), setting(sc, ds, "utilisation_floor")),
            min_green_share=((), setting(sc, ds, "min_green_share")),
            min_west_share=((), setting(sc, ds, "min_west_share")),
            emission_cap_t=((), np.nan if pol.emission_cap_t is None else float(pol.emission_cap_t),
                            {"units": "tCO2 over the horizon", "long_name": "NaN: no cap"}),
            allow_unmet=((), bool(pol.allow_unmet)),
            n_minus_1=((), bool(pol.n_minus_1)),
            block_racks=((), np.nan if sc.modular_builds is None else sc.modular_builds.block_racks,
                         {"units": "standard racks", "long_name": "NaN: continuous builds"}),
            block_fixed_cost_yuan=((), 0.0 if sc.modular_builds is None else sc.modular_builds.fixed_cost_yuan_per_block),
            modular_relax=((), bool(sc.modular_builds and sc.modular_builds.relax)),
        ),
        coords=dict(
            region=regions, cluster=clusters, workload=workloads, year=years,
            region_name_zh=(R, ds.regions["name_zh"].to_numpy(str)), region_name_en=(R, ds.regions["name_en"].to_numpy(str)),
            region_lat=(R, ds.regions["lat"].to_numpy(float)), region_lon=(R, ds.regions["lon"].to_numpy(float)),
            cluster_name_zh=(K, cl["name_zh"].to_numpy(str)), cluster_name_en=(K, cl["name_en"].to_numpy(str)),
            cluster_lat=(K, cl["lat"].to_numpy(float)), cluster_lon=(K, cl["lon"].to_numpy(float)),
            hub=(K, cl["hub_id"].to_numpy(str)),
            hub_name_zh=(K, hubs.loc[cl["hub_id"], "name_zh"].to_numpy(str)),
            hub_name_en=(K, hubs.loc[cl["hub_id"], "name_en"].to_numpy(str)),
            workload_name_zh=(W, wl["name_zh"].to_numpy(str)), workload_name_en=(W, wl["name_en"].to_numpy(str)),
        ),
        attrs=dict(scenario=sc.name, dataset=ds.label, hours_per_year=HOURS_PER_YEAR),
    )
    return out
