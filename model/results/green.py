"""Green procurement in plain names: hydro beside wind and solar, purchases by kind per cluster
and province and year, the CO2 the claims take off, and the factor used with its source."""
from __future__ import annotations

import numpy as np
import xarray as xr

from ..formulation.blocks import LinearProgram


def _values(lp: LinearProgram, v: np.ndarray, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name not in lp.variables:
        return np.zeros(shape)
    return v[lp.column_slice(name)].reshape(shape)


def green_results(inp: xr.Dataset, lp: LinearProgram, v: np.ndarray) -> dict:
    """Data variables of results.nc (average MW unless said); the CO2 the claims take off is in the
    emission contributions (``formulation.quantities``)."""
    ix = lp.index
    K, R, Y = ix.K, ix.R, ix.Y
    hydro_m = _values(lp, v, "hydro_m", (K, Y, 12))
    trade, gec = _values(lp, v, "trade", (K, Y)), _values(lp, v, "gec", (K, Y))
    l_trade, l_gec = _values(lp, v, "local_trade", (R, Y)), _values(lp, v, "local_gec", (R, Y))
    saving = _values(lp, v, "pue_saving", (R, Y))
    KY, RY = ("cluster", "year"), ("region", "year")
    src = {"source": "data/sources.csv (regions.csv co2_t_per_mwh; settings.yaml residual_factor_ratio)",
           "method": inp.attrs.get("emission_accounting_method", "")}
    return dict(
        hydro_mw=(KY, hydro_m.mean(axis=2), {"units": "MW", "long_name": "direct hydro (绿电直供), yearly mean"}),
        hydro_monthly_mw=(("cluster", "year", "month"), hydro_m, {"units": "MW", "long_name": "direct hydro by month"}),
        green_trade_mw=(KY, trade, {"units": "MW", "long_name": "green-power trading (绿电交易) claimed"}),
        certificate_mw=(KY, gec, {"units": "MW", "long_name": "unbundled certificates (绿证) claimed, MWh/8760"}),
        local_green_trade_mw=(RY, l_trade, {"units": "MW", "long_name": "own stock: green-power trading"}),
        local_certificate_mw=(RY, l_gec, {"units": "MW", "long_name": "own stock: certificates"}),
        local_pue_saving_mw=(RY, saving, {"units": "MW", "long_name": "own stock: grid power saved by PUE retrofits"}),
        local_retrofit=(RY, _values(lp, v, "retrofit", (R, Y)), {"units": "standard racks", "long_name": "own-stock racks retrofitted in the year"}),
        grid_factor_used_t_per_mwh=(("cluster",), inp["cluster_co2_t_per_mwh"].to_numpy(),
                                    {"units": "tCO2/MWh", "long_name": "CO2 factor of the clusters' grid share (the accounting's)", **src}),
        local_grid_factor_used_t_per_mwh=(("region",), inp["region_co2_t_per_mwh"].to_numpy(),
                                          {"units": "tCO2/MWh", "long_name": "CO2 factor of the own stock's grid share (the accounting's)", **src}),
    )
