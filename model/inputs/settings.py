"""The settings catalogue: every scenario-level setting declared once.

A ``Setting`` is one number or switch of a scenario (``path``, dotted; ``*`` stands for any id), of a
dataset's settings.yaml (``key``), or both: a scenario field that overrides a settings.yaml key (the
scenario's None: the dataset's value). Each record carries its range and unit, its default, the
app's bilingual label, help, step and format, the lever group the app's editor lists it in, and
whether a warm re-solve takes a change of it without rebuilding the inputs (``warm.py``).

From ``CATALOGUE`` come the checks of settings.yaml (``dataset.read_settings``), the types and
defaults of the scenario's fields (``scenario.setting_field``), the map of overrides
(``SCENARIO_OVERRIDES``: ``build.setting_value`` and ``levers.set_lever``), the lever lists
(``levers.GLOBAL_LEVERS`` …), a lever's value when the scenario leaves it unset
(``levers.dataset_value``) and the defaults of absent settings (``build.py``, ``green.py``). A new
setting is one record here, its field in scenario.py (``setting_field("its.path")``) and its use.

The records are in the order the editor lists the levers of a group and settings.yaml is checked.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .schema import FILES, INF, MAX_PENALTY, MAX_RACKS


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # no default: the file must give the value
LEVER_GROUPS = ("global", "policy", "solver", "advanced", "class", "region")  # the editor's lists ("": no lever)
ENTITY_GROUPS = {"class": "workloads", "region": "regions"}  # per-entity groups: the table whose ids ``*`` takes


@dataclass(frozen=True)
class Setting:
    path: str | None  # dotted path in the scenario (``*``: any id); None: a settings.yaml key alone
    key: str | None = None  # the settings.yaml key; with a path, the scenario field overrides it
    lo: float = -INF
    hi: float = INF
    unit: str = ""  # of the range, as settings.yaml's messages state it
    # value when not given: settings.yaml's for a key (REQUIRED: it must be there; None: the option
    # is off), else the scenario's. A scenario field overriding a key defaults to None (the dataset's)
    default: Any = None
    kind: str = "float"  # float | share | bool | optional (empty allowed) | int
    zh: str = ""  # the lever's label a planner reads (with ``en``)
    en: str = ""
    help: str = ""
    help_zh: str = ""  # the same help in 中文 (a lever's tooltip in the 中文 mode)
    label_unit: str | None = None  # the unit in the lever's label, where it differs from ``unit``
    step: float = 0.01  # the app's widget step and format
    fmt: str = "%.2f"
    group: str = ""  # the editor's lever list (LEVER_GROUPS); "": not a lever of the app
    column: str = ""  # a per-entity lever unset: this column of the entity's table (else ``default``)
    warm: bool = False  # a change re-solves warm (``warm.WARM_LEVERS`` has it)
    as_input: bool = False  # build.py copies the key's value as it is into the inputs Dataset

    @property
    def scenario_default(self) -> Any:
        """The scenario's value when unset: None (the dataset's) for an override of a key."""
        return None if self.key else self.default

    @property
    def lever_unit(self) -> str:
        unit = self.unit if self.label_unit is None else self.label_unit
        return "" if unit == "-" else unit


def _override(path, key, lo, hi, unit, zh, en, step, fmt, group, warm=False, **kw) -> Setting:
    """A settings.yaml key every dataset gives, which a scenario may override at ``path``."""
    return Setting(path, key, lo, hi, unit, REQUIRED, zh=zh, en=en, step=step, fmt=fmt, group=group, warm=warm, **kw)


def _key(key, lo, hi, unit, default=REQUIRED, help="", as_input=False) -> Setting:
    """A settings.yaml key no scenario overrides."""
    return Setting(None, key, lo, hi, unit, default, help=help, as_input=as_input)


def _scale(path, zh="", en="", help="", group="", warm=False, hi=20, help_zh="") -> Setting:
    """A factor of the scenario on dataset figures (1: as the data say)."""
    return Setting(path, None, 0, hi, "×", 1.0, zh=zh, en=en, help=help, help_zh=help_zh, step=0.05, group=group,
                   warm=warm)


CATALOGUE: tuple[Setting, ...] = (
    # -- economics -------------------------------------------------------------------------------
    _key("base_year", 2000, 2100, "year", help="costs are discounted to it"),
    _override("carbon_price_yuan_per_t", "carbon_price_yuan_per_t", 0, 1e5, "yuan/tCO2", "碳价", "Carbon price",
              10.0, "%.2f", "global", warm=True),
    _scale("electricity_price_scale", "电价系数", "Electricity price scale", "multiplies every cluster's grid price",
           "global", warm=True, help_zh="乘以每个集群的电网电价"),
    _scale("green_price_scale", "绿电价格系数", "Green-power price scale", "multiplies every cluster's green-power price",
           "global", warm=True, help_zh="乘以每个集群的绿电价格"),
    _scale("green_potential_scale", "绿电潜力系数", "Green-potential scale", "multiplies every cluster's wind, solar and hydro "
           "potential (the green power it can contract)", "global", help_zh="乘以每个集群的风电、光伏和水电潜力（可签约的绿电）"),
    # an assumption with a wide range (data/sources.csv: 0.01–0.17), so a lever; absent from a dataset: no limit
    Setting("local_ai_share", "local_ai_share", 0, 1, "share", None, zh="本省存量智算比例", en="Own-stock AI share",
            help="share of the provinces' own racks fitted for AI (GPU) work; 1: no limit",
            help_zh="各省自有数据中心机架中适配智算（GPU）的比例；1 为不限", step=0.01, fmt="%.3f", group="global"),
    _scale("demand.scale", "需求系数", "Demand scale", "multiplies all demand", "global", warm=True, hi=100,
           help_zh="乘以全部需求"),
    _override("discount_rate", "discount_rate", 0, 0.5, "1/yr", "折现率", "Discount rate", 0.01, "%.3f", "global",
              label_unit="per year"),
    _key("capex_lifetime_years", 1, 50, "yr", help="annualisation period of facility capex"),
    _override("unmet_penalty_yuan_per_rack_year", "unmet_penalty_yuan_per_rack_year", 0, MAX_PENALTY, "yuan/rack/yr",
              "未满足惩罚", "Unmet-demand penalty", 1000.0, "%.0f", "global", warm=True, label_unit="yuan/rack-year"),
    _key("policy_penalty_yuan_per_rack_year", 0, MAX_PENALTY, "yuan/rack/yr", help="price of a policy shortfall"),
    # -- latency and transport -------------------------------------------------------------------
    _key("fibre_km_per_ms", 1, 300, "km/ms"),
    _key("route_factor", 1, 5, "-"),
    _key("latency_overhead_ms", 0, 50, "ms"),
    _key("transport_yuan_per_tb", 0, 1e5, "yuan/TB"),
    _key("transport_yuan_per_tb_per_1000km", 0, 1e5, "yuan/TB/1000 km"),
    # -- policy ------------------------------------------------------------------------------------
    _override("policy.utilisation_floor", "utilisation_floor", 0, 1, "share", "上架率下限", "Utilisation floor",
              0.05, "%.2f", "policy", warm=True, kind="share",
              help="load ≥ floor × capacity at every cluster (soft, priced); 0 switches it off",
              help_zh="每个集群负荷 ≥ 下限 × 容量（软约束，不足部分计价）；0 为关闭"),
    _override("policy.min_green_share", "min_green_share", 0, 1, "share", "最低绿电比例", "Minimum green-power share",
              0.05, "%.2f", "policy", warm=True, kind="share",
              help="green ≥ share × supply at every cluster (soft, priced); 0 switches it off",
              help_zh="每个集群绿电 ≥ 比例 × 供电（软约束，不足部分计价）；0 为关闭"),
    _override("policy.min_west_share", "min_west_share", 0, 1, "share", "西部最低份额", "Minimum western share",
              0.05, "%.2f", "policy", warm=True, kind="share",
              help="share of non-real-time work served in western hubs (soft, priced); 0 switches it off",
              help_zh="非实时算力在西部枢纽服务的比例（软约束，不足部分计价）；0 为关闭"),
    Setting("policy.allow_unmet", default=True, kind="bool", zh="允许未满足需求", en="Allow unmet demand", group="policy",
            help="off: strict mode, demand must be served in full (may be infeasible)",
            help_zh="关闭：严格模式，需求必须全部满足（可能无可行解）"),
    # China emits ~1.1e10 t a year
    Setting("policy.emission_cap_t", None, 0, 1e11, "tCO2 over the horizon", None, "optional", "排放上限", "Carbon budget",
            "hard cap on total emissions; may make the model infeasible", "规划期排放总量的硬上限；可能导致无可行解",
            "tCO2 over the horizon, empty: none", 1_000_000.0, "%.0f", "advanced"),
    Setting("policy.n_minus_1", default=False, kind="bool", zh="N-1 冗余", en="N-1 resilience", group="advanced",
            help="the plan must survive the loss of any single cluster (adds rows; slower)",
            help_zh="方案须能承受任一集群失效（增加约束，求解更慢）"),
    # -- modular builds (a MILP) ---------------------------------------------------------------------
    Setting("modular_builds.block_racks", None, 1, MAX_RACKS, "standard racks", REQUIRED, "optional", "模块规模",
            "Build block", "capacity is added in whole blocks (a MILP)", "按整模块新增容量（混合整数规划）",
            "racks, empty: continuous builds", 1000.0, "%.0f", "advanced"),
    Setting("modular_builds.fixed_cost_yuan_per_block", None, 0, 1e12, "yuan", 0.0, zh="模块固定成本",
            en="Fixed cost per block", step=1_000_000.0, fmt="%.0f", group="advanced"),
    Setting("modular_builds.relax", default=False, kind="bool", zh="LP 松弛", en="LP relaxation", group="advanced",
            help="solve the blocks as continuous (the LP relaxation)", help_zh="模块数量按连续变量求解（LP 松弛）"),
    # -- solver (HiGHS options: no input changes) ------------------------------------------------------
    Setting("solver.time_limit_s", None, 1e-9, 86400, "s", 300.0, zh="求解时限", en="Solver time limit", step=10.0,
            fmt="%.3f", group="solver", warm=True),  # > 0
    Setting("solver.mip_rel_gap", None, 0, 1, "-", 1e-4, zh="MIP 相对间隙", en="MIP relative gap", step=0.0001,
            fmt="%.4f", group="solver", warm=True, help="stopping gap for modular builds (MILP)",
            help_zh="模块化建设（混合整数规划）的停止间隙"),
    Setting("solver.threads", None, 1, 64, "threads", 1, "int", warm=True),
    Setting("solver.random_seed", None, 0, 2**31 - 1, "-", 0, "int", warm=True),  # HiGHS takes a 32-bit int
    # -- per class and region ----------------------------------------------------------------------------
    Setting("demand.class_growth.*", None, -0.5, 2, "per year", None, "optional", "年增长率", "annual growth",
            label_unit="per year, empty: dataset path", fmt="%.3f", group="class", warm=True),
    Setting("demand.class_scale.*", None, 0, 100, "×", 1.0, zh="需求系数", en="demand scale", step=0.05, group="class",
            warm=True),
    Setting("latency_bounds_ms.*", None, 0, 1000, "ms one-way", None, "optional", "时延上限", "latency bound",
            label_unit="ms one-way, empty: none", step=1.0, fmt="%.1f", group="class", column="latency_bound_ms"),
    Setting("demand.region_growth.*", None, -0.5, 2, "per year", 0.0, zh="额外年增长率", en="extra annual growth",
            fmt="%.3f", group="region", warm=True),
    Setting("demand.region_scale.*", None, 0, 100, "×", 1.0, zh="需求系数", en="demand scale", step=0.05,
            group="region", warm=True),
    # China's whole 智能算力 was 788 EFLOPS in 2025-06
    Setting("demand.class_eflops.*.*", None, 0, 1e6, "EFLOPS (FP16)", warm=True),
    Setting("outages.*.years.*", None, 2000, 2100, "year", kind="int"),
    # -- data lifecycle --------------------------------------------------------------------------------
    _scale("lifecycle.volume_scale", help="× every chain's TB collected (chain_sources.csv)", hi=100),
    _scale("lifecycle.chain_scale.*", help="× one chain's TB collected", hi=100),
    _scale("lifecycle.transfer_price_scale", help="× the backbone's price per TB (backbone.csv)"),
    # -- hourly power model ----------------------------------------------------------------------------
    Setting("hourly.representative_days", None, 1, 365, "days", 12, "int"),
    Setting("hourly.flexibility_band", None, 0, 1, "share", 0.25, help="hourly load within (1 ± band) × daily mean"),
    Setting("hourly.storage.power_cost_yuan_per_mw_year", None, 0, 1e8, "yuan/MW/yr", 60_000.0,
            help="annualised cost of a MW of charge/discharge power"),
    Setting("hourly.storage.energy_cost_yuan_per_mwh_year", None, 0, 1e8, "yuan/MWh/yr", 60_000.0,
            help="annualised cost of a MWh of energy capacity"),
    Setting("hourly.storage.round_trip_efficiency", None, 0.01, 1, "-", 0.85),
    # -- settings.yaml keys a dataset may leave out; checked when present ----------------------------------
    _key("route_factor_ip", 1, 5, "-", None, "latency_layer: ip"),
    _key("latency_overhead_ms_ip", 0, 50, "ms", None, "latency_layer: ip"),
    _key("route_factor_target", 1, 5, "-", None, "latency_layer: target"),
    # the decision model (issue 18); absent: the model as it was before the setting existed
    _key("fixed_opex_share", 0, 1, "share", 0.0, "of opex paid per rack in service, not per occupied rack", True),
    _key("above_plan_capex_premium", 0, 10, "× capex", 0.0, "extra capex of a rack beyond the plan", True),
    _key("site_potential_share_of_plan", 1, 10, "× planned", 1.0, "physical potential (land, grid) / plan", True),
    _key("fill_installed_first_year", 0, 1, "share", 1.0, "上架 ramp: installed stock occupiable in y0", True),
    _key("fill_new_first_year", 0, 1, "share", 1.0, "a new rack occupiable in its first year", True),
    _key("fill_gain_per_year", 0, 1, "share/yr", 0.0, "occupiable share gained each year in service", True),
    _key("fill_max", 0, 1, "share", 1.0, "occupiable share of a mature rack", True),
    _key("build_lead_years", 0, 5, "yr", 0.0, "years from paying for a rack to its entering service", True),
    _key("ai_capex_premium", 0, 10, "× capex", 0.0, "extra facility capex of a rack fitted for AI (liquid cooling)", True),
    _key("ai_racks_reserved", 0, 1, "-", 0.0, "1: racks fitted for AI host AI work only (general work elsewhere)", True),
    _key("fallback_co2_t_per_mwh", 0, 2, "tCO2/MWh", 0.0, "unmet work served outside the plan", True),
    _key("fallback_pue", 1, 3, "-", 1.0, "", True),
    # green procurement and residual-mix accounting (green.py; absent: off or neutral)
    _key("residual_factor_ratio", 1, 2, "-", 1.0, "residual-mix factor / location factor"),
    _key("green_trade_premium_yuan_per_kwh", 0, 1, "yuan/kWh", 0.0),
    _key("certificate_price_yuan_per_mwh", 0, 1000, "yuan/MWh", 0.0),
    _key("green_trade_limit_twh_per_year", 0, 1e4, "TWh/yr", 0.0, "0: no green-power trading"),
    _key("certificate_limit_twh_per_year", 0, 1e4, "TWh/yr", 0.0, "0: no certificates"),
    _key("certificates_count_for_carbon", 0, 1, "0/1", 0.0),
    _key("pue_retrofit_target", 1, 3, "-", None, "absent: no PUE retrofits of the own stock"),
    _key("pue_retrofit_cost_yuan_per_rack", 0, 1e6, "yuan/standard rack", 0.0),
)

DATASET_SETTINGS = tuple(s for s in CATALOGUE if s.key)  # the keys of settings.yaml, checked in this order
SCENARIO_OVERRIDES = {s.path: s.key for s in CATALOGUE if s.path and s.key}  # scenario path -> settings.yaml key
_BY_KEY = {s.key: s for s in DATASET_SETTINGS}


def _matches(pattern: str, path: str) -> bool:
    keys, parts = pattern.split("."), path.split(".")
    return len(keys) == len(parts) and all(k in ("*", p) for k, p in zip(keys, parts))


@lru_cache(maxsize=4096)  # the editor asks for every lever's record (ranges, defaults) on each rerun
def _record(path: str) -> Setting | None:
    return next((s for s in CATALOGUE if s.path and _matches(s.path, path)), None)


def at(path: str) -> Setting:
    """The record of the scenario setting at dotted ``path`` (``*`` in a record matches one id);
    KeyError if the catalogue has none."""
    found = _record(path)
    if found is None:
        raise KeyError(path)
    return found


def absent_default(key: str) -> Any:
    """The value of settings.yaml ``key`` in a dataset that leaves it out (None: the option is off)."""
    return _BY_KEY[key].default


def range_of(path: str) -> tuple[float, float]:
    """(lo, hi) of a scenario lever by dotted path: its record's, or the range of the clusters.csv
    column a ``clusters.<id>.<column>`` lever overrides; unbounded for anything else."""
    parts = path.split(".")
    if parts[0] == "clusters" and len(parts) == 3:
        col = next(c for c in FILES["clusters.csv"] if c.name == parts[2])
        return col.lo, col.hi
    try:
        s = at(path)
    except KeyError:
        return -INF, INF
    return s.lo, s.hi


def lever_group(group: str) -> tuple[Setting, ...]:
    """The records the editor lists in ``group``, in catalogue order."""
    return tuple(s for s in CATALOGUE if s.group == group)
