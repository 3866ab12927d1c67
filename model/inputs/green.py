"""Green procurement and carbon accounting inputs (docs/math.md, "Green power as China counts it").

Reads the optional ``green.csv`` (direct hydro per cluster), ``hydro_profiles.csv`` (monthly
capacity factor per province) and the optional settings of green-power trading, certificates,
residual-mix factors and PUE retrofits. Every figure is in data/sources.csv; a dataset without
them gets no hydro, no trading, no certificates, no retrofits and residual = location factors.

Accounting (``emission_accounting``):
- market (default): the grid share carries the residual-mix factor e_res = ratio · e_loc (MEE/NBS
  publish the national factor excluding market-traded non-fossil power; ratio = that / the
  national average), and green power claimed (trading; certificates when they count) is zero-carbon;
- location: every MWh from the grid carries the provincial average e_loc, and claims change nothing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .dataset import InputTables, read_table
from .scenario import Scenario
from .schema import OPTIONAL_FILES
from .settings import absent_default

MONTHS = list(range(1, 13))


def _optional_table(ds: InputTables, name: str) -> pd.DataFrame | None:
    path = ds.path / name
    return read_table(path, OPTIONAL_FILES[name]) if path.is_file() else None


def _setting(ds: InputTables, key: str) -> float:
    """The dataset's value of an optional setting, else the value the settings catalogue gives an absent one."""
    return float(ds.settings.get(key, absent_default(key)))


def green_inputs(ds: InputTables, sc: Scenario, cl: pd.DataFrame, local_pue: np.ndarray) -> tuple[dict, dict, dict, float]:
    """(data variables, coordinates, attributes, factor on e_loc of the grid share) for the inputs Dataset."""
    K, R, KM = ("cluster",), ("region",), ("cluster", "month")
    clusters, regions = list(cl.index), list(ds.regions.index)
    hydro = _optional_table(ds, "green.csv")
    hydro = (hydro if hydro is not None else pd.DataFrame(columns=["hydro_avail_mw", "hydro_price_yuan_per_kwh"])).reindex(clusters)
    prof = _optional_table(ds, "hydro_profiles.csv")
    cf = np.zeros((len(clusters), 12))
    if prof is not None:
        have = cl["region_id"].isin(prof.index).to_numpy()
        cf[have] = prof.loc[cl["region_id"][have], [f"m{m:02d}" for m in MONTHS]].to_numpy(float)
    ratio = _setting(ds, "residual_factor_ratio")
    market = sc.emission_accounting == "market"
    e_loc_r = ds.regions["co2_t_per_mwh"].to_numpy(float)
    e_loc_k = ds.regions.loc[cl["region_id"], "co2_t_per_mwh"].to_numpy(float)
    used = ratio if market else 1.0
    method = ("market: grid share × residual-mix factor (residual_factor_ratio × provincial average), green claimed at 0"
              if market else "location: every grid MWh × provincial average factor; green claims not deducted")
    mw_per_twh = 1e6 / 8760.0
    target = ds.settings.get("pue_retrofit_target")
    step = np.zeros(len(regions)) if target is None else np.clip(local_pue - float(target), 0, None)
    gec_carbon = _setting(ds, "certificates_count_for_carbon")
    data = dict(
        hydro_avail_mw=(K, hydro["hydro_avail_mw"].fillna(0.0).to_numpy(float) * sc.green_potential_scale,
                        {"units": "MW nameplate", "long_name": "direct hydro potential (× green_potential_scale)"}),
        hydro_price_yuan_per_kwh=(K, hydro["hydro_price_yuan_per_kwh"].fillna(0.0).to_numpy(float),
                                  {"units": "yuan/kWh", "long_name": "price of direct hydro"}),
        hydro_cf=(KM, cf, {"units": "-",
                           "long_name": "monthly hydro capacity factor of the cluster's province (hydro_profiles.csv)"}),
        cluster_co2_location_t_per_mwh=(K, e_loc_k, {"units": "tCO2/MWh", "long_name": "provincial average grid factor (MEE/NBS 2022)"}),
        region_co2_location_t_per_mwh=(R, e_loc_r, {"units": "tCO2/MWh", "long_name": "provincial average grid factor (MEE/NBS 2022)"}),
        residual_factor_ratio=((), ratio, {"units": "-", "long_name": "residual-mix factor / average factor (national, MEE/NBS)",
                                           "source": "data/sources.csv settings.yaml residual_factor_ratio"}),
        claim_co2_t_per_mwh=(K, e_loc_k * ratio if market else np.zeros(len(clusters)),
                             {"units": "tCO2/MWh", "long_name": "CO2 a claimed green MWh takes off the grid share (0: location method)"}),
        local_claim_co2_t_per_mwh=(R, e_loc_r * ratio if market else np.zeros(len(regions)),
                                   {"units": "tCO2/MWh", "long_name": "CO2 a claimed green MWh takes off the own stock's grid share"}),
        green_trade_premium_yuan_per_kwh=((), _setting(ds, "green_trade_premium_yuan_per_kwh"),
                                          {"units": "yuan/kWh", "long_name": "绿电交易 environmental premium over the grid price"}),
        certificate_price_yuan_per_mwh=((), _setting(ds, "certificate_price_yuan_per_mwh"),
                                        {"units": "yuan/MWh", "long_name": "price of an unbundled green certificate (1 MWh)"}),
        green_trade_limit_mw=((), _setting(ds, "green_trade_limit_twh_per_year") * mw_per_twh,
                              {"units": "MW average", "long_name": "green-power trading open to data centres a year"}),
        certificate_limit_mw=((), _setting(ds, "certificate_limit_twh_per_year") * mw_per_twh,
                              {"units": "MW average", "long_name": "certificates open to data centres a year"}),
        certificates_count_for_carbon=((), gec_carbon, {
            "units": "-", "long_name": "1: an unbundled certificate also takes its MWh off the grid share's CO2"}),
        pue_retrofit_step=(R, step, {"units": "-", "long_name": "PUE points a retrofit removes: max(0, local_pue − pue_retrofit_target)"}),
        pue_retrofit_cost_yuan_per_rack=((), _setting(ds, "pue_retrofit_cost_yuan_per_rack"),
                                         {"units": "yuan/rack", "long_name": "cost of retrofitting a standard rack to the target PUE"}),
    )
    attrs = {"emission_accounting": sc.emission_accounting, "emission_accounting_method": method}
    return data, {"month": (("month",), MONTHS, {"long_name": "month of the year"})}, attrs, used
