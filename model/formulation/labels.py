"""What each family is called in 中文 and English, and what its dual means: one entry per family of
the registry, read through ``Family.label`` (tests/formulation/test_registry.py fails on a family without one).

For a row block or a column bound, ``unit`` is the unit of its right-hand side and ``dual`` says what one
more such unit is worth: HiGHS's dual of the row (or the column's reduced cost at the bound) is
∂(objective)/∂(right-hand side) in discounted yuan per ``unit`` (``Label.dual_unit``);
``model.results.shadow`` divides by δ_y to give yuan of the year. A cost term's label is its name in
the cost tables of the reports and the app; a variable block has a label and no dual.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    zh: str
    en: str
    unit: str = ""  # of the right-hand side (rows, bounds)
    dual: str = ""  # what one more unit of the right-hand side is worth (∂ objective; negative: a saving)

    @property
    def dual_unit(self) -> str:
        return f"yuan (discounted) per {self.unit}" if self.unit else ""


_RACK, _MW = "rack-year", "MW (average over the year)"
_VARS = {
    "variables": ("分配、建设与电力变量", "allocation, build and power variables"),
    "local_variables": ("省内存量变量", "own-stock variables"),
    "remote_variables": ("跨省存量变量", "other provinces' stock variables"),
    "green_variables": ("绿电变量", "green-power variables"),
    "ai_variables": ("智算机架变量", "AI-rack variables"),
    "blocks": ("模块数量", "build blocks"),
    "hourly_variables": ("逐时变量", "hourly variables"),
    "n1_variables": ("N-1 变量", "N-1 variables"),
    "chain_variables": ("数据链变量", "data-chain variables"),
    "backbone_variables": ("骨干网变量", "backbone variables"),
}
_ROWS = {  # name: (中文, English, unit of the right-hand side, what one more unit is worth)
    "demand_balance": ("需求平衡", "demand balance", _RACK, "the marginal cost of one more rack of the class's demand"),
    "unmet_allowance": ("严格模式：不允许未满足", "strict mode: no unmet demand", _RACK,
                        "what allowing one rack of unmet demand would save"),
    "cluster_capacity": ("集群容量", "cluster capacity", _RACK, "what one more occupiable rack at the cluster saves"),
    "build_potential": ("场址潜力", "site potential", "rack", "what one more rack of site potential saves over the horizon"),
    "build_plan": ("规划内建设", "builds within the plan", "rack", "what one more planned rack saves (the premium it avoids)"),
    "above_plan_within_build": ("规划外建设属于当年建设", "racks beyond the plan are racks built", "rack",
                                "0 unless the premium rack count is held by the year's builds"),
    "retire_limit": ("提前退役上限", "early-retirement limit", "rack", "what one more installed rack to retire saves"),
    "build_limit": ("年建设上限", "yearly build limit", "rack", "what one more rack of yearly build limit saves"),
    "ai_capacity": ("智算机架容量", "AI-rack capacity", _RACK, "what one more AI rack at the cluster saves"),
    "general_capacity": ("通算机架容量", "general-rack capacity", _RACK,
                         "what one more rack not fitted for AI at the cluster saves"),
    "ai_within_build": ("智算机架属于当年建设", "AI racks built are racks built", "rack",
                        "what one more rack built, fitted for AI, saves"),
    "modular_build": ("整模块建设", "builds in whole blocks", "rack", "the value of a rack built off the block size (fixed-integer LP)"),
    "power_balance": ("电力平衡", "power balance", _MW, "the marginal cost of one more MW of facility load at the cluster"),
    "grid_connection_limit": ("电网接入上限", "grid connection limit", _MW, "what one more MW of grid connection saves"),
    "green_availability": ("绿电可用量", "green-power availability", _MW, "what one more MW of green power available saves"),
    "it_load": ("IT 负荷", "IT load", _MW, "the marginal cost of one more MW of the class's IT load at the cluster"),
    "hourly_power_balance": ("逐时电力平衡", "hourly power balance", "MW in the hour",
                             "the marginal cost of one more MW of load in that hour"),
    "flexible_daily_energy": ("柔性负荷日电量", "daily energy of flexible work", "MWh in the day",
                              "the value of moving one MWh of flexible work out of the day"),
    "flexible_upper": ("柔性负荷上限", "flexibility band", "MW in the hour", "what one more MW of flexibility in that hour saves"),
    "green_supply": ("绿电出力", "green output", "MW in the hour", "what one more MW of green output in that hour saves"),
    "green_potential": ("绿电装机潜力", "green-capacity potential", "MW (nameplate)",
                        "what one more nameplate MW of wind or solar potential saves"),
    "grid_average": ("年电网电量", "yearly grid energy", _MW, "the yearly price of one more average MW from the grid"),
    "green_average": ("年绿电电量", "yearly green energy", _MW, "the yearly price of one more average MW of green power used"),
    "grid_peak_limit": ("电网接入上限（逐时）", "grid connection limit (peak)", "MW in the hour",
                        "what one more MW of connection in that hour saves"),
    "storage_balance": ("储能电量平衡", "battery energy balance", "MWh", "the value of one more MWh stored in that hour"),
    "storage_charge_power": ("储能充电功率", "battery charging power", "MW", "what one more MW of charging power saves"),
    "storage_discharge_power": ("储能放电功率", "battery discharging power", "MW", "what one more MW of discharging power saves"),
    "storage_energy": ("储能容量", "battery energy capacity", "MWh", "what one more MWh of battery capacity saves"),
    "charge_from_green": ("储能只充绿电", "battery charged from green only", "MW", "what charging one MW from the grid would save"),
    "green_share_volume": ("绿电占比（年电量）", "green share by annual volume", _MW,
                           "the price of one more average MW of green power counted toward the share"),
    "utilisation_floor": ("上架率下限", "utilisation floor (上架率)", _RACK, "the cost of one more rack the floor asks to fill"),
    "green_share": ("绿电占比", "green-power share", _MW, "the price of one more average MW of green power counted toward the share"),
    "western_share": ("西部份额", "western share", _RACK, "the cost of one more rack-year of non-real-time work in the west"),
    "emission_cap": ("碳排放总量上限", "carbon budget", "tCO2", "what one more tonne of carbon budget saves (the carbon price it sets)"),
    "water_limit": ("年用水上限", "yearly water limit", "m³", "what one more m³ of water a year at the cluster saves"),
    "hydro_availability": ("季节性水电可用量", "seasonal hydro available", "MW in the month",
                           "what one more MW of hydro in that month saves"),
    "hydro_month_use": ("月度水电消纳", "hydro used in the month", "MW in the month",
                        "what one more MW of load left to hydro in that month saves"),
    "green_claims": ("绿电声明", "green-power claims", _MW, "the value of one more average MW of grid draw to claim as green"),
    "trade_hourly_delivery": ("绿电交易逐时交付", "green trading delivered hour by hour", "MW in the hour",
                              "the value of one more MW of grid draw in that hour to carry traded green power"),
    "local_green_claims": ("省内存量绿电声明", "own-stock green claims", _MW,
                           "the value of one more average MW of the own stock's grid energy to claim as green"),
    "green_trade_market": ("绿电交易规模", "green-power trading market", _MW,
                           "what one more average MW of green trading open to data centres saves"),
    "certificate_market": ("绿证规模", "green-certificate market", _MW, "what one more average MW of certificates saves"),
    "pue_retrofit_reach": ("能效改造覆盖", "PUE retrofits so far", _MW, "the value of one more MW of PUE saving reached"),
    "pue_retrofit_load": ("能效改造负荷", "PUE savings on the occupied stock", _MW, "the value of one more MW of PUE saving on load"),
    "local_capacity": ("省内存量容量", "own data-center stock", _RACK, "what one more rack of a province's own stock saves"),
    "local_ai_capacity": ("省内存量智算机架", "AI-fitted racks of the own stock", _RACK,
                          "what one more AI-fitted rack of a province's own stock saves"),
    "local_general_capacity": ("省内存量通算机架", "own-stock racks not fitted for AI", _RACK,
                               "what one more rack of a province's own stock not fitted for AI saves"),
    "local_retire_limit": ("省内存量退役上限", "own-stock retirement limit", "rack", "what one more own-stock rack to retire saves"),
    "local_build_limit": ("省内存量增长上限", "own-stock growth limit", "rack", "what one more rack of yearly own-stock growth saves"),
    "local_latency": ("省内存量时延", "own-stock latency bound", _RACK,
                      "what serving one rack of the class in its province's own stock would save"),
    "n1_reroute": ("N-1 转移", "N-1 re-serving", _RACK, "the cost of one more rack to re-serve if the cluster fails"),
    "n1_spare_capacity": ("N-1 备用容量", "N-1 spare capacity", _RACK, "what one more spare rack if a cluster fails saves"),
    "n1_spare_power": ("N-1 备用电力", "N-1 spare power", "MW", "what one more MW of spare power if a cluster fails saves"),
    "chain_source": ("数据链源头", "data collected", "TB/yr", "the marginal cost of one more TB of data collected in the province"),
    "chain_stage": ("数据链环节", "data-chain stage", "TB/yr", "the marginal cost of one more TB entering the stage at the cluster"),
    "chain_copies": ("异地备份", "copies in different hubs", "TB/yr", "the cost of keeping a copy's share out of one hub"),
    "backbone_capacity": ("骨干网容量", "backbone capacity", "TB/yr", "what one more TB/yr of backbone capacity on the edge saves"),
    "backbone_expansion_limit": ("骨干网扩容", "backbone expansion", "Tbps", "what one Tbps of expansion of the edge would save"),
}
_COSTS = {  # the cost terms' names in the cost tables (reports, app)
    "capex": ("投资", "Investment"), "capex_above_plan": ("规划外投资溢价", "Investment beyond the plan (premium)"),
    "capex_ai": ("智算机架投资", "AI racks: investment"), "electricity": ("电费", "Electricity"),
    "transport": ("传输", "Transport"), "opex": ("运营（可变）", "Operating"),
    "opex_fixed": ("运营（固定，增减部分）", "Operating (fixed, change)"), "carbon": ("碳成本", "Carbon"),
    "unmet_carbon": ("未满足碳成本", "Unmet demand: carbon"), "unmet_penalty": ("未满足惩罚", "Unmet-demand penalty"),
    "policy_penalty": ("政策缺口惩罚", "Policy-shortfall penalty"), "block_fixed": ("模块固定成本", "Block fixed cost"),
    "storage": ("储能", "Storage"), "local_electricity": ("本地电费", "Own stock: electricity"),
    "local_carbon": ("本地碳成本", "Own stock: carbon"), "local_opex": ("本地运营", "Own stock: operating"),
    "local_opex_fixed": ("本地运营（固定，增减部分）", "Own stock: operating (fixed, change)"),
    "local_capex": ("本地投资", "Own stock: investment"),
    "remote_operation": ("跨省存量：电费、运营与传输", "Other provinces' stock: electricity, operating, transport"),
    "remote_carbon": ("跨省存量碳成本", "Other provinces' stock: carbon"),
    "green_procurement": ("绿电采购", "Green power: hydro, trading, certificates"),
    "green_carbon": ("绿电与节能减碳（负）", "Green claims and PUE savings: carbon (negative)"),
    "pue_retrofit": ("存量能效改造", "Own stock: PUE retrofits, net of savings"),
    "resilience_penalty": ("N-1 缺口惩罚", "N-1 shortfall penalty"),
    "chain_opex": ("数据链运营", "Data chains: operating"), "chain_unmet_penalty": ("数据链未满足惩罚", "Data chains: unmet penalty"),
    "chain_transfer": ("骨干网传输", "Backbone: transfer"), "backbone_capex": ("骨干网扩容投资", "Backbone: expansion"),
}
LABELS: dict[str, Label] = ({n: Label(zh, en) for n, (zh, en) in {**_VARS, **_COSTS}.items()}
                            | {n: Label(zh, en, unit, dual) for n, (zh, en, unit, dual) in _ROWS.items()})
COST_TERMS = tuple(_COSTS)  # the order of their fixed colours in the cost charts (model.reports.charts)


def cost_names(term: str) -> tuple[str, str]:
    """(中文, English) name of a cost term; a term the registry does not know reads as its name."""
    label = LABELS.get(term)
    return (label.zh, label.en) if label else (term, term.replace("_", " "))
