"""The IAMC format (pyam, the IAMC/IPCC scenario databases): a long table ``model, scenario,
region, variable, unit, year, value`` so a joint study with PyPSA-China or an integrated
assessment model reads hubplan's results without re-shaping them.

Variables (``VARIABLES``, docs/outputs.md), per year, for ``China`` and each province
(``China|<province>``; the clusters count where they stand, the provinces' own stock where it is):

- ``Capacity|Data Center`` (MW): IT power of the installed standard racks (clusters + own stock);
- ``Capacity Additions|Data Center`` (MW/yr): IT power of the racks built in the year;
- ``Final Energy|Data Center`` (EJ/yr): electricity the data centres use (facility, PUE included);
- ``Emissions|CO2|Data Center`` (Mt CO2/yr): CO2 of the grid electricity they use.

Racks become MW at 2.5 kW per standard rack (标准机架, the MIIT definition the data uses). Units
are spelled as pyam's unit registry (iam-units) reads them.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError

COLUMNS = ["model", "scenario", "region", "variable", "unit", "year", "value"]
STANDARD_RACK_MW = 2.5e-3  # 2.5 kW IT per standard rack (标准机架)
MWH_TO_EJ = 3.6e-9  # 1 MWh = 3.6 GJ = 3.6e-9 EJ
VARIABLES = {  # variable -> (unit, what it is)
    "Capacity|Data Center": ("MW", "IT power of the installed standard racks, clusters + provinces' own stock"),
    "Capacity Additions|Data Center": ("MW/yr", "IT power of the racks built in the year"),
    "Final Energy|Data Center": ("EJ/yr", "electricity used by the data centres (facility, PUE included)"),
    "Emissions|CO2|Data Center": ("Mt CO2/yr", "CO2 of the grid electricity the data centres use"),
}


def model_name() -> str:
    try:
        return f"hubplan {version('hubplan')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "hubplan"


def _by_province(res: xr.Dataset, cluster_var: str, local_var: str, factor: float) -> pd.DataFrame:
    """(province × year) of a cluster variable summed where the clusters stand plus the provinces'
    own-stock variable, times ``factor``."""
    where = pd.Series(res["cluster_region"].values.astype(str), index=res.cluster.values.astype(str))
    clusters = res[cluster_var].transpose("cluster", "year").to_pandas()
    clusters.index = clusters.index.astype(str)
    out = clusters.groupby(where.reindex(clusters.index).values).sum()
    local = res[local_var].transpose("region", "year").to_pandas() if local_var in res else None
    regions = res.region.values.astype(str)
    out = out.reindex(regions, fill_value=0.0)
    if local is not None:
        out = out + local.reindex(regions).fillna(0.0).to_numpy()
    return out * factor


def iamc_table(res: xr.Dataset, scenario: str | None = None) -> pd.DataFrame:
    """One results Dataset as IAMC rows (``COLUMNS``)."""
    scenario = scenario or str(res.attrs.get("scenario_name", res.attrs.get("scenario", "")))
    names = dict(zip(res.region.values.astype(str), res["region_name_en"].values.astype(str)))
    tables = {
        "Capacity|Data Center": _by_province(res, "capacity", "local_capacity", STANDARD_RACK_MW),
        "Capacity Additions|Data Center": _by_province(res, "build", "local_build", STANDARD_RACK_MW),
        "Final Energy|Data Center": _by_province(res, "energy_mwh", "local_energy_mwh", MWH_TO_EJ),
        "Emissions|CO2|Data Center": _by_province(res, "emissions_t", "local_emissions_t", 1e-6),
    }
    rows = []
    for variable, table in tables.items():
        unit = VARIABLES[variable][0]
        table.columns = [int(y) for y in table.columns]
        for year in table.columns:
            rows.append(("China", variable, unit, year, float(table[year].sum())))
            rows += [(f"China|{names[r]}", variable, unit, year, float(v)) for r, v in table[year].items()]
    df = pd.DataFrame(rows, columns=["region", "variable", "unit", "year", "value"])
    df.insert(0, "scenario", scenario)
    df.insert(0, "model", model_name())
    df["value"] = np.where(np.abs(df["value"]) < 1e-12, 0.0, df["value"])  # solver noise around zero
    return df[COLUMNS]


def results_files(source: Path) -> list[Path]:
    """The results.nc files behind a source: the file itself, a solve's output folder, or a batch
    folder run with ``--outputs full`` (scenarios/<hash>/results.nc for each solved scenario)."""
    if source.is_file() and source.suffix == ".nc":
        return [source]
    if (source / "results.nc").is_file():
        return [source / "results.nc"]
    if (source / "index.csv").is_file() and (source / "scenarios").is_dir():
        index = pd.read_csv(source / "index.csv", dtype={"scenario_hash": str})
        ok = index[index["ok"].astype(str).str.lower().isin(["true", "1"])]
        files = [source / "scenarios" / h / "results.nc" for h in dict.fromkeys(ok["scenario_hash"])]
        missing = [f for f in files if not f.is_file()]
        if missing:
            raise InputError(source, "results.nc", "batch run without full outputs; run it again with --outputs full")
        return files
    if not source.exists():
        raise InputError(source, "", "not found")
    raise InputError(source, "", "neither results.nc, a solve output folder nor a batch folder")


def iamc_frame(sources: list[Path]) -> pd.DataFrame:
    """IAMC rows of every scenario behind ``sources``; a scenario name that repeats gets its hash."""
    from .files import read_results

    results = [read_results(f) for s in sources for f in results_files(Path(s))]
    names = [str(r.attrs.get("scenario_name", r.attrs.get("scenario", ""))) for r in results]
    parts = []
    for r, name in zip(results, names):
        label = name if names.count(name) == 1 else f"{name} [{r.attrs.get('scenario_hash', '')}]"
        parts.append(iamc_table(r, label))
    return pd.concat(parts, ignore_index=True).drop_duplicates()
