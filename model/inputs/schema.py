"""The attribute catalogue: every column of the dataset declared once.

Each ``Column`` carries its type, unit, physical range, bilingual label, the app's step and
format, and whether a scenario may override it (``override``). From it come the dataset's
validation (``dataset.py``), the scenario's per-cluster override model (``scenario.ClusterLevers``),
the app's lever widgets (``levers.cluster_levers``) and the cluster attributes of the inputs Dataset
(``build.py``, with their units). A new cluster attribute is one line here; a scenario-level setting (of
settings.yaml or the scenario alone) is one record of ``settings.CATALOGUE``.
"""
from __future__ import annotations

from dataclasses import dataclass

INF = float("inf")
STANDARD_RACK_KW = 2.5  # the unit of every rack count (标准机架): 2.5 kW IT of space and power


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
    doc_zh: str = ""  # the same in 中文 (a lever's tooltip in the app's 中文 mode)
    zh: str = ""  # label a planner reads (with ``en``)
    en: str = ""
    step: float = 1.0  # widget step in the app
    fmt: str = "%.2f"  # widget format in the app
    override: bool = False  # a scenario may set it per entity (``clusters.<id>.<name>``)
    empty: float = float("nan")  # the value an empty cell of an optional column stands for


# physical ceilings: China's whole stock is ~1.1e7 standard racks (2025) and its largest
# single grid connections are a few GW; a value above these is a typing error, not a scenario
MAX_RACKS = 5e6
MAX_MW = 1e5
MAX_PENALTY = 1e9  # yuan/rack-year (bundled: 100,000): far above any serving cost


def _cluster(name, unit, lo, hi, zh, en, step, fmt, doc, empty=None) -> Column:
    """A numeric cluster attribute a scenario may override per cluster (``empty``: optional, the
    value an empty cell or a missing column stands for); its 中文 doc is ``_CLUSTER_DOC_ZH[name]``."""
    return Column(name, "float", unit, lo, hi, doc=doc, doc_zh=_CLUSTER_DOC_ZH[name], zh=zh, en=en, step=step, fmt=fmt,
                  override=True, optional=empty is not None, empty=float("nan") if empty is None else empty)


