"""Inputs of the data lifecycle (issue 21): chains, their stages, the TB collected per province
and the backbone between the hubs, as variables on the dimensions ``chain``, ``stage`` and ``edge``.

A province's data enter the backbone at its home hub: the hub of a cluster in the province, else
of the nearest cluster (great-circle distance between the capital and the cluster). The tables
come from the dataset folder or from the folder a scenario names (``lifecycle.folder``), and the
scenario's ``lifecycle`` levers scale the TB collected and the price per TB.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, did_you_mean
from .dataset import InputTables, read_lifecycle
from .paths import inside, read_input_bytes
from .scenario import LifecycleOptions, Scenario
from .schema import LIFECYCLE_FILES

TB_PER_YEAR_TBPS = 8.0 / (8760 * 3600)  # 1 TB/yr = 8 Tbit over the year's seconds, in Tbps (average)


def home_hubs(ds: InputTables, dist: pd.DataFrame) -> np.ndarray:
    """(R,) the hub each province's data enter the backbone at."""
    cl = ds.clusters
    own = {r: h for r, h in zip(cl["region_id"], cl["hub_id"])}
    nearest = cl["hub_id"].to_numpy()[np.argmin(dist.to_numpy(), axis=1)]
    return np.array([own.get(r, n) for r, n in zip(ds.regions.index, nearest)], dtype=str)


def lifecycle_tables(sc: Scenario, ds: InputTables) -> dict[str, pd.DataFrame] | None:
    """The scenario's lifecycle tables: those in ``lifecycle.folder`` (checked like a dataset's),
    else the dataset's own; None: no chains."""
    folder = sc.input_path("lifecycle.folder")
    if folder is None:
        return ds.lifecycle
    if not folder.is_dir():
        raise InputError(sc.source, "lifecycle.folder", "not a folder (expected one holding chains.csv and chain_sources.csv)")
    if not (folder / "chains.csv").is_file():
        raise InputError(folder / "chains.csv", "", "missing: a lifecycle folder holds chains.csv and chain_sources.csv")
    data = {n: read_input_bytes(inside(folder / n, folder)) for n in LIFECYCLE_FILES if (folder / n).is_file()}
    return read_lifecycle(folder, data, ds.hubs, ds.regions, ds.workloads, ds.years)


def _volume_scale(sc: Scenario, chains: list[str]) -> np.ndarray:
    """(C,) the scenario's factor on each chain's TB collected."""
    lv = sc.lifecycle
    for c in lv.chain_scale:
        if c not in chains:
            raise InputError(sc.source, f"lifecycle.chain_scale.{c}",
                             f"unknown chain id{did_you_mean(c, chains)} (known: {', '.join(chains)})")
    return lv.volume_scale * np.array([lv.chain_scale.get(c, 1.0) for c in chains])


