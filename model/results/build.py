"""Solution → one self-describing xarray Dataset: inputs, decisions, KPIs and a run manifest.

Everything a report shows is computed here once; ``model.reports`` only reads this Dataset.
"""
from __future__ import annotations

import json

import numpy as np
import xarray as xr

from .. import strict_json
from ..formulation import quantities
from ..formulation.blocks import LinearProgram
from ..formulation.capacity import in_service, occupiable, site_potential
from ..formulation.green import CLUSTER_GREEN, LOCAL_GREEN
from ..formulation.index import Index
from ..formulation.lifecycle import has_chains
from ..formulation.market import remote_arcs
from ..formulation.objective import racks_per_facility_mw
from ..formulation.resilience import pairs
from ..inputs.arrays import variable, variables
from ..inputs.schema import STANDARD_RACK_KW
from ..solve.highs import Solution
from .green import green_results
from .hourly import annual_scores, hourly_results
from .lifecycle import lifecycle_results
from .reasons import TOL, unmet_reasons
from .shadow import shadow_prices


def _block(lp: LinearProgram, values: np.ndarray, name: str) -> np.ndarray:
    return values[lp.column_slice(name)]


def cost_by_term(lp: LinearProgram, col_value: np.ndarray) -> dict[str, float]:
    off = lp.offsets()
    return {ct.name: float(sum(np.dot(coef, col_value[off[v] + col]) for v, col, coef in ct.parts))
            for ct in lp.costs}


def sunk_costs(inp: xr.Dataset) -> dict[str, float]:
    """Discounted yuan the existing stock costs whatever the plan: the fixed opex of the clusters'
    installed racks and of the provinces' own stock (before any early retirement, which the
    objective's ``opex_fixed`` / ``local_opex_fixed`` terms credit back)."""
    discount, s_f = inp["discount_factor"].to_numpy(), float(inp["fixed_opex_share"])
    clusters = s_f * float(inp["opex_yuan_per_rack_year"].to_numpy() @ inp["installed_racks"].to_numpy()) * float(discount.sum())
    local_stock = inp["local_available_racks"].transpose("region", "year").to_numpy()
    local = s_f * float(inp["local_opex_yuan_per_rack_year"].to_numpy() @ local_stock @ discount)
    return {"opex_fixed_installed": clusters, "local_opex_fixed_existing": local}


def cluster_pflops(inp: xr.Dataset) -> np.ndarray:
    """(K, W) PFLOPS of an occupied rack: the cluster's own AI density (``pflops_per_ai_rack``, its
    GPUs) for AI classes where given, else the class's national ``pflops_per_rack``. A reporting
    quantity: demand and capacity stay in standard racks (power and space)."""
    own = inp["pflops_per_ai_rack"].to_numpy()[:, None]
    national = inp["pflops_per_rack"].to_numpy()[None, :]
    return np.where(inp["ai_class"].to_numpy()[None, :] & np.isfinite(own), own, national)


def emissions_by_source(inp: xr.Dataset, lp: LinearProgram, v: np.ndarray) -> dict[str, np.ndarray]:
    """tCO2 of each contribution (``quantities.emissions``) by its entity (cluster or region) and year."""
    ix: Index = lp.index
    return {c.name: c.by_entity_year(v[lp.column_slice(c.var)],
                                     ix.K if c.dim == "cluster" else ix.R, ix.Y)
            for c in quantities.emissions(ix, inp)}


