"""Decision variables (all ≥ 0). Units: racks are standard racks (2.5 kW IT), power is average MW.

| name        | index                 | meaning                                                   |
|-------------|-----------------------|-----------------------------------------------------------|
| x           | (r, k, w, y) ∈ A × Y  | racks of region r's class-w work served at cluster k      |
| unmet       | (r, w, y)             | demand not served in the hubs (priced, reported by reason)|
| build       | (k, y)                | racks added at cluster k in year y                        |
| build_above | (k, y)                | of those, racks beyond the cluster's plan (dearer)        |
| retire      | (k, y)                | racks of the installed stock retired early in year y      |
| grid        | (k, y)                | facility power drawn from the grid, MW                    |
| green       | (k, y)                | green power procured, MW                                  |
| util_short  | (k, y)                | racks short of the utilisation floor (上架率)              |
| green_short | (k, y)                | MW short of the minimum green share                       |
| west_short  | (y)                   | racks short of the minimum western share                  |
"""
from __future__ import annotations

import xarray as xr

from .blocks import VarBlock
from .family import Family
from .index import Index


def variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    """x, unmet, build, build_above, retire, grid, green, util_short, green_short, west_short (all ≥ 0)"""
    ky = ix.labels("cluster", "year")
    arcs = zip(ix.arc_r.tolist(), ix.arc_k.tolist(), ix.arc_w.tolist())  # Python ints: fast indexing
    x_labels = [(ix.regions[r], ix.clusters[k], ix.workloads[w], y) for r, k, w in arcs for y in ix.years]
    return {
        "x": VarBlock("x", ("region", "cluster", "workload", "year"), x_labels, "allocated racks"),
        "unmet": VarBlock("unmet", ("region", "workload", "year"),
                          ix.labels("region", "workload", "year"), "unserved racks"),
        "build": VarBlock("build", ("cluster", "year"), ky, "racks built"),
        "build_above": VarBlock("build_above", ("cluster", "year"), ky, "racks built beyond the plan"),
        "retire": VarBlock("retire", ("cluster", "year"), ky, "installed racks retired early"),
        "grid": VarBlock("grid", ("cluster", "year"), ky, "grid power, MW"),
        "green": VarBlock("green", ("cluster", "year"), ky, "green power, MW"),
        "util_short": VarBlock("util_short", ("cluster", "year"), ky, "racks below the utilisation floor"),
        "green_short": VarBlock("green_short", ("cluster", "year"), ky, "MW below the green share"),
        "west_short": VarBlock("west_short", ("year",), [(y,) for y in ix.years], "racks below the western share"),
    }


FAMILIES = (Family("variables", "vars", variables),)
