"""What does a cut in inter-hub transfer fees buy, against spending the same money on electricity
in the west? (issue 21, the ``fee_cut`` question)

Three solves of a scenario with the data lifecycle (model/formulation/lifecycle.py, backbone.py):

1. **base**: the scenario as given;
2. **fee cut**: the backbone's price per TB × (1 − c). Its public cost is the fee revenue given up
   on the traffic that results: F = c / (1 − c) · chain_transfer (discounted yuan);
3. **subsidy**: the price of the electricity every cluster in a western hub buys, from the grid
   and as wind/solar contracts, lowered by σ yuan/kWh, with σ such that the subsidy costs the
   same: σ · Σ_{k west, y} δ_y · 8.76e6 · (grid_mw + green_mw)[k,y] = F. (Direct hydro supply
   has no scenario lever and is not subsidised; a subsidy of grid power alone would make it
   cheaper than the green contracts and crowd them out.) The western energy moves with σ, so σ
   is found by a fixed point from the base's energy (σ ← F / E_west(σ); a few solves, stopped at
   a 0.1 % change).

Each case reports the western share of the stored data (the first stages' TB in western hubs),
the chains' backbone traffic, the planner's cost (the objective, which the measure lowers by about
its public cost), the public cost, the system cost (their sum: the measure is a transfer, what
remains is the real cost of the change in the plan) and CO₂ over the horizon.
"""
from __future__ import annotations

import pandas as pd
import xarray as xr

from ..errors import InputError
from ..inputs.scenario import Scenario
from ..run import Planner

KWH_PER_MW_YEAR = 8760.0 * 1000.0
MAX_ROUNDS = 8
TOLERANCE = 1e-3  # relative change of σ between rounds
SUBSIDISED_MW = ("grid_mw", "green_mw")  # results: MW bought from the grid and as wind/solar contracts
SUBSIDISED_PRICES = ("grid_price_yuan_per_kwh", "green_price_yuan_per_kwh")  # the cluster levers lowered by σ


def western_storage_share(res: xr.Dataset) -> float:
    """Share of the stored data (the first stages' TB/yr: data collected are stored first) held
    in western hubs, over the horizon."""
    first = res["stage_order"].to_numpy() == 1
    tb = res["chain_tb"].isel(stage=first).sum(["stage", "year"]).to_numpy()
    return float(tb[res["west"].to_numpy()].sum() / tb.sum())


def western_grid_kwh(res: xr.Dataset) -> float:
    """Σ_{k west, y} δ_y · energy bought from the grid and as wind/solar contracts (kWh): what a
    subsidy of 1 yuan/kWh costs, discounted."""
    mw = sum(res[v].transpose("cluster", "year").to_numpy() for v in SUBSIDISED_MW)[res["west"].to_numpy()]
    return float((mw * res["discount_factor"].to_numpy()[None, :]).sum() * KWH_PER_MW_YEAR)


def _row(case: str, res: xr.Dataset, public_cost: float, subsidy: float) -> dict:
    tbps = float(res["tbps_per_tb_year"])
    return {"case": case, "status": res.attrs["status"],
            "western_storage_share": western_storage_share(res),
            "backbone_chain_tbps_last_year": float(res["backbone_tb"].isel(year=-1).sum()) * tbps,
            "backbone_tb": float(res["backbone_tb"].sum()),
            "objective_yuan": float(res.attrs["objective"]),
            "public_cost_yuan": public_cost,
            "system_cost_yuan": float(res.attrs["objective"]) + public_cost,  # the measure's money counted once
            "transfer_yuan": float(res["cost"].sel(cost_term="chain_transfer")),
            "emissions_t": float(res["total_emissions_t"].sum()),
            "west_subsidy_yuan_per_kwh": subsidy}


def _subsidised(sc: Scenario, inp: xr.Dataset, sigma: float) -> Scenario:
    """``sc`` with every western cluster's grid and wind/solar price σ yuan/kWh lower (after the
    scenario's price scales; not below 0)."""
    clusters = {k: dict(v) for k, v in sc.model_dump(mode="json", exclude_defaults=True).get("clusters", {}).items()}
    west = inp["west"].to_numpy()
    for lever, scale in zip(SUBSIDISED_PRICES, (sc.electricity_price_scale, sc.green_price_scale)):
        unscaled = inp[lever.replace("_yuan", "_unscaled_yuan")].to_numpy()[west]
        for k, price in zip(inp["cluster"].values[west], unscaled):
            clusters.setdefault(str(k), {})[lever] = max(0.0, price - sigma / scale) if scale > 0 else price
    return Scenario.model_validate({**sc.model_dump(mode="json", exclude_defaults=True), "clusters": clusters}).model_copy(
        update={"source": sc.source, "base_dir": sc.base_dir})


def fee_cut_vs_subsidy(sc: Scenario, cut: float = 0.5, planner: Planner | None = None) -> pd.DataFrame:
    """One row per case (base, fee cut, subsidy of equal public cost); see the module's docstring."""
    if not 0 < cut < 1:
        raise InputError("--cut", "cut", "must be a share of the fee in (0, 1)")
    planner = planner or Planner()
    base = planner.solve(sc)
    if "edge" not in base.dims:
        raise InputError(sc.source, "lifecycle", "the scenario has no backbone (lifecycle.folder with backbone.csv)")
    lv = sc.lifecycle
    cut_sc = sc.model_copy(update={"lifecycle": lv.model_copy(update={"transfer_price_scale": lv.transfer_price_scale * (1 - cut)})})
    cut_res = planner.solve(cut_sc)
    fee = cut / (1 - cut) * float(cut_res["cost"].sel(cost_term="chain_transfer"))
    sigma = fee / western_grid_kwh(base)
    for _ in range(MAX_ROUNDS):
        sub = planner.solve(_subsidised(sc, base, sigma))
        nxt = fee / western_grid_kwh(sub)
        if abs(nxt - sigma) <= TOLERANCE * sigma:
            break
        sigma = nxt
    rows = [_row("base", base, 0.0, 0.0), _row(f"fee cut {cut:.0%}", cut_res, fee, 0.0),
            _row("west electricity subsidy", sub, sigma * western_grid_kwh(sub), sigma)]
    return pd.DataFrame(rows)
