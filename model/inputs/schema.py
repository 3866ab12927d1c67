"""Attribute tables of the reference dataset (one row per column a file must have).

The tables drive validation (``dataset.py``) and are printed in ``data/README.md``; keeping
them in one place means a new column is described, typed and range-checked together.
"""
from __future__ import annotations

from dataclasses import dataclass

INF = float("inf")

# Physical ceilings (assumptions, deliberately generous): a value above one is a typo or a unit
# mix-up, not a plan. China had ~8.1 M standard racks in 2023, so 10 M racks bounds any single
# cluster, demand cell or yearly build; 100 GW bounds any one grid connection.
MAX_RACKS = 1e7
MAX_MW = 1e5
MAX_YUAN_PER_RACK = 1e8  # capex of one standard rack (bundled data: 85,000)
MAX_PENALTY = 1e9  # yuan/rack-year (bundled: 100,000)


def expected_range(lo: float, hi: float, unit: str = "") -> str:
    """'in [1, 3] -', '≥ 0 MW': the allowed range as messages state it."""
    u = f" {unit}" if unit and unit != "-" else ""
    if hi == INF:
        return f"≥ {lo:g}{u}"
    if lo == -INF:
        return f"≤ {hi:g}{u}"
    return f"in [{lo:g}, {hi:g}]{u}"


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
        Column("installed_racks", "float", "standard racks (2.5 kW)", 0, MAX_RACKS, doc="in place at the start of the horizon"),
        Column("planned_racks", "float", "standard racks", 0, MAX_RACKS, doc="most that can exist by the last year"),
        Column("build_limit_racks_per_year", "float", "standard racks/yr", 0, MAX_RACKS),
        Column("pue", "float", "-", 1.0, 3.0),
        Column("grid_limit_mw", "float", "MW", 0, MAX_MW, doc="grid connection limit on facility power"),
        Column("grid_price_yuan_per_kwh", "float", "yuan/kWh", 0, 5),
        Column("green_avail_mw", "float", "MW", 0, MAX_MW, doc="green power that can be procured (average MW)"),
        Column("green_price_yuan_per_kwh", "float", "yuan/kWh", 0, 5),
        Column("capex_yuan_per_rack", "float", "yuan/standard rack", 0, MAX_YUAN_PER_RACK),
    ],
    "regions.csv": [
        _id("region_id"), _text("name_zh"), _text("name_en"), _text("capital_zh"), _text("capital_en"),
        Column("lat", "float", "deg", 15, 55), Column("lon", "float", "deg", 70, 140),
        _text("grid_region"),
        Column("co2_t_per_mwh", "float", "tCO2/MWh", 0, 2),
    ],
    "workloads.csv": [
        _id("workload_id"), _text("name_zh"), _text("name_en"),
        Column("latency_bound_ms", "float", "ms one-way", 0, 1000, optional=True, doc="empty: no bound"),
        Column("realtime", "bool", doc="true: counted as real-time for the western-share policy"),
        Column("kw_per_rack", "float", "kW IT per occupied standard rack", 0, 2.5),
        Column("data_tb_per_rack_year", "float", "TB/rack/yr", 0, 1e6),
    ],
    "demand.csv": [
        _id("region_id"), _id("workload_id"), Column("year", "int", "", 2000, 2100),
        Column("racks", "float", "standard racks", 0, MAX_RACKS),
    ],
}

# settings.yaml: key -> (lo, hi, unit)
SETTINGS: dict[str, tuple[float, float, str]] = {
    "base_year": (2000, 2100, "year"),
    "discount_rate": (0, 0.5, "1/yr"),
    "capex_lifetime_years": (1, 50, "yr"),
    "carbon_price_yuan_per_t": (0, 1e5, "yuan/tCO2"),
    "unmet_penalty_yuan_per_rack_year": (0, MAX_PENALTY, "yuan/rack/yr"),
    "policy_penalty_yuan_per_rack_year": (0, MAX_PENALTY, "yuan/rack/yr"),
    "fibre_km_per_ms": (1, 300, "km/ms"),
    "route_factor": (1, 5, "-"),
    "latency_overhead_ms": (0, 50, "ms"),
    "transport_yuan_per_tb": (0, 1e5, "yuan/TB"),
    "transport_yuan_per_tb_per_1000km": (0, 1e5, "yuan/TB/1000 km"),
    "utilisation_floor": (0, 1, "share"),
    "min_green_share": (0, 1, "share"),
    "min_west_share": (0, 1, "share"),
}

# Scenario levers that are not a dataset column or setting: dotted path (``*`` = any id) ->
# (lo, hi, unit). Cluster overrides take the clusters.csv column's range, the setting overrides
# the SETTINGS range; scenario.py builds its fields from these three tables.
LEVERS: dict[str, tuple[float, float, str]] = {
    "electricity_price_scale": (0, 20, "×"),
    "green_price_scale": (0, 20, "×"),
    "demand.scale": (0, 100, "×"),
    "demand.class_scale.*": (0, 100, "×"),
    "demand.region_scale.*": (0, 100, "×"),
    "demand.class_growth.*": (-0.5, 2, "per year"),
    "demand.region_growth.*": (-0.5, 2, "per year"),
    "latency_bounds_ms.*": (0, 1000, "ms one-way"),
    "policy.emission_cap_t": (0, 1e11, "tCO2 over the horizon"),  # China emits ~1.1e10 t a year
    "modular_builds.block_racks": (1, MAX_RACKS, "standard racks"),
    "modular_builds.fixed_cost_yuan_per_block": (0, 1e12, "yuan"),
    "solver.time_limit_s": (1e-9, 86400, "s"),  # > 0
    "solver.mip_rel_gap": (0, 1, "-"),
    "solver.threads": (1, 64, "threads"),
    "solver.random_seed": (0, 2**31 - 1, "-"),  # HiGHS takes a 32-bit int
    "outages.*.years.*": (2000, 2100, "year"),
}