def build_results(inp: xr.Dataset, lp: LinearProgram, sol: Solution, manifest: dict) -> xr.Dataset:
    ix: Index = lp.index
    R, K, W, Y = ix.R, ix.K, ix.W, ix.Y
    v = sol.col_value
    hours_per_year = float(inp.attrs["hours_per_year"])
    x_arc = _block(lp, v, "x").reshape(ix.A, Y)
    alloc = np.zeros((R, K, W, Y))
    alloc[ix.arc_r, ix.arc_k, ix.arc_w, :] = x_arc
    unmet = _block(lp, v, "unmet").reshape(R, W, Y)
    build = _block(lp, v, "build").reshape(K, Y)
    retire = _block(lp, v, "retire").reshape(K, Y)
    grid = _block(lp, v, "grid").reshape(K, Y)
    green = _block(lp, v, "green").reshape(K, Y)
    capacity = in_service(inp, build, retire)
    has_local = "local" in lp.variables
    local = _block(lp, v, "local").reshape(R, W, Y) if has_local else np.zeros((R, W, Y))
    local_build = _block(lp, v, "local_build").reshape(R, Y) if has_local else np.zeros((R, Y))
    local_retire = _block(lp, v, "local_retire").reshape(R, Y) if has_local else np.zeros((R, Y))
    remote = np.zeros((R, R, W, Y))
    if "remote" in lp.variables:
        r_, s_, w_ = remote_arcs(ix, inp)
        remote[r_, s_, w_, :] = _block(lp, v, "remote").reshape(r_.size, Y)
    hosted = local.sum(axis=1) + remote.sum(axis=(0, 2))  # (R, Y): racks occupied in each province's stock
    local_mw = (np.einsum("rwy,w->ry", local, inp["kw_per_rack"].to_numpy()) + np.einsum("rswy,w->sy", remote, inp["kw_per_rack"].to_numpy())
                ) / 1000.0 * inp["local_pue"].to_numpy()[:, None]
    local = local + remote.sum(axis=1)  # served for region r in the provinces' stock, its own or another's
    local_capacity = (inp["local_available_racks"].transpose("region", "year").to_numpy()
                      + np.cumsum(local_build, axis=1) - np.cumsum(local_retire, axis=1))
    em = emissions_by_source(inp, lp, v)
    sunk = sunk_costs(inp)
    wue = inp["wue_l_per_kwh"].to_numpy()[:, None]
    pflops = inp["pflops_per_rack"].to_numpy()
    pflops_kw = cluster_pflops(inp)
    load = alloc.sum(axis=(0, 2))
    it_mw = np.einsum("rkwy,w->ky", alloc, inp["kw_per_rack"].to_numpy()) / 1000.0
    lat = inp["latency_ms"].to_numpy()
    served_w = alloc.sum(axis=(0, 1))  # (W, Y)
    lat_w = np.einsum("rkwy,rk->wy", alloc, lat)
    costs = cost_by_term(lp, v)
    g_vars = green_results(inp, lp, v)
    hydro = g_vars["hydro_mw"][1]

    KY, RWY = ("cluster", "year"), ("region", "workload", "year")
    out = inp.copy()
    out = out.assign(**variables(dict(
        allocation=(("region", "cluster", "workload", "year"), alloc, {"units": "standard racks"}),
        unmet=(RWY, unmet, {"units": "standard racks"}),
        unmet_reason=(RWY, unmet_reasons(inp, lp, v, unmet).astype(str)),
        served=(RWY, alloc.sum(axis=1), {"units": "standard racks", "long_name": "served in the clusters"}),
        local_served=(RWY, local, {"units": "standard racks",
                                   "long_name": "served in the provinces' stock outside the clusters (its own, or another's on the market)"}),
        remote_served=(("region", "stock", "workload", "year"), remote, {
            "units": "standard racks", "long_name": "region r's work served in province s's stock (the national market)"}),
        local_build=(("region", "year"), local_build, {"units": "standard racks"}),
        local_retire=(("region", "year"), local_retire, {"units": "standard racks", "long_name": "own stock retired early"}),
        local_capacity=(("region", "year"), local_capacity,
                        {"units": "standard racks", "long_name": "local stock after retirement + cumulative local builds − early retirement"}),
        local_idle=(("region", "year"), local_capacity - hosted,
                    {"units": "standard racks", "long_name": "own-stock racks in service but not occupied"}),
        local_ai_capacity_racks=(("region", "year"), inp["local_ai_share"].to_numpy()[:, None] * local_capacity, {
            "units": "standard racks", "long_name": "own-stock racks fitted for AI: local_ai_share × local_capacity (NaN: no limit)"}),
        local_energy_mwh=(("region", "year"), (local_mw - g_vars["local_pue_saving_mw"][1]) * hours_per_year,
                          {"units": "MWh", "long_name": "by the province whose stock runs the work, after PUE retrofits"}),
        local_emissions_t=(("region", "year"), sum(em.get(n, 0) for n in ("local", "remote", *LOCAL_GREEN)) + np.zeros((R, Y)),
                           {"units": "tCO2", "long_name": "by the province whose stock runs the work, less green claimed and PUE savings"}),
        unmet_emissions_t=(("region", "year"), em["unmet"], {
            "units": "tCO2", "long_name": "unmet work served outside the plan at the fallback factor",
            "derived_from": "fallback_co2_t_per_mwh * 8760 * fallback_pue * kw_per_rack / 1000 * unmet"}),
        unmet_share=(("year",), unmet.sum(axis=(0, 1))
                     / np.maximum(inp["demand"].transpose("region", "workload", "year").to_numpy().sum(axis=(0, 1)), TOL),
                     {"long_name": "unmet / national demand"}),
        local_eflops=(RWY, local * pflops[None, :, None] / 1000.0, {"units": "EFLOPS (FP16)"}),
        water_m3=(KY, wue * it_mw * hours_per_year, {"units": "m³", "long_name": "on-site water = WUE × IT energy"}),
        eflops=(("cluster", "workload", "year"), np.einsum("rkwy,kw->kwy", alloc, pflops_kw) / 1000.0,
                {"units": "EFLOPS (FP16)", "long_name": "compute of the occupied racks"}),
        cluster_pflops_per_rack=(("cluster", "workload"), pflops_kw, {
            "units": "PFLOPS (FP16) per occupied rack", "long_name": "compute of an occupied rack of the class at the cluster",
            "derived_from": "pflops_per_ai_rack for AI classes where given, else pflops_per_rack"}),
        physical_racks=(("cluster", "workload", "year"), alloc.sum(axis=0) * STANDARD_RACK_KW / inp["physical_rack_kw"].to_numpy()[None, :, None],
                        {"units": "physical racks", "long_name": "standard racks × 2.5 kW / kW per physical rack"}),
        build=(KY, build, {"units": "standard racks"}),
        build_above_plan=(KY, _block(lp, v, "build_above").reshape(K, Y),
                          {"units": "standard racks", "long_name": "of the builds, racks beyond the plan (at the higher cost)"}),
        retire=(KY, retire, {"units": "standard racks", "long_name": "installed racks retired early"}),
        build_ai=(KY, _block(lp, v, "build_ai").reshape(K, Y) if "build_ai" in lp.variables else np.zeros((K, Y)),
                  {"units": "standard racks", "long_name": "of the builds, racks fitted for AI (智算)"}),
        ai_capacity_racks=(KY, np.nan_to_num(inp["installed_ai_racks"].to_numpy())[:, None]
                           + np.cumsum(_block(lp, v, "build_ai").reshape(K, Y) if "build_ai" in lp.variables else np.zeros((K, Y)), axis=1),
                           {"units": "standard racks", "long_name": "racks fitted for AI: installed + cumulative AI builds"}),
        plan_vs_optimum=(("cluster",), inp["installed_racks"].to_numpy() + build.sum(axis=1) - inp["planned_racks"].to_numpy(), {
            "units": "standard racks", "long_name": "racks at the end of the horizon before retirement (installed + builds) − planned_racks"}),
        site_potential_racks=(("cluster",), site_potential(inp), {"units": "standard racks",
                              "derived_from": "max(site_potential_share_of_plan * planned_racks, installed_racks)"}),
        capacity=(KY, capacity, {"units": "standard racks", "long_name": "in service: installed − early retirement + cumulative builds"}),
        occupiable=(KY, occupiable(inp, build, retire), {"units": "standard racks",
                    "long_name": "load the racks in service can hold after their fill-up (上架 ramp)"}),
        idle=(KY, capacity - load, {"units": "standard racks", "long_name": "racks in service but not occupied"}),
        load=(KY, load, {"units": "standard racks"}),
        utilisation=(KY, np.divide(load, capacity, out=np.full_like(load, np.nan), where=capacity > 0),
                     {"long_name": "load / capacity (上架率)"}),
        utilisation_shortfall=(KY, _block(lp, v, "util_short").reshape(K, Y), {"units": "standard racks"}),
        it_power_mw=(KY, it_mw, {"units": "MW"}),
        grid_mw=(KY, grid, {"units": "MW"}),
        green_mw=(KY, green, {"units": "MW"}),
        facility_power_mw=(KY, grid + green + hydro, {"units": "MW"}),
        energy_mwh=(KY, (grid + green + hydro) * hours_per_year, {"units": "MWh"}),
        green_shortfall_mw=(KY, _block(lp, v, "green_short").reshape(K, Y), {"units": "MW"}),
        emissions_t=(KY, sum(em.get(n, 0) for n in ("clusters", *CLUSTER_GREEN)) + np.zeros((K, Y)),
                     {"units": "tCO2", "long_name": "clusters' grid share × factor used, less green claimed"}),
        total_emissions_t=(("year",), sum(e.sum(axis=0) for e in em.values()), {
            "units": "tCO2", "long_name": "clusters + own stock + unmet at the fallback factor (the carbon budget's scope)"}),
        sunk_cost=(("sunk_term",), np.array(list(sunk.values())), {
            "units": "yuan (discounted)", "long_name": "the existing stock's fixed opex, paid whatever the plan (not in the objective)"}),
        west_shortfall=(("year",), _block(lp, v, "west_short"), {"units": "standard racks"}),
        latency_weighted_ms=(("workload", "year"),
                             np.divide(lat_w, served_w, out=np.full_like(lat_w, np.nan), where=served_w > TOL),
                             {"units": "ms", "long_name": "load-weighted one-way latency"}),
        cost=(("cost_term",), np.array(list(costs.values())), {"units": "yuan (discounted)"}),
        **shadow_prices(inp, lp, sol.row_dual, sol.col_dual),
        **g_vars,
    )))
    if "n1_short" in lp.variables:
        short = _block(lp, v, "n1_short").reshape(ix.A, Y)
        n1 = np.zeros((K, Y))
        np.add.at(n1, ix.arc_k, short)
        out["n1_shortfall"] = variable(("cluster", "year"), n1, {"units": "standard racks",
                                                                 "long_name": "load that could not be re-served if this cluster failed"})
        p = pairs(ix)
        moved = np.zeros((K, K, Y))  # (failed, cluster taking the load, year)
        np.add.at(moved, (ix.arc_k[p.failed], ix.arc_k[p.serve]), _block(lp, v, "reserve").reshape(p.serve.size, Y))
        out["n1_moved"] = variable(("failed", "cluster", "year"), moved, {
            "units": "standard racks", "long_name": "load of the failed cluster re-served at this cluster (N-1 plan)"})
        out = out.assign_coords(variables({"failed": list(ix.clusters)}))
    traded = g_vars["green_trade_mw"][1]
    claimed = traded + g_vars["certificate_mw"][1]
    out = out.assign(**variables(hourly_results(inp, lp, v, sol.col_dual, sol.row_dual, claimed, traded) if "grid_h" in lp.variables
                                 else annual_scores(inp, grid, green, hydro, claimed)))
    out["racks_per_mw"] = variable(("cluster",), racks_per_facility_mw(inp),
                                   {"long_name": "standard racks per facility MW: the price of a MW of green shortfall in policy_penalty"})
    out = out.assign_coords(variables({"cost_term": list(costs), "sunk_term": list(sunk)}))
    if has_chains(inp):
        out = out.assign(**variables(lifecycle_results(inp, lp, v, sol.row_dual)))
    out.attrs.update(status=sol.status, objective=sol.objective,
                     manifest=strict_json.dumps(manifest, ensure_ascii=False, sort_keys=True),
                     **{k: manifest[k] for k in ("scenario_hash", "scenario_name")})
    return out


