"""The KPI catalogue: every key figure of a result declared once — its key, 中文 and English
label, the unit it is stored in, the unit a planner reads it in, and how it is read from a results
Dataset. summary.json, the CLI table, the Excel/HTML key-figure tables, comparison tables and
batch index columns are all derived from it (``kpi_row``, ``label``, ``with_unit``).

Some KPIs come in families that depend on the result: one per cost term (``cost_<term>``), per
unmet-demand reason (``unmet: <reason>``) and per workload class (``latency_<class>_ms``).
"""
from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..formulation.labels import cost_names
from ..results import REASON_ZH, REASONS, TOL, manifest_of
from ..results.hourly import score_totals
from ..results.shadow import statements


@dataclass(frozen=True)
class Unit:
    stored: str  # unit of the value in summary.json, index columns and tables
    shown: str  # unit a planner reads it in
    factor: float = 1.0  # shown value = stored value / factor
    digits: int = 2


TEXT = Unit("", "", digits=0)
YUAN = Unit("yuan, discounted", "亿元", 1e8)
TCO2 = Unit("tCO2 over the horizon", "MtCO2", 1e6)
MWH = Unit("MWh over the horizon", "TWh", 1e6)
RACK_YEARS = Unit("rack-years", "万架·年", 1e4)
RACKS = Unit("racks", "万架", 1e4)
SHARE = Unit("share", "%", 0.01, 1)
MW_YEARS = Unit("MW-years", "MW·年", 1.0, 1)
MS = Unit("ms, load-weighted", "ms", 1.0, 2)
M3 = Unit("m³ over the horizon", "百万m³", 1e6)
EFLOPS = Unit("EFLOPS (FP16) in the last year", "EFLOPS", 1.0, 0)


@dataclass(frozen=True)
class KPI:
    key: str
    zh: str
    en: str
    unit: Unit
    read: Callable[[_Arrays], object]
    cli: bool = True  # shown in the CLI's summary table


class _Arrays:
    """numpy views of a results Dataset (the KPIs read arrays, not xarray operations: a warm sweep
    step would otherwise spend a third of its time here)."""

    def __init__(self, res: xr.Dataset):
        self.res, self.V = res, res.variables

    def __call__(self, name: str, *dims: str) -> np.ndarray:
        v = self.V[name]
        return np.asarray(v.transpose(*dims).values if dims else v.values)

    def total(self, name: str) -> float:
        return float(self(name).sum())


def _utilisation(a: _Arrays) -> float:
    cap = a.total("capacity")
    return a.total("load") / cap if cap > 0 else float("nan")


def _green_score(a: _Arrays, name: str) -> float | None:
    """Consumption-weighted green score over all clusters and years (model/results/hourly.py)."""
    cons = a("energy_mwh", "cluster", "year")
    w = float(cons.sum())
    return float(np.nansum(a(name, "cluster", "year") * cons) / w) if w > 0 else None


def _mwh(a: _Arrays, *names: str) -> float:
    """Average MW summed over the years (and clusters or provinces) × hours: MWh over the horizon
    (0 where a result has no such variable, e.g. a file written before green procurement)."""
    return sum(a.total(n) for n in names if n in a.res) * float(a.res.attrs.get("hours_per_year", 8760.0))