_CLUSTER_DOC_ZH = {
    "installed_racks": "规划期初已有的标准机架（2.5 千瓦）",
    "planned_racks": "规划期末最多可有的标准机架",
    "build_limit_racks_per_year": "一年内最多新增的标准机架",
    "pue": "电能利用效率（总用电 ÷ IT 用电）",
    "grid_limit_mw": "设施用电的电网接入上限",
    "grid_price_yuan_per_kwh": "电网电价（乘以情景的电价系数之前）",
    "green_avail_mw": "集群可签约的风电光伏装机（铭牌）；年度模型最多取其平均出力（× 出力曲线的容量系数）",
    "green_price_yuan_per_kwh": "该绿电的价格（乘以情景的绿电价格系数之前）",
    "capex_yuan_per_rack": "每个新建标准机架的设施投资，不含 IT 设备",
    "opex_yuan_per_rack_year": "每个在用标准机架每年的场地、人员与维护费用，不含电费（留空为 0）",
    "wue_l_per_kwh": "每千瓦时 IT 用电的现场耗水（留空为 0）",
    "water_limit_m3_per_year": "每年现场用水上限（留空为无上限）",
}


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
        _cluster("installed_racks", "racks", 0, MAX_RACKS, "已建机架", "installed racks", 1000.0, "%.0f",
                 "standard racks (2.5 kW) in place at the start of the horizon"),
        _cluster("planned_racks", "racks", 0, MAX_RACKS, "规划机架", "planned racks", 1000.0, "%.0f",
                 "the most standard racks that can exist by the last year"),
        _cluster("build_limit_racks_per_year", "racks/year", 0, MAX_RACKS, "年建设上限", "build limit", 1000.0, "%.0f",
                 "the most standard racks that can be added in one year"),
        _cluster("pue", "-", 1.0, 3.0, "PUE", "PUE", 0.01, "%.2f", "power usage effectiveness"),
        _cluster("grid_limit_mw", "MW", 0, MAX_MW, "电网接入上限", "grid limit", 10.0, "%.0f",
                 "grid connection limit on facility power"),
        _cluster("grid_price_yuan_per_kwh", "yuan/kWh", 0, 5, "电网电价", "grid price", 0.01, "%.3f",
                 "grid electricity price (before the scenario's electricity_price_scale)"),
        _cluster("green_avail_mw", "MW", 0, MAX_MW, "绿电装机潜力", "green capacity potential (nameplate)", 10.0, "%.0f",
                 "nameplate wind/solar capacity the cluster can contract (the annual model draws at most its "
                 "mean output, × the profiles' capacity factor)"),
        _cluster("green_price_yuan_per_kwh", "yuan/kWh", 0, 5, "绿电价格", "green-power price", 0.01, "%.3f",
                 "price of that green power (before the scenario's green_price_scale)"),
        _cluster("capex_yuan_per_rack", "yuan/rack", 0, 1e6, "单机架投资", "capex", 1000.0, "%.0f",
                 "new-build facility capex per standard rack, excluding IT equipment"),
        _cluster("opex_yuan_per_rack_year", "yuan/rack/year", 0, 1e6, "单机架运营成本", "opex", 500.0, "%.0f",
                 "space, staff and maintenance per occupied standard rack-year, electricity excluded (empty: 0)", empty=0.0),
        _cluster("wue_l_per_kwh", "L/kWh", 0, 20, "水资源利用效率 WUE", "WUE", 0.1, "%.2f",
                 "on-site water per kWh of IT energy (empty: 0)", empty=0.0),
        Column("installed_ai_racks", "float", "racks", 0, MAX_RACKS, optional=True,
               doc="standard racks of the installed stock fitted for AI (智算, GPU) work; "
                   "empty everywhere: no separate AI capacity"),
        Column("pflops_per_ai_rack", "float", "PFLOPS (FP16) per occupied standard rack", 0, 100, optional=True,
               doc="compute of an occupied AI rack at this cluster (its GPUs); empty: the AI class's pflops_per_rack"),
        _cluster("water_limit_m3_per_year", "m³/year", 0, 1e10, "年用水上限", "water limit", 1e5, "%.0f",
                 "yearly on-site water limit (empty: no limit)", empty=INF),
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
        Column("kw_per_rack", "float", "kW IT per occupied standard rack", 0, STANDARD_RACK_KW),
        Column("data_tb_per_rack_year", "float", "TB/rack/yr", 0, 1e6),
        Column("pflops_per_rack", "float", "PFLOPS (FP16) per occupied standard rack", 0, 100, optional=True, empty=0.0,
               doc="compute of an occupied standard rack of the class (empty: 0)"),
        Column("physical_rack_kw", "float", "kW IT per physical rack", 0.5, 200, optional=True, empty=STANDARD_RACK_KW,
               doc="density of the class's physical racks (empty: 2.5, one standard rack)"),
        Column("unmet_value_yuan_per_rack_year", "float", "yuan/rack-year", 0, MAX_PENALTY, optional=True,
               doc="value of lost load: what a rack-year of the class's work left unserved loses (empty: "
                   "settings.yaml's unmet penalty); the scenario's unmet penalty scales every class alike"),
    ],
    "demand.csv": [
        _id("region_id"), _id("workload_id"), Column("year", "int", "", 2000, 2100),
        Column("racks", "float", "standard racks", 0, MAX_RACKS),
    ],
}

