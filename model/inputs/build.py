"""Input tables (``InputTables``) + scenario → one xarray Dataset of model inputs (the "inputs" half of results.nc).

Everything the formulation needs is here, after the scenario's overrides, with Chinese and
English names as coordinates. Nothing downstream reads CSV or YAML again.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError, did_you_mean, raise_all
from .arrays import variable, variables
from .dataset import InputTables, dataset_files, load_dataset, read_input_bytes
from .green import green_inputs
from .latency import LAYERS, distance_matrix, modelled_latency_ms, read_latency_matrix
from .lifecycle import lifecycle_variables
from .profiles import hourly_variables
from .scenario import NO_BOUND, Scenario
from .schema import STANDARD_RACK_KW, overridable
from .settings import DATASET_SETTINGS, SCENARIO_OVERRIDES

HOURS_PER_YEAR = 8760.0


def dataset_fingerprint(ds: InputTables) -> str:
    """Hash of the files the dataset is read from (``dataset_files``), so a scenario hash changes
    when the data does. Each is read like the loader reads it: a regular file of sane size."""
    h = hashlib.sha256()
    for f in dataset_files(ds.path):
        h.update(f.name.encode())
        h.update(read_input_bytes(f))
    return h.hexdigest()[:16]


def unknown_ids(sc: Scenario, ds: InputTables) -> list[InputError]:
    """Every id in the scenario the dataset does not have (misspelt ones name the closest), and
    every outage year outside the model's years: all of them, so a planner fixes them at once."""
    regions, clusters, workloads = list(ds.regions.index), list(ds.clusters.index), list(ds.workloads.index)
    lv, out = sc.demand, []
    for keys, allowed, field, what in ((lv.class_growth, workloads, "demand.class_growth", "workload"),
                                       (lv.class_scale, workloads, "demand.class_scale", "workload"),
                                       (lv.region_growth, regions, "demand.region_growth", "region"),
                                       (lv.region_scale, regions, "demand.region_scale", "region"),
                                       (lv.class_eflops, workloads, "demand.class_eflops", "workload"),
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


def _demand_array(ds: InputTables, sc: Scenario, years: list[int]) -> np.ndarray:
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
    for w, path in lv.class_eflops.items():
        j = workloads.index(w)
        pf = float(ds.workloads.loc[w, "pflops_per_rack"]) if "pflops_per_rack" in ds.workloads else float("nan")
        if not pf > 0:
            raise InputError(sc.source, f"demand.class_eflops.{w}", "the class has no pflops_per_rack > 0 in workloads.csv")
        for y, eflops in path.items():
            if y not in years:
                raise InputError(sc.source, f"demand.class_eflops.{w}.{y}", f"{y} is not a model year ({years[0]}–{years[-1]})")
            total = arr[:, j, years.index(y)].sum()
            if total <= 0:
                raise InputError(sc.source, f"demand.class_eflops.{w}.{y}", "the class has no demand that year to rescale")
            arr[:, j, years.index(y)] *= 1000.0 * eflops / (pf * total)
    return arr


def _cluster_table(ds: InputTables, sc: Scenario) -> pd.DataFrame:
    cl = ds.clusters.copy()
    for cid, lev in sc.clusters.items():
        for field, value in lev.model_dump(exclude_none=True).items():
            cl.loc[cid, field] = float(value)
    for c in ("grid_price_yuan_per_kwh", "green_price_yuan_per_kwh"):  # kept for results.nc
        cl[c.replace("_yuan", "_unscaled_yuan")] = cl[c]
    cl["grid_price_yuan_per_kwh"] *= sc.electricity_price_scale
    cl["green_price_yuan_per_kwh"] *= sc.green_price_scale
    bad = cl["planned_racks"] < cl["installed_racks"]
    if bad.any():
        cid = cl.index[bad][0]
        raise InputError(sc.source, f"clusters.{cid}.planned_racks",
                         f"planned_racks ({cl.loc[cid, 'planned_racks']:g}) below installed_racks ({cl.loc[cid, 'installed_racks']:g})")
    return cl


def _availability(ds: InputTables, sc: Scenario, years: list[int]) -> np.ndarray:
    avail = np.ones((len(ds.clusters), len(years)))
    clusters = list(ds.clusters.index)
    for out in sc.outages:  # ids and years checked by unknown_ids
        for y in years if out.years is None else out.years:
            avail[clusters.index(out.cluster), years.index(y)] = 0.0
    return avail


def _local_vars(ds: InputTables, wl: pd.DataFrame, years: list[int], use: bool, price_scale: float,
                ai_share: float) -> dict:
    """The stock outside the clusters, per province (zeros without local.csv): available[r,y] =
    existing[r] · max(0, 1 − retire[r] · (y − y0)); admissible for class w when its latency is within the bound."""
    R, regions = ("region",), list(ds.regions.index)
    lc = (ds.local if ds.local is not None and use else pd.DataFrame(index=pd.Index([], name="region_id"))).reindex(regions)
    col = lambda c, fill=0.0: lc[c].fillna(fill).to_numpy(float) if c in lc else np.full(len(regions), fill)  # noqa: E731
    t = np.asarray(years, float) - years[0]
    avail = col("existing_racks")[:, None] * np.clip(1 - col("retire_share_per_year")[:, None] * t[None, :], 0, None)
    bound = wl["latency_bound_ms"].to_numpy(float)
    lat = col("latency_ms", np.inf)
    return dict(
        local_available_racks=(("region", "year"), avail, {"units": "standard racks", "long_name": "local stock after retirement"}),
        local_existing_racks=(R, col("existing_racks"), {"units": "standard racks", "long_name": "stock at the start of the horizon"}),
        local_retire_share_per_year=(R, col("retire_share_per_year"), {
            "units": "share of the first-year stock per year", "long_name": "straight-line retirement",
            "derived_into": "local_available_racks = local_existing_racks * max(0, 1 - this * (year - year[0]))"}),
        local_build_limit_racks_per_year=(R, col("build_limit_racks_per_year"), {"units": "standard racks/yr"}),
        local_latency_ms=(R, lat, {"units": "ms"}),
        local_admissible=(("region", "workload"), np.isnan(bound)[None, :] | (lat[:, None] <= bound[None, :])),
        local_pue=(R, col("pue", 1.0)),
        local_grid_price_yuan_per_kwh=(R, price_scale * col("grid_price_yuan_per_kwh"), {
            "units": "yuan/kWh", "long_name": "after the scenario's electricity_price_scale",
            "derived_from": "electricity_price_scale * local_grid_price_unscaled_yuan_per_kwh"}),
        local_grid_price_unscaled_yuan_per_kwh=(R, col("grid_price_yuan_per_kwh"),
                                                {"units": "yuan/kWh", "long_name": "before the scenario's price scale"}),
        local_opex_yuan_per_rack_year=(R, col("opex_yuan_per_rack_year"), {"units": "yuan/rack/yr"}),
        local_capex_yuan_per_rack=(R, col("capex_yuan_per_rack"), {"units": "yuan/rack"}),
        local_ai_share=(R, np.full(len(regions), ai_share), {"units": "share", "long_name":
            "racks of the own stock fitted for AI (the scenario's local_ai_share, else settings.yaml's); NaN: no limit"}),
    )


def _remote_vars(ds: InputTables, wl: pd.DataFrame, local: dict, layer: str, settings_file: str) -> dict:
    """The national market for the provinces' own stock: region r's non-real-time work of class w may
    use province s's stock (s ≠ r) when the latency r → s (modelled between the provinces' capitals,
    plus s's own access latency) is within the class bound; it pays transport like any arc."""
    regions = ds.regions
    dist = distance_matrix(regions, regions).to_numpy()
    lat = modelled_latency_ms(pd.DataFrame(dist), ds.settings, layer, settings_file).to_numpy() + local["local_latency_ms"][1][None, :]
    bound = wl["latency_bound_ms"].to_numpy(float)
    has_stock = (local["local_available_racks"][1][:, 0] > 0) | (local["local_build_limit_racks_per_year"][1] > 0)
    adm = ((np.isnan(bound)[None, None, :] | (lat[:, :, None] <= bound[None, None, :]))
           & ~wl["realtime"].to_numpy(bool)[None, None, :] & ~np.eye(len(regions), dtype=bool)[:, :, None]
           & has_stock[None, :, None])
    st = ds.settings
    tau = wl["data_tb_per_rack_year"].to_numpy()[None, None, :] * (
        st["transport_yuan_per_tb"] + st["transport_yuan_per_tb_per_1000km"] * st["route_factor"] * dist[:, :, None] / 1000.0)
    RS = ("region", "stock")
    return dict(
        remote_latency_ms=(RS, lat, {"units": "ms", "long_name": "one-way latency from region r's users to province s's stock",
                                     "derived_from": "modelled latency between the capitals + local_latency_ms of s"}),
        remote_admissible=(RS + ("workload",), adm, {"long_name": "non-real-time work of r may use s's stock (s ≠ r)"}),
        remote_transport_yuan_per_rack_year=(RS + ("workload",), tau, {
            "units": "yuan/rack/yr", "derived_from": "data_tb_per_rack_year * (transport_yuan_per_tb + "
            "transport_yuan_per_tb_per_1000km * route_factor * distance between the capitals / 1000)"}),
    )


def _flat(doc: Any, prefix: str = "") -> dict[str, Any]:
    """Nested scenario document → {dotted path: scalar} (lists indexed: outages.0.years.1)."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else None
    if items is None:
        return {prefix: doc}
    out: dict[str, Any] = {}
    for k, v in items:
        out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def scenario_levers(sc: Scenario) -> tuple[dict[str, float], dict[str, str]]:
    """What the scenario sets (defaults left out) as numbers (switches 0/1, null NaN) and texts,
    by dotted path: the structured twin of the manifest's scenario JSON."""
    numbers, texts = {}, {}
    for path, v in _flat(sc.model_dump(mode="json", exclude_defaults=True)).items():
        if isinstance(v, str):
            texts[path] = v
        else:
            numbers[path] = float("nan") if v is None else float(v)
    return numbers, texts


_OVERRIDDEN_BY = {key: path for path, key in SCENARIO_OVERRIDES.items()}


def setting_value(sc: Scenario, ds: InputTables, key: str) -> float:
    """A setting as the model uses it: the scenario's override, else the dataset's value, else NaN (a key
    a dataset may leave out, e.g. ``local_ai_share``: the option is off)."""
    value = None
    if key in _OVERRIDDEN_BY:
        value = sc
        for part in _OVERRIDDEN_BY[key].split("."):
            value = getattr(value, part)
    return float(ds.settings.get(key, np.nan) if value is None else value)


def _unmet_values(ds: InputTables, wl: pd.DataFrame) -> dict:
    """Each class's value of lost load v[w] (workloads.csv, empty: the dataset's penalty V₀) and its
    ratio λ[w] = v[w] / V₀, which the objective multiplies by the scenario's penalty V: the lever
    scales every class alike and V is the value of a class at V₀ (the general classes)."""
    v0 = float(ds.settings["unmet_penalty_yuan_per_rack_year"])
    v = wl["unmet_value_yuan_per_rack_year"].fillna(v0).to_numpy(float)
    return {"unmet_value_yuan_per_rack_year": (("workload",), v, {
                "units": "yuan/rack/yr", "long_name": "value of lost load of the class at settings.yaml's penalty",
                "derived_from": "workloads.csv unmet_value_yuan_per_rack_year, empty: settings.yaml unmet_penalty_yuan_per_rack_year"}),
            "unmet_value_ratio": (("workload",), v / v0 if v0 > 0 else np.ones_like(v), {
                "units": "1", "long_name": "the class's unmet penalty per unit of unmet_penalty_yuan_per_rack_year",
                "derived_from": "unmet_value_yuan_per_rack_year / settings.yaml unmet_penalty_yuan_per_rack_year (1 if that is 0)"})}


def build_inputs(sc: Scenario, ds: InputTables | None = None) -> xr.Dataset:
    """Apply the scenario to its dataset and return the model inputs."""
    if ds is None:
        ds = load_dataset(sc.input_path("dataset"))
    raise_all(unknown_ids(sc, ds))
    years = ds.years
    regions, clusters, workloads = list(ds.regions.index), list(ds.clusters.index), list(ds.workloads.index)
    cl = _cluster_table(ds, sc)
    cl["green_avail_mw"] *= sc.green_potential_scale
    wl = ds.workloads.copy()
    for w, bound in sc.latency_bounds_ms.items():
        if bound is not None:  # null: the dataset's bound
            wl.loc[w, "latency_bound_ms"] = np.nan if bound == NO_BOUND else float(bound)

    dist = distance_matrix(ds.regions, cl)
    lc_vars, lc_coords = lifecycle_variables(ds, dist, sc)
    if lc_vars and sc.resolution != "annual":
        raise InputError(sc.source, "resolution", "the data lifecycle (chains.csv) runs at resolution: annual only")
    if sc.latency_matrix:
        lat = read_latency_matrix(sc.input_path("latency_matrix"), regions, clusters)
        latency_source = str(sc.latency_matrix)
    else:
        lat = modelled_latency_ms(dist, ds.settings, sc.latency_layer, str(Path(ds.path) / "settings.yaml"))
        latency_source = f"modelled ({sc.latency_layer} layer)"
    bound = wl["latency_bound_ms"].to_numpy()
    admissible = np.isnan(bound)[None, None, :] | (lat.to_numpy()[:, :, None] <= bound[None, None, :])

    rate = setting_value(sc, ds, "discount_rate")
    life = float(ds.settings["capex_lifetime_years"])
    crf = 1.0 / life if rate == 0 else rate / (1 - (1 + rate) ** -life)
    route_km = dist.to_numpy() * ds.settings["route_factor"]
    transport = (wl["data_tb_per_rack_year"].to_numpy()[None, None, :]
                 * (ds.settings["transport_yuan_per_tb"]
                    + ds.settings["transport_yuan_per_tb_per_1000km"] * route_km[:, :, None] / 1000.0))
    hubs = ds.hubs
    pol = sc.policy
    st = ds.settings
    lever_num, lever_text = scenario_levers(sc)

    def raw(key: str, unit: str, what: str):  # a dataset setting that a derived input is computed from
        return ((), float(st[key]), {"units": unit, "long_name": what, "source": "settings.yaml"})

    if sc.resolution == "annual" and sc.hourly.green_matching == "hourly":
        raise InputError(sc.source, "hourly.green_matching",
                         "hour-by-hour matching needs resolution: hourly (the annual model has no hours)")
    h_vars, h_coords, h_attrs = hourly_variables(sc, Path(ds.path), clusters, workloads)
    local = _local_vars(ds, wl, years, sc.local_supply, float(sc.electricity_price_scale),
                        setting_value(sc, ds, "local_ai_share"))
    g_vars, g_coords, g_attrs, e_grid = green_inputs(ds, sc, cl, local["local_pue"][1])
    R, K, W, Y = ("region",), ("cluster",), ("workload",), ("year",)
    out = xr.Dataset(
        data_vars=variables(dict(
            demand=(("region", "workload", "year"), _demand_array(ds, sc, years),
                    {"units": "standard racks", "long_name": "demand in use",
                     "derived_from": "demand_dataset and the scenario's demand levers (scenario_lever_value)"}),
            demand_dataset=(("region", "workload", "year"), _demand_array(ds, Scenario(), years),
                            {"units": "standard racks", "long_name": "demand.csv before the scenario's levers"}),
            distance_km=(("region", "cluster"), dist.to_numpy(), {"units": "km", "long_name": "great-circle distance"}),
            latency_ms=(("region", "cluster"), lat.to_numpy(), {
                "units": "ms", "long_name": "one-way latency", "source": latency_source,
                "derived_from": ("latency_overhead_ms + route_factor * distance_km / fibre_km_per_ms"
                                 if latency_source == "modelled" else "the measured matrix named in source")}),
            admissible=(("region", "cluster", "workload"), admissible, {"long_name": "latency within the class bound"}),
            transport_yuan_per_rack_year=(("region", "cluster", "workload"), transport, {
                "units": "yuan/rack/yr", "derived_from": "data_tb_per_rack_year * (transport_yuan_per_tb + "
                "transport_yuan_per_tb_per_1000km * route_factor * distance_km / 1000)"}),
            route_factor=raw("route_factor", "-", "fibre route length / great-circle distance"),
            fibre_km_per_ms=raw("fibre_km_per_ms", "km/ms", "signal speed in fibre"),
            latency_overhead_ms=raw("latency_overhead_ms", "ms", "fixed one-way latency overhead"),
            transport_yuan_per_tb=raw("transport_yuan_per_tb", "yuan/TB", "transport tariff per TB moved"),
            transport_yuan_per_tb_per_1000km=raw("transport_yuan_per_tb_per_1000km", "yuan/TB/1000 km",
                                                 "transport tariff per TB per 1000 route km"),
            capex_lifetime_years=raw("capex_lifetime_years", "yr", "annualisation period of capex"),
            latency_bound_ms=(W, bound, {"units": "ms", "long_name": "NaN: no bound"}),
            realtime=(W, wl["realtime"].to_numpy(bool)),
            kw_per_rack=(W, wl["kw_per_rack"].to_numpy(float), {"units": "kW/rack"}),
            data_tb_per_rack_year=(W, wl["data_tb_per_rack_year"].to_numpy(float), {"units": "TB/rack/yr"}),
            **{c.name: (K, cl[c.name].fillna(c.empty).to_numpy(float), {"units": c.unit, "long_name": c.doc})
               for c in overridable("clusters.csv")},
            installed_ai_racks=(K, np.minimum(cl["installed_ai_racks"].to_numpy(float), cl["installed_racks"].to_numpy(float))
                                if "installed_ai_racks" in cl else np.full(len(clusters), np.nan), {
                "units": "standard racks", "long_name": "installed racks fitted for AI (智算); NaN everywhere: no separate AI capacity",
                "derived_from": "min(clusters.csv installed_ai_racks, installed_racks)"}),
            pflops_per_ai_rack=(K, cl["pflops_per_ai_rack"].to_numpy(float) if "pflops_per_ai_rack" in cl else np.full(len(clusters), np.nan), {
                "units": "PFLOPS (FP16) per occupied rack",
                "long_name": "compute of an AI rack at the cluster; NaN: the AI class's pflops_per_rack"}),
            ai_class=(W, wl["physical_rack_kw"].fillna(STANDARD_RACK_KW).to_numpy(float) > STANDARD_RACK_KW,
                      {"long_name": "AI (GPU) class: its physical racks are denser than a standard rack"}),
            pflops_per_rack=(W, wl["pflops_per_rack"].fillna(0.0).to_numpy(float), {"units": "PFLOPS (FP16) per occupied rack"}),
            physical_rack_kw=(W, wl["physical_rack_kw"].fillna(STANDARD_RACK_KW).to_numpy(float), {"units": "kW IT per physical rack"}),
            **local,
            **_remote_vars(ds, wl, local, sc.latency_layer, str(Path(ds.path) / "settings.yaml")),
            **{c: (K, cl[c].to_numpy(float), {"units": "yuan/kWh", "long_name": "before the scenario's price scale"})
               for c in ("grid_price_unscaled_yuan_per_kwh", "green_price_unscaled_yuan_per_kwh")},
            electricity_price_scale=((), float(sc.electricity_price_scale),
                                     {"long_name": "grid_price_yuan_per_kwh = this × grid_price_unscaled_yuan_per_kwh"}),
            green_price_scale=((), float(sc.green_price_scale),
                               {"long_name": "green_price_yuan_per_kwh = this × green_price_unscaled_yuan_per_kwh"}),
            cluster_co2_t_per_mwh=(K, ds.regions.loc[cl["region_id"], "co2_t_per_mwh"].to_numpy(float) * e_grid,
                                   {"units": "tCO2/MWh", "long_name": "factor of the grid share (emission_accounting)",
                                    "derived_from": "region_co2_t_per_mwh at cluster_region"}),
            west=(K, (hubs.loc[cl["hub_id"], "role"] == "west").to_numpy()),
            available=(("cluster", "year"), _availability(ds, sc, years), {"long_name": "1: in service, 0: outage"}),
            region_co2_t_per_mwh=(R, ds.regions["co2_t_per_mwh"].to_numpy(float) * e_grid,
                                  {"units": "tCO2/MWh", "long_name": "factor of the grid share (emission_accounting)",
                                   "derived_from": "region_co2_location_t_per_mwh × residual_factor_ratio (market) or × 1 (location)"}),
            discount_factor=(Y, (1 + rate) ** -(np.asarray(years, float) - years[0]),
                             {"derived_from": "(1 + discount_rate) ** -(year - year[0])"}),
            carbon_price_yuan_per_t=((), setting_value(sc, ds, "carbon_price_yuan_per_t")),
            discount_rate=((), rate),
            capital_recovery_factor=((), crf, {"derived_from": "discount_rate / (1 - (1 + discount_rate) ** "
                                                               "-capex_lifetime_years); 1 / lifetime at rate 0"}),
            scenario_lever_value=(("scenario_lever",), np.array(list(lever_num.values()), dtype=float),
                                  {"long_name": "what the scenario sets, by dotted path (switches 0/1, null NaN)"}),
            unmet_penalty_yuan_per_rack_year=((), setting_value(sc, ds, "unmet_penalty_yuan_per_rack_year")),
            **_unmet_values(ds, wl),
            policy_penalty_yuan_per_rack_year=((), setting_value(sc, ds, "policy_penalty_yuan_per_rack_year")),
            utilisation_floor=((), setting_value(sc, ds, "utilisation_floor")),
            min_green_share=((), setting_value(sc, ds, "min_green_share")),
            min_west_share=((), setting_value(sc, ds, "min_west_share")),
            emission_cap_t=((), np.nan if pol.emission_cap_t is None else float(pol.emission_cap_t),
                            {"units": "tCO2 over the horizon", "long_name": "NaN: no cap"}),
            allow_unmet=((), bool(pol.allow_unmet)),
            n_minus_1=((), bool(pol.n_minus_1)),
            block_racks=((), np.nan if sc.modular_builds is None else sc.modular_builds.block_racks,
                         {"units": "standard racks", "long_name": "NaN: continuous builds"}),
            block_fixed_cost_yuan=((), 0.0 if sc.modular_builds is None else sc.modular_builds.fixed_cost_yuan_per_block),
            modular_relax=((), bool(sc.modular_builds and sc.modular_builds.relax)),
            **{s.key: ((), float(st.get(s.key, s.default)), {"units": s.unit, "source": "settings.yaml" if s.key in st else "default"})
               for s in DATASET_SETTINGS if s.as_input},
            **h_vars,
            **g_vars,
            **lc_vars,
        )),
        coords=variables(dict(
            region=regions, cluster=clusters, workload=workloads, year=years, stock=regions,
            scenario_lever=np.array(list(lever_num), dtype=str),
            region_name_zh=(R, ds.regions["name_zh"].to_numpy(str)), region_name_en=(R, ds.regions["name_en"].to_numpy(str)),
            region_lat=(R, ds.regions["lat"].to_numpy(float)), region_lon=(R, ds.regions["lon"].to_numpy(float)),
            cluster_name_zh=(K, cl["name_zh"].to_numpy(str)), cluster_name_en=(K, cl["name_en"].to_numpy(str)),
            cluster_lat=(K, cl["lat"].to_numpy(float)), cluster_lon=(K, cl["lon"].to_numpy(float)),
            hub=(K, cl["hub_id"].to_numpy(str)),
            cluster_region=(K, cl["region_id"].to_numpy(str), {"long_name": "region whose grid CO2 factor applies"}),
            hub_name_zh=(K, hubs.loc[cl["hub_id"], "name_zh"].to_numpy(str)),
            hub_name_en=(K, hubs.loc[cl["hub_id"], "name_en"].to_numpy(str)),
            workload_name_zh=(W, wl["name_zh"].to_numpy(str)), workload_name_en=(W, wl["name_en"].to_numpy(str)),
            **h_coords,
            **g_coords,
            **lc_coords,
        )),
        attrs=dict(scenario=sc.name, dataset=ds.label, hours_per_year=HOURS_PER_YEAR, **h_attrs, **g_attrs,
                   **{f"scenario.{k}": v for k, v in lever_text.items()}),
    )
    # the layer's own route factor and overhead (ip / target differ from the optical route_factor)
    factor_key, overhead_key = LAYERS[sc.latency_layer]
    out["latency_layer_route_factor"] = variable((), float(st.get(factor_key, np.nan)), {
        "long_name": f"route factor of the {sc.latency_layer} layer ({factor_key})", "source": "settings.yaml"})
    out["latency_layer_overhead_ms"] = variable((), 0.0 if overhead_key is None else float(st.get(overhead_key, np.nan)), {
        "units": "ms", "long_name": f"overhead of the {sc.latency_layer} layer ({overhead_key or 'none: 0'})"})
    # prices in the inputs are after the scenario's scales (docs/math.md); say so where a column's doc says "before"
    for c, scale in (("grid_price_yuan_per_kwh", "electricity_price_scale"), ("green_price_yuan_per_kwh", "green_price_scale")):
        out[c].attrs.update(long_name=f"after the scenario's {scale}", derived_from=f"{scale} * {c.replace('_yuan', '_unscaled_yuan')}")
    # green_avail_mw is nameplate wind/solar potential; the annual model can draw at most its
    # annual mean output (docs/math.md, "Power")
    out["green_avail_avg_mw"] = variable(K, out["green_avail_mw"].to_numpy() * out["green_cf_annual"].to_numpy(),
                                         {"units": "MW average", "long_name": "green potential × annual capacity factor"})
    return out