KPIS: tuple[KPI, ...] = (
    KPI("status", "状态", "status", TEXT, lambda a: str(a.res.attrs["status"])),
    KPI("objective", "总成本", "total cost (objective)", YUAN, lambda a: float(a.res.attrs["objective"])),
    KPI("emissions_tco2", "排放", "emissions (clusters + own stock + unmet at the fallback factor)", TCO2,
        lambda a: a.total("total_emissions_t")),
    KPI("energy_mwh", "用电量", "energy (clusters + own stock)", MWH, lambda a: a.total("energy_mwh") + a.total("local_energy_mwh")),
    KPI("green_hydro_mwh", "直供水电", "direct hydro (clusters)", MWH, lambda a: _mwh(a, "hydro_mw")),
    KPI("green_trade_mwh", "绿电交易", "green-power trading (clusters + own stock)", MWH,
        lambda a: _mwh(a, "green_trade_mw", "local_green_trade_mw")),
    KPI("green_certificate_mwh", "绿证", "green certificates (clusters + own stock)", MWH,
        lambda a: _mwh(a, "certificate_mw", "local_certificate_mw")),
    KPI("pue_saving_mwh", "PUE改造节电", "saved by PUE retrofits of the own stock", MWH,
        lambda a: _mwh(a, "local_pue_saving_mw"), cli=False),
    KPI("local_served_rack_years", "本地存量承接", "served in the provinces' own stock", RACK_YEARS, lambda a: a.total("local_served")),
    KPI("water_m3", "集群用水", "cluster water use", M3, lambda a: a.total("water_m3")),
    KPI("eflops_last_year", "算力（末年）", "compute in the last year (FP16)", EFLOPS,
        lambda a: float(a("eflops", "year", "cluster", "workload")[-1].sum() + a("local_eflops", "year", "region", "workload")[-1].sum())),
    KPI("demand_rack_years", "需求", "demand", RACK_YEARS, lambda a: a.total("demand")),
    KPI("served_rack_years", "已满足", "served", RACK_YEARS, lambda a: a.total("served")),
    KPI("unmet_rack_years", "未满足", "unmet demand", RACK_YEARS, lambda a: a.total("unmet")),
    KPI("unmet_share", "未满足占比", "unmet share of demand", SHARE, lambda a: a.total("unmet") / max(a.total("demand"), 1e-9)),
    KPI("idle_rack_years", "闲置机架", "idle racks (clusters + own stock)", RACK_YEARS,
        lambda a: a.total("idle") + a.total("local_idle")),
    KPI("sunk_cost", "沉没成本", "sunk cost (existing stock's fixed opex, outside the objective)", YUAN,
        lambda a: a.total("sunk_cost")),
    KPI("built_racks", "新建机架", "racks built", RACKS, lambda a: a.total("build")),
    KPI("utilisation_mean", "平均上架率", "mean utilisation (load / capacity)", SHARE, _utilisation),
    KPI("utilisation_floor", "上架率下限", "utilisation floor", SHARE, lambda a: float(a("utilisation_floor")), cli=False),
    KPI("utilisation_shortfall_racks", "上架率缺口", "utilisation shortfall", RACK_YEARS,
        lambda a: a.total("utilisation_shortfall"), cli=False),
    KPI("green_volume_score", "绿电占比（年度总量）", "green share by annual volume", SHARE,
        lambda a: _green_score(a, "green_volume_score")),
    KPI("green_cfe_score", "绿电逐时匹配率", "green share matched hour by hour (24/7 CFE)", SHARE,
        lambda a: _green_score(a, "green_cfe_score")),
    KPI("emission_accounting", "碳排放核算方法", "how CO2 and green power are counted", TEXT,
        lambda a: str(a.res.attrs.get("emission_accounting_method", ""))),
    KPI("green_shortfall_mw", "绿电缺口", "green-share shortfall", MW_YEARS, lambda a: a.total("green_shortfall_mw"), cli=False),
    KPI("west_shortfall_racks", "西部份额缺口", "western-share shortfall", RACK_YEARS,
        lambda a: a.total("west_shortfall"), cli=False),
    KPI("scenario_hash", "情景哈希", "scenario hash", TEXT, lambda a: str(a.res.attrs["scenario_hash"]), cli=False),
)
BY_KEY = {k.key: k for k in KPIS}


def _cost_kpis(a: _Arrays) -> list[KPI]:
    return [KPI(f"cost_{t}", f"成本：{cost_names(str(t))[0]}", f"cost: {t}", YUAN,
                lambda a, i=i: float(a("cost")[i])) for i, t in enumerate(a("cost_term"))]