# Optional file: the data-center stock of each province outside the clusters (no file: none)
OPTIONAL_FILES: dict[str, list[Column]] = {
    "local.csv": [
        _id("region_id"),
        Column("existing_racks", "float", "standard racks", 0, MAX_RACKS, doc="stock outside the clusters at the start of the horizon"),
        Column("retire_share_per_year", "float", "share of the first-year stock per year", 0, 1),
        Column("build_limit_racks_per_year", "float", "standard racks/yr", 0, MAX_RACKS),
        Column("latency_ms", "float", "ms one-way", 0, 100, doc="latency from the province's users to its own stock"),
        Column("pue", "float", "-", 1.0, 3.0),
        Column("grid_price_yuan_per_kwh", "float", "yuan/kWh", 0, 5),
        Column("opex_yuan_per_rack_year", "float", "yuan/occupied rack/yr", 0, 1e6),
        Column("capex_yuan_per_rack", "float", "yuan/standard rack", 0, 1e6),
    ],
    # direct hydro supply at a cluster (绿电直供 from hydro; no file or no row: none) — model/inputs/green.py
    "green.csv": [
        _id("cluster_id"),
        Column("hydro_avail_mw", "float", "MW nameplate", 0, MAX_MW, doc="hydro capacity the cluster can take direct supply from"),
        Column("hydro_price_yuan_per_kwh", "float", "yuan/kWh", 0, 5, doc="price of that hydro power"),
    ],
    # monthly capacity factor of hydro in a province (the seasonal profile; a cluster takes its region's)
    "hydro_profiles.csv": [_id("region_id")] + [Column(f"m{m:02d}", "float", "capacity factor", 0, 1) for m in range(1, 13)],
}

# The data lifecycle (issue 21; no chains.csv: no chains, the LP as before): the stages of each
# chain in order, the TB collected per province, and the backbone between the hubs. Not in the
# bundled dataset (its reference stays as it is); a dataset folder of its own carries them.
LIFECYCLE_FILES: dict[str, list[Column]] = {
    "chains.csv": [
        _text("chain_id"), _text("stage_id", "unique over all chains"),
        Column("stage_order", "int", "", 1, 20, doc="1: the stage that receives the data collected in the provinces"),
        _text("workload_id", "the class whose racks the stage occupies"),
        Column("volume_ratio", "float", "TB per TB collected", 0, 100, doc="TB/yr at this stage per TB/yr collected"),
        Column("tb_per_rack_year", "float", "TB/rack/yr", 1e-6, 1e9, doc="TB/yr one standard rack of the stage handles"),
        Column("copies", "float", "-", 1, 10, optional=True, empty=1.0,
               doc="copies in different hubs (灾备): at most 1/copies of the stage's TB in any one hub"),
        Column("unmet_yuan_per_tb", "float", "yuan/TB", 0, 1e7, optional=True,
               doc="price of a TB/yr of a first stage that no rack takes; empty: the unmet penalty per rack / tb_per_rack_year"),
        Column("stay_in_province", "float", "0 or 1", 0, 1, optional=True, empty=0.0,
               doc="1: the stage's data may not leave the province that collected them (finance, government)"),
        Column("retention_years", "float", "years", 1, 100, optional=True,
               doc="data arriving in a year stay stored for this many years and occupy racks all that time; "
                   "empty: tb_per_rack_year stands for the stock"),
        Column("tb_per_rack", "float", "TB per standard rack", 1e-6, 1e9, optional=True,
               doc="TB of stored stock one standard rack holds (needed with retention_years)"),
        Column("reads_stock", "float", "0 or 1", 0, 1, optional=True, empty=0.0,
               doc="1: each year the stage reads the stock the previous stage holds (volume_ratio of it), "
                   "not only that year's arrivals"),
    ],
    "chain_sources.csv": [
        _text("chain_id"), _text("region_id"), Column("year", "int", "", 2000, 2100),
        Column("tb_per_year", "float", "TB/yr", 0, 1e12, doc="data of the chain collected in the province"),
    ],
    "backbone.csv": [
        _text("hub_a"), _text("hub_b"),
        Column("km", "float", "km", 0, 10000, doc="route length between the hubs"),
        Column("capacity_tbps", "float", "Tbps", 0, 1e5),
        Column("background_share", "float", "share of capacity", 0, 1, doc="traffic that is not the chains'"),
        Column("max_use", "float", "share of capacity", 0, 1, doc="planned maximum use of capacity"),
        Column("price_yuan_per_tb", "float", "yuan/TB", 0, 1e5),
        Column("expansion_yuan_per_tbps_km", "float", "yuan/(Tbps·km)", 0, 1e9, optional=True,
               doc="capex of one more Tbps over one km; empty: no expansion"),
    ],
}


def overridable(file: str) -> list[Column]:
    """The columns of ``file`` a scenario may override per entity, in file order."""
    return [c for c in FILES[file] if c.override]