def attach_baselines(res: xr.Dataset, baselines: dict[str, xr.Dataset]) -> xr.Dataset:
    """Add the optimum and each rule baseline side by side (dimension ``baseline``)."""
    runs = {"optimum": res, **baselines}
    served = lambda r: r["served"].sum(("region", "year"))  # noqa: E731
    lat = lambda r: ((r["latency_weighted_ms"].fillna(0) * r["served"].sum("region")).sum("year")  # noqa: E731
                     / served(r).where(served(r) > TOL))
    out = res.assign(
        baseline_cost=(("baseline", "cost_term"), np.array([r["cost"].values for r in runs.values()]),
                       {"units": "yuan (discounted)"}),
        baseline_emissions_t=(("baseline",), np.array([float(r["total_emissions_t"].sum()) for r in runs.values()]),
                              {"units": "tCO2", "long_name": "total_emissions_t of each run: the optimum's scope"}),
        baseline_unmet=(("baseline",), np.array([float(r["unmet"].sum()) for r in runs.values()]), {"units": "rack-years"}),
        baseline_latency_ms=(("baseline", "workload"), np.array([lat(r).values for r in runs.values()]), {"units": "ms"}),
        baseline_status=(("baseline",), np.array([r.attrs["status"] for r in runs.values()])),
    )
    return out.assign_coords(baseline=list(runs))


def manifest_of(res: xr.Dataset) -> dict:
    return json.loads(res.attrs["manifest"])