def _unmet_kpis(a: _Arrays) -> list[KPI]:
    reasons = a("unmet_reason")
    return [KPI(f"unmet: {r}", f"未满足：{REASON_ZH[r]}", f"unmet: {r}", RACK_YEARS,
                lambda a, r=r: float(a("unmet")[a("unmet_reason") == r].sum())) for r in REASONS if (reasons == r).any()]


def _latency(a: _Arrays, i: int) -> float | None:
    served = a("served", "region", "workload", "year").sum(axis=0)[i]  # (Y,)
    s = float(served.sum())
    return float(np.nansum(a("latency_weighted_ms", "workload", "year")[i] * served) / s) if s > TOL else None


def _latency_kpis(a: _Arrays) -> list[KPI]:
    zh = a("workload_name_zh")
    return [KPI(f"latency_{w}_ms", f"时延：{zh[i]}", f"latency: {w}", MS, lambda a, i=i: _latency(a, i))
            for i, w in enumerate(map(str, a("workload")))]


def catalogue(res: xr.Dataset) -> list[KPI]:
    """The KPIs of this result, in reading order (fixed ones with the families after their kin)."""
    a = _Arrays(res)
    fixed = list(KPIS)
    at = lambda key: fixed.index(BY_KEY[key]) + 1  # noqa: E731
    out = fixed[:at("objective")] + _cost_kpis(a) + fixed[at("objective"):at("unmet_rack_years")]
    out += _unmet_kpis(a) + fixed[at("unmet_rack_years"):at("west_shortfall_racks")] + _latency_kpis(a)
    return out + fixed[at("west_shortfall_racks"):]


def kpi_values(res: xr.Dataset) -> list[tuple[KPI, object]]:
    a = _Arrays(res)
    return [(k, k.read(a)) for k in catalogue(res)]


def kpi_row(res: xr.Dataset) -> dict:
    """The flat KPI columns of one result (batch index, comparisons, summary.json "kpis")."""
    return {k.key: v for k, v in kpi_values(res)}


def label(key: str) -> tuple[str, str, Unit]:
    """(中文, English, unit) of a KPI column, including the per-term/reason/class families."""
    if key in BY_KEY:
        k = BY_KEY[key]
        return k.zh, k.en, k.unit
    if key.startswith("cost_"):
        return f"成本：{cost_names(key[5:])[0]}", f"cost: {key[5:]}", YUAN
    if key.startswith("unmet: "):
        return f"未满足：{REASON_ZH.get(key[7:], '')}", key, RACK_YEARS
    if key.startswith("latency_") and key.endswith("_ms"):
        return "时延", f"latency: {key[8:-3]}", MS
    return "", key, TEXT


