"""Results of the data lifecycle (issue 21): TB by stage and cluster, backbone use by edge and
year, the value of one more Tbps on an edge and the data-gravity price, each by a plain name.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..formulation.blocks import LinearProgram
from ..formulation.lifecycle import flows, holding, prev_stage, racks_per_tb, sources
from ..inputs.arrays import variable
from .shadow import row_duals


def lifecycle_results(inp: xr.Dataset, lp: LinearProgram, col_value: np.ndarray, row_dual: np.ndarray) -> dict:
    ix = lp.index
    f, K, Y, S = flows(ix, inp), ix.K, ix.Y, inp.sizes["stage"]
    discount = inp["discount_factor"].to_numpy()
    fv = col_value[lp.column_slice("chain_flow")]
    tb = np.zeros((S, K, Y))
    np.add.at(tb, (f.stage, f.cluster, f.year), fv)
    keeps = np.isfinite(inp["stage_retention_years"].to_numpy())
    stock = np.einsum("syx,skx->sky", holding(inp, ix.years).astype(float), tb)  # Σ over the arrival years held
    stock[~keeps] = np.nan
    rho = inp["stage_volume_ratio"].to_numpy()
    src = sources(inp)
    gravity = np.full((S, ix.R, Y), np.nan)  # yuan per TB/yr collected, first stages only
    s_, r_ = np.nonzero(src)
    gravity[s_, r_] = row_duals(lp, row_dual, "chain_source").reshape(-1, Y) * rho[s_, None] / discount[None, :]
    first = prev_stage(inp) < 0
    chain_of_first = inp["stage_chain"].values.astype(str)[first]
    g = xr.DataArray(gravity[first], dims=("chain", "region", "year"), coords={"chain": chain_of_first})
    short = np.full((S, ix.R, Y), np.nan)
    short[s_, r_] = col_value[lp.column_slice("chain_unmet")].reshape(-1, Y)
    u = xr.DataArray(short[first], dims=("chain", "region", "year"), coords={"chain": chain_of_first})
    out = dict(
        chain_unmet_tb=variable(("chain", "region", "year"), u.reindex(chain=inp["chain"].values).to_numpy(), {
            "units": "TB/yr", "long_name": "data of the chain collected in the province that no cluster takes"}),
        chain_tb=variable(("stage", "cluster", "year"), tb, {"units": "TB/yr", "long_name": "data handled by the stage at the cluster"}),
        chain_stock_tb=variable(("stage", "cluster", "year"), stock, {
            "units": "TB", "long_name": "data the stage holds at the cluster (arrivals still within the retention time)",
            "derived_from": "chain_tb summed over the years held (stage_retention_years); NaN without a retention time"}),
        chain_racks=variable(("stage", "cluster", "year"), np.where(keeps[:, None, None], stock, tb) * racks_per_tb(inp)[:, None, None],
                             {"units": "standard racks", "long_name": "racks the stage occupies at the cluster"}),
        data_gravity_price=variable(("chain", "region", "year"), g.reindex(chain=inp["chain"].values).to_numpy(), {
            "units": "yuan per TB/yr", "long_name": "cost of one more TB/yr of the chain collected in the province (shadow price)",
            "sign": "NaN where the province collects none of the chain"}),
    )
    if "edge" not in inp.dims:
        return out
    E = inp.sizes["edge"]
    m = f.edge >= 0
    moved = np.zeros((E, Y))
    np.add.at(moved, (f.edge[m], f.year[m]), fv[m])
    built = np.cumsum(col_value[lp.column_slice("backbone_build")].reshape(E, Y), axis=1)
    cap = inp["edge_capacity_tbps"].to_numpy()[:, None] + built
    use = moved * float(inp["tbps_per_tb_year"]) + inp["edge_background_tbps"].to_numpy()[:, None]
    dual = row_duals(lp, row_dual, "backbone_capacity").reshape(E, Y)
    per_tbps = -dual * inp["edge_max_use"].to_numpy()[:, None] / float(inp["tbps_per_tb_year"])
    out.update(
        backbone_tb=variable(("edge", "year"), moved, {"units": "TB/yr", "long_name": "chain data moved over the edge"}),
        backbone_use=variable(("edge", "year"), use, {"units": "Tbps", "long_name": "average traffic on the edge: chains + background"}),
        backbone_use_share=variable(("edge", "year"), use / np.where(cap > 0, cap, np.nan), {"units": "1", "long_name": "backbone use / capacity"}),
        backbone_capacity=variable(("edge", "year"), cap, {"units": "Tbps", "long_name": "edge capacity after expansion"}),
        bandwidth_value=variable(("edge", "year"), per_tbps / discount[None, :], {
            "units": "yuan per Tbps-year", "long_name": "value of one more Tbps of edge capacity (shadow price)",
            "sign": "positive = saving per extra Tbps; 0 where the edge is slack"}),
    )
    return out
