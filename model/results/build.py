"""Solution → one self-describing xarray Dataset: inputs, decisions, KPIs and a run manifest.

Everything a report shows is computed here once; ``model.reports`` only reads this Dataset.
"""
from __future__ import annotations

import json

import numpy as np
import xarray as xr

from .. import strict_json
from ..formulation.blocks import LinearProgram
from ..formulation.index import Index
from ..formulation.objective import racks_per_facility_mw
from ..solve.highs import Solution
from .hourly import annual_scores, hourly_results
from ..inputs.arrays import variable, variables
from ..inputs.schema import STANDARD_RACK_KW
from .reasons import TOL, unmet_reasons
from .shadow import shadow_prices



def _block(lp: LinearProgram, values: np.ndarray, name: str) -> np.ndarray:
    off = lp.offsets()[name]
    return values[off: off + lp.variables[name].size]


def cost_by_term(lp: LinearProgram, col_value: np.ndarray) -> dict[str, float]:
    off = lp.offsets()
    return {ct.name: float(sum(np.dot(coef, col_value[off[v] + col]) for v, col, coef in ct.parts))
            for ct in lp.costs}


def build_results(inp: xr.Dataset, lp: LinearProgram, sol: Solution, manifest: dict) -> xr.Dataset:
    ix: Index = lp.index
    R, K, W, Y = ix.R, ix.K, ix.W, ix.Y
    v = sol.col_value
    H = float(inp.attrs["hours_per_year"])
    x_arc = _block(lp, v, "x").reshape(ix.A, Y)
    alloc = np.zeros((R, K, W, Y))
    alloc[ix.arc_r, ix.arc_k, ix.arc_w, :] = x_arc
    unmet = _block(lp, v, "unmet").reshape(R, W, Y)
    build = _block(lp, v, "build").reshape(K, Y)
    grid = _block(lp, v, "grid").reshape(K, Y)
    green = _block(lp, v, "green").reshape(K, Y)
    capacity = inp["installed_racks"].to_numpy()[:, None] + np.cumsum(build, axis=1)
    has_local = "local" in lp.variables
    local = _block(lp, v, "local").reshape(R, W, Y) if has_local else np.zeros((R, W, Y))
    local_build = _block(lp, v, "local_build").reshape(R, Y) if has_local else np.zeros((R, Y))
    local_mw = np.einsum("rwy,w->ry", local, inp["kw_per_rack"].to_numpy()) / 1000.0 * inp["local_pue"].to_numpy()[:, None]
    wue = inp["wue_l_per_kwh"].to_numpy()[:, None]
    pflops = inp["pflops_per_rack"].to_numpy()
    load = alloc.sum(axis=(0, 2))
    it_mw = np.einsum("rkwy,w->ky", alloc, inp["kw_per_rack"].to_numpy()) / 1000.0
    ef = inp["cluster_co2_t_per_mwh"].to_numpy()[:, None]
    lat = inp["latency_ms"].to_numpy()
    served_w = alloc.sum(axis=(0, 1))  # (W, Y)
    lat_w = np.einsum("rkwy,rk->wy", alloc, lat)
    costs = cost_by_term(lp, v)

    KY, RWY = ("cluster", "year"), ("region", "workload", "year")
    out = inp.copy()
    out = out.assign(**variables(dict(
        allocation=(("region", "cluster", "workload", "year"), alloc, {"units": "standard racks"}),
        unmet=(RWY, unmet, {"units": "standard racks"}),
        unmet_reason=(RWY, unmet_reasons(inp, lp, v, unmet).astype(str)),
        served=(RWY, alloc.sum(axis=1), {"units": "standard racks", "long_name": "served in the clusters"}),
        local_served=(RWY, local, {"units": "standard racks", "long_name": "served in the province's own stock (outside the clusters)"}),
        local_build=(("region", "year"), local_build, {"units": "standard racks"}),
        local_capacity=(("region", "year"), inp["local_available_racks"].transpose("region", "year").to_numpy() + np.cumsum(local_build, axis=1),
                        {"units": "standard racks", "long_name": "local stock after retirement + cumulative local builds"}),
        local_energy_mwh=(("region", "year"), local_mw * H, {"units": "MWh"}),
        local_emissions_t=(("region", "year"), inp["region_co2_t_per_mwh"].to_numpy()[:, None] * local_mw * H, {"units": "tCO2"}),
        local_eflops=(RWY, local * pflops[None, :, None] / 1000.0, {"units": "EFLOPS (FP16)"}),
        water_m3=(KY, wue * it_mw * H, {"units": "m³", "long_name": "on-site water = WUE × IT energy"}),
        eflops=(("cluster", "workload", "year"), np.einsum("rkwy,w->kwy", alloc, pflops) / 1000.0,
                {"units": "EFLOPS (FP16)", "long_name": "compute of the occupied racks"}),
        physical_racks=(("cluster", "workload", "year"), alloc.sum(axis=0) * STANDARD_RACK_KW / inp["physical_rack_kw"].to_numpy()[None, :, None],
                        {"units": "physical racks", "long_name": "standard racks × 2.5 kW / kW per physical rack"}),
        build=(KY, build, {"units": "standard racks"}),
        capacity=(KY, capacity, {"units": "standard racks", "long_name": "installed + cumulative builds"}),
        load=(KY, load, {"units": "standard racks"}),
        utilisation=(KY, np.divide(load, capacity, out=np.full_like(load, np.nan), where=capacity > 0),
                     {"long_name": "load / capacity (上架率)"}),
        utilisation_shortfall=(KY, _block(lp, v, "util_short").reshape(K, Y), {"units": "standard racks"}),
        it_power_mw=(KY, it_mw, {"units": "MW"}),
        grid_mw=(KY, grid, {"units": "MW"}),
        green_mw=(KY, green, {"units": "MW"}),
        facility_power_mw=(KY, grid + green, {"units": "MW"}),
        energy_mwh=(KY, (grid + green) * H, {"units": "MWh"}),
        green_shortfall_mw=(KY, _block(lp, v, "green_short").reshape(K, Y), {"units": "MW"}),
        emissions_t=(KY, ef * grid * H, {"units": "tCO2"}),
        west_shortfall=(("year",), _block(lp, v, "west_short"), {"units": "standard racks"}),
        latency_weighted_ms=(("workload", "year"),
                             np.divide(lat_w, served_w, out=np.full_like(lat_w, np.nan), where=served_w > TOL),
                             {"units": "ms", "long_name": "load-weighted one-way latency"}),
        cost=(("cost_term",), np.array(list(costs.values())), {"units": "yuan (discounted)"}),
        **shadow_prices(inp, lp, sol.row_dual, sol.col_dual),
    )))
    if "n1_short" in lp.variables:
        short = _block(lp, v, "n1_short").reshape(ix.A, Y)
        n1 = np.zeros((K, Y))
        np.add.at(n1, ix.arc_k, short)
        out["n1_shortfall"] = variable(("cluster", "year"), n1, {"units": "standard racks",
                                                                 "long_name": "load that could not be re-served if this cluster failed"})
    out = out.assign(**variables(hourly_results(inp, lp, v, sol.col_dual, sol.row_dual) if "grid_h" in lp.variables
                                 else annual_scores(inp, grid, green)))
    out["racks_per_mw"] = variable(("cluster",), racks_per_facility_mw(inp),
                                   {"long_name": "standard racks per facility MW: the price of a MW of green shortfall in policy_penalty"})
    out = out.assign_coords(variables({"cost_term": list(costs)}))
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
        baseline_emissions_t=(("baseline",), np.array([float(r["emissions_t"].sum()) for r in runs.values()]), {"units": "tCO2"}),
        baseline_unmet=(("baseline",), np.array([float(r["unmet"].sum()) for r in runs.values()]), {"units": "rack-years"}),
        baseline_latency_ms=(("baseline", "workload"), np.array([lat(r).values for r in runs.values()]), {"units": "ms"}),
        baseline_status=(("baseline",), np.array([r.attrs["status"] for r in runs.values()])),
    )
    return out.assign_coords(baseline=list(runs))


def manifest_of(res: xr.Dataset) -> dict:
    return json.loads(res.attrs["manifest"])