def lifecycle_variables(ds: InputTables, dist: pd.DataFrame, sc: Scenario) -> tuple[dict, dict]:
    """(data variables, coordinates) of the lifecycle; both empty without chains."""
    tables = lifecycle_tables(sc, ds)
    if tables is None:
        if sc.lifecycle != LifecycleOptions():
            raise InputError(sc.source, "lifecycle", "the dataset has no chains (chains.csv): name a folder in lifecycle.folder")
        return {}, {}
    ch = tables["chains.csv"].sort_values(["chain_id", "stage_order"], kind="stable")
    held = ch["retention_years"].notna().to_numpy()
    if (held & ch["tb_per_rack"].isna().to_numpy()).any():
        row = int(np.argmax(held & ch["tb_per_rack"].isna().to_numpy()))
        raise InputError(Path(ds.path if sc.lifecycle.folder is None else sc.input_path("lifecycle.folder")) / "chains.csv",
                         "tb_per_rack", f"stage {ch['stage_id'].iloc[row]}: needed where retention_years is given")
    src = tables["chain_sources.csv"]
    chains = list(dict.fromkeys(ch["chain_id"]))
    vol = (src.groupby(["chain_id", "region_id", "year"])["tb_per_year"].sum().to_xarray()
           .reindex(chain_id=chains, region_id=list(ds.regions.index), year=ds.years).fillna(0.0).to_numpy())
    vol = vol * _volume_scale(sc, chains)[:, None, None]
    S = ("stage",)
    data = dict(
        chain_source_tb=(("chain", "region", "year"), vol, {"units": "TB/yr", "long_name": "data of the chain collected in the province",
                                                            "source": "chain_sources.csv",
                                                            "derived_from": "tb_per_year × lifecycle.volume_scale × lifecycle.chain_scale"}),
        stage_order=(S, ch["stage_order"].to_numpy(int), {"long_name": "1: receives the data collected in the provinces"}),
        stage_volume_ratio=(S, ch["volume_ratio"].to_numpy(float), {"units": "TB per TB collected"}),
        stage_tb_per_rack_year=(S, ch["tb_per_rack_year"].to_numpy(float), {"units": "TB/yr per standard rack"}),
        stage_unmet_yuan_per_tb=(S, ch["unmet_yuan_per_tb"].to_numpy(float), {
            "units": "yuan/TB", "long_name": "price of first-stage data no rack takes; NaN: unmet penalty / tb_per_rack_year"}),
        stage_copies=(S, ch["copies"].fillna(1.0).to_numpy(float), {"long_name": "copies in different hubs (灾备)"}),
        stage_stay_in_province=(S, ch["stay_in_province"].fillna(0.0).to_numpy(float) > 0.5, {
            "long_name": "the stage's data may not leave the province that collected them"}),
        stage_reads_stock=(S, ch["reads_stock"].fillna(0.0).to_numpy(float) > 0.5, {
            "long_name": "each year the stage reads the stock the previous stage holds"}),
        stage_retention_years=(S, ch["retention_years"].to_numpy(float), {
            "units": "yr", "long_name": "years the data arriving in a year stay stored; NaN: no stock"}),
        stage_tb_per_rack=(S, ch["tb_per_rack"].to_numpy(float), {
            "units": "TB per standard rack", "long_name": "stored stock one rack holds; NaN without a retention time"}),
        region_home_hub=(("region",), home_hubs(ds, dist), {"long_name": "hub where the province's data enter the backbone"}),
        tbps_per_tb_year=((), TB_PER_YEAR_TBPS, {"long_name": "Tbps of 1 TB/yr sent evenly over the year"}),
    )
    coords = dict(chain=chains, stage=ch["stage_id"].to_numpy(str),
                  stage_chain=(S, ch["chain_id"].to_numpy(str)), stage_workload=(S, ch["workload_id"].to_numpy(str)))
    bb = tables.get("backbone.csv")
    if bb is not None and len(bb):
        E = ("edge",)
        data.update(
            edge_km=(E, bb["km"].to_numpy(float), {"units": "km"}),
            edge_capacity_tbps=(E, bb["capacity_tbps"].to_numpy(float), {"units": "Tbps"}),
            edge_background_tbps=(E, (bb["background_share"] * bb["capacity_tbps"]).to_numpy(float), {
                "units": "Tbps", "derived_from": "backbone.csv background_share × capacity_tbps"}),
            edge_max_use=(E, bb["max_use"].to_numpy(float), {"units": "share of capacity", "long_name": "planned maximum use"}),
            edge_price_yuan_per_tb=(E, bb["price_yuan_per_tb"].to_numpy(float) * sc.lifecycle.transfer_price_scale, {
                "units": "yuan/TB", "derived_from": "backbone.csv price_yuan_per_tb × lifecycle.transfer_price_scale"}),
            edge_expansion_yuan_per_tbps_km=(E, bb["expansion_yuan_per_tbps_km"].to_numpy(float), {
                "units": "yuan/(Tbps·km)", "long_name": "NaN: no expansion"}),
        )
        coords.update(edge=[f"{a}-{b}" for a, b in zip(bb["hub_a"], bb["hub_b"])],
                      edge_hub_a=(E, bb["hub_a"].to_numpy(str)), edge_hub_b=(E, bb["hub_b"].to_numpy(str)))
    return data, coords
