"""Attribute tables of the reference dataset (one row per column a file must have).

The tables drive validation (``dataset.py``) and are printed in ``data/README.md``; keeping
them in one place means a new column is described, typed and range-checked together.
"""
from __future__ import annotations

from dataclasses import dataclass

INF = float("inf")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "id", "text", "float", "bool", "int"
    unit: str = ""
    lo: float = -INF
    hi: float = INF
    optional: bool = False  # empty cells allowed (float columns become NaN)
    doc: str = ""


def _id(name, doc=""):
    return Column(name, "id", doc=doc)


def _text(name, doc=""):
    return Column(name, "text", doc=doc)


FILES: dict[str, list[Column]] = {
    "hubs.csv": [
        _id("hub_id"), _text("name_zh"), _text("name_en"),
        Column("role", "text", doc="east | west: the policy role of the hub"),
    ],
    "clusters.csv": [
        _id("cluster_id"), _text("name_zh"), _text("name_en"), _id("hub_id"), _id("region_id"),
        _text("city_zh"), _text("city_en"),
        Column("lat", "float", "deg", 15, 55), Column("lon", "float", "deg", 70, 140),
        Column("installed_racks", "float", "standard racks (2.5 kW)", 0, doc="in place at the start of the horizon"),
        Column("planned_racks", "float", "standard racks", 0, doc="most that can exist by the last year"),
        Column("build_limit_racks_per_year", "float", "standard racks/yr", 0),
        Column("pue", "float", "-", 1.0, 3.0),
        Column("grid_limit_mw", "float", "MW", 0, doc="grid connection limit on facility power"),
        Column("grid_price_yuan_per_kwh", "float", "yuan/kWh", 0, 5),
        Column("green_avail_mw", "float", "MW", 0, doc="green power that can be procured (average MW)"),
        Column("green_price_yuan_per_kwh", "float", "yuan/kWh", 0, 5),
        Column("capex_yuan_per_rack", "float", "yuan/standard rack", 0),
        Column("opex_yuan_per_rack_year", "float", "yuan/occupied rack/yr", 0, optional=True,
               doc="space, staff, maintenance of an occupied rack (electricity excluded); empty: 0"),
        Column("wue_l_per_kwh", "float", "L/kWh IT", 0, 20, optional=True, doc="on-site water per kWh of IT energy; empty: 0"),
        Column("water_limit_m3_per_year", "float", "m³/yr", 0, optional=True, doc="yearly water limit; empty: none"),
    ],
    "regions.csv": [
        _id("region_id"), _text("name_zh"), _text("name_en"), _text("capital_zh"), _text("capital_en"),
        Column("lat", "float", "deg", 15, 55), Column("lon", "float", "deg", 70, 140),
        _text("grid_region"),
        Column("co2_t_per_mwh", "float", "tCO2/MWh", 0, 2),
    ],
    "workloads.csv": [
        _id("workload_id"), _text("name_zh"), _text("name_en"),
        Column("latency_bound_ms", "float", "ms one-way", 0, optional=True, doc="empty: no bound"),
        Column("realtime", "bool", doc="true: counted as real-time for the western-share policy"),
        Column("kw_per_rack", "float", "kW IT per occupied standard rack", 0, 2.5),
        Column("data_tb_per_rack_year", "float", "TB/rack/yr", 0),
        Column("pflops_per_rack", "float", "PFLOPS (FP16) per occupied standard rack", 0, optional=True, doc="empty: 0"),
        Column("physical_rack_kw", "float", "kW IT per physical rack", 0.5, 200, optional=True,
               doc="density of the class's physical racks; empty: 2.5 (one standard rack)"),
    ],
    "demand.csv": [
        _id("region_id"), _id("workload_id"), Column("year", "int"),
        Column("racks", "float", "standard racks", 0),
    ],
}

# Optional file: the data-center stock of each province outside the clusters (no file: none)
OPTIONAL_FILES: dict[str, list[Column]] = {
    "local.csv": [
        _id("region_id"),
        Column("existing_racks", "float", "standard racks", 0, doc="stock outside the clusters at the start of the horizon"),
        Column("retire_share_per_year", "float", "share of the first-year stock per year", 0, 1),
        Column("build_limit_racks_per_year", "float", "standard racks/yr", 0),
        Column("latency_ms", "float", "ms one-way", 0, doc="latency from the province's users to its own stock"),
        Column("pue", "float", "-", 1.0, 3.0),
        Column("grid_price_yuan_per_kwh", "float", "yuan/kWh", 0, 5),
        Column("opex_yuan_per_rack_year", "float", "yuan/occupied rack/yr", 0),
        Column("capex_yuan_per_rack", "float", "yuan/standard rack", 0),
    ],
}

# settings.yaml: key -> (lo, hi, unit)
SETTINGS: dict[str, tuple[float, float, str]] = {
    "base_year": (2000, 2100, "year"),
    "discount_rate": (0, 0.5, "1/yr"),
    "capex_lifetime_years": (1, 50, "yr"),
    "carbon_price_yuan_per_t": (0, INF, "yuan/tCO2"),
    "unmet_penalty_yuan_per_rack_year": (0, INF, "yuan/rack/yr"),
    "policy_penalty_yuan_per_rack_year": (0, INF, "yuan/rack/yr"),
    "fibre_km_per_ms": (1, 300, "km/ms"),
    "route_factor": (1, 5, "-"),
    "latency_overhead_ms": (0, 50, "ms"),
    "transport_yuan_per_tb": (0, INF, "yuan/TB"),
    "transport_yuan_per_tb_per_1000km": (0, INF, "yuan/TB/1000 km"),
    "utilisation_floor": (0, 1, "share"),
    "min_green_share": (0, 1, "share"),
    "min_west_share": (0, 1, "share"),
}