def number(value, unit: Unit) -> str:
    """The number alone in the unit planners read ('1,351.36' for 亿元), for cards and cells whose
    label carries the unit."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):  # no number (an unserved class's latency)
        return "—"
    if not isinstance(value, (int, float, np.number)) or isinstance(value, bool):
        return str(value)
    return f"{value / unit.factor:,.{unit.digits}f}"


def with_unit(value, unit: Unit) -> str:
    """A value in the unit planners read, with thousands separators ('1,351.36 亿元')."""
    text = number(value, unit)
    return text if text == "—" or not isinstance(value, (int, float, np.number)) or isinstance(value, bool) \
        else f"{text} {unit.shown}".rstrip()


_SUMMARIES: dict[int, tuple[object, dict]] = {}


def summary(res: xr.Dataset) -> dict:
    """The summary.json document (also what the app's KPI cards show), computed once per result:
    an export calls it from several tables."""
    hit = _SUMMARIES.get(id(res))
    if hit is not None and hit[0] is res.attrs.get("manifest"):
        return hit[1]
    s = _summary(res)
    if id(res) not in _SUMMARIES:
        weakref.finalize(res, _SUMMARIES.pop, id(res), None)
    _SUMMARIES[id(res)] = (res.attrs.get("manifest"), s)
    return s


def _summary(res: xr.Dataset) -> dict:
    man = manifest_of(res)
    row = kpi_row(res)
    return {
        "scenario": man["scenario_name"],
        "status": row["status"],
        "objective": row["objective"],
        "costs": {k[5:]: v for k, v in row.items() if k.startswith("cost_")},
        "emissions_tco2": row["emissions_tco2"],
        "energy_mwh": row["energy_mwh"],
        "demand_rack_years": row["demand_rack_years"],
        "served_rack_years": row["served_rack_years"],
        "unmet": {"total_rack_years": row["unmet_rack_years"],
                  "by_reason": {k[7:]: v for k, v in row.items() if k.startswith("unmet: ")},
                  "by_year": _unmet_by_year(res)},
        "built_racks": row["built_racks"],
        "latency_weighted_ms": {k[8:-3]: v for k, v in row.items() if k.startswith("latency_")},
        "utilisation_mean": row["utilisation_mean"],
        "policy_shortfalls": {"utilisation_racks": row["utilisation_shortfall_racks"],
                              "green_mw": row["green_shortfall_mw"], "west_racks": row["west_shortfall_racks"]},
        "green": score_totals(res),
        "conflicts": man.get("conflicts", []),
        "mip": man.get("mip"),
        "baselines": _baselines(res),
        "resilience": ({"n_minus_1": True, **_resilience_cost(man),
                        "shortfall_rack_years": float(res["n1_shortfall"].sum()),
                        "shortfall_by_failed_cluster": {str(k): float(v) for k, v in
                                                        res["n1_shortfall"].sum("year").to_series().items()}}
                       if "n1_shortfall" in res else {"n_minus_1": False}),
        "shadow_prices": statements(res),
        "timings": man["timings"],
        "scenario_hash": row["scenario_hash"],
        "versions": man["versions"],
        "solver_options": man["solver_options"],
        "kpis": row,
    }


def _resilience_cost(man: dict) -> dict:
    """Cost of resilience (total and split, yuan, discounted) and the second solve behind it."""
    r = man.get("resilience") or {}
    split = ("investment_and_operating", "n1_shortfall_penalty", "other_penalties")
    return {"cost_of_resilience": r.get("total"),
            "cost_of_resilience_split": {k: r[k] for k in split} if "total" in r else None,
            "comparison_solve": r.get("comparison_solve"), **({"why_not_computed": r["why"]} if "why" in r else {})}


def _baselines(res: xr.Dataset) -> dict:
    if "baseline" not in res.dims:
        return {}
    return {str(b): {"status": str(res["baseline_status"].sel(baseline=b).item()),
                     "objective": float(res["baseline_cost"].sel(baseline=b).sum()),
                     "costs": {str(t): float(v) for t, v in zip(res.cost_term.values, res["baseline_cost"].sel(baseline=b).values)},
                     "emissions_tco2": float(res["baseline_emissions_t"].sel(baseline=b)),
                     "unmet_rack_years": float(res["baseline_unmet"].sel(baseline=b)),
                     "latency_weighted_ms": {str(w): (None if np.isnan(v) else float(v)) for w, v in
                                             zip(res.workload.values, res["baseline_latency_ms"].sel(baseline=b).values)}}
            for b in res.baseline.values}


def _unmet_by_year(res: xr.Dataset) -> dict[str, float]:
    """Unmet demand summed by year (numpy: xarray's label selection builds variables through its
    dask probe, which imports dask.array the first time)."""
    u = res["unmet"]
    totals = np.nansum(u.values, axis=tuple(i for i, d in enumerate(u.dims) if d != "year"))
    return {str(y): float(t) for y, t in zip(res.year.values, totals)}
