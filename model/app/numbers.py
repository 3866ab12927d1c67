"""The app's numbers in one language: KPI labels and units per language mode, the headline cards,
the cost table grouped by kind, and the rule-baseline table measured against the optimum's own row.

Units follow the KPI catalogue (``model/reports/kpis.py``); only Chinese mode swaps the two units
official Chinese usage writes differently: emissions in 万吨 CO₂ and energy in 亿千瓦时.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..formulation.labels import cost_names
from ..reports import kpis

ZH_UNITS = {kpis.TCO2: kpis.Unit(kpis.TCO2.stored, "万吨 CO₂", 1e4, 0),
            kpis.MWH: kpis.Unit(kpis.MWH.stored, "亿千瓦时", 1e5, 0)}
# English mode: the same magnitudes, said in English (a number reads the same in both languages)
EN_UNIT_WORDS = (("万架·年", "10k rack-years"), ("万架", "10k racks"), ("亿元", "100M yuan"), ("百万m³", "million m³"),
                 ("MW·年", "MW-years"), ("元/架·年", "yuan per rack-year"), ("万元/架·年", "10k yuan per rack-year"))
EN_NAMES = {  # the catalogue's English names are written for files ("total cost (objective)")
    "objective": "Total cost", "emissions_tco2": "Emissions", "energy_mwh": "Energy",
    "unmet_rack_years": "Unmet demand", "utilisation_mean": "Utilisation", "built_racks": "Racks built",
    "demand_rack_years": "Demand", "served_rack_years": "Served"}
PENALTIES = ("unmet_penalty", "policy_penalty", "resilience_penalty")
COST_GROUPS = (("新建与运营", "Clusters: build and run"), ("省内存量", "Provinces' own stock"),
               ("惩罚（非真实支出）", "Penalties (not money spent)"))


def pick(lang: str, zh: str, en: str) -> str:
    """One language's text, or both — once when they read the same ('PUE', not 'PUE PUE')."""
    if lang in ("zh", "en"):
        return zh if lang == "zh" else en
    return zh if zh == en or zh.endswith(" " + en) else f"{zh} {en}"


def unit_in(unit: kpis.Unit, lang: str) -> kpis.Unit:
    """The unit a reader of ``lang`` expects (万吨 CO₂ and 亿千瓦时 in Chinese mode, English words
    for 亿元 and 万架 in English mode)."""
    if lang == "zh":
        return ZH_UNITS.get(unit, unit)
    return kpis.Unit(unit.stored, units(unit.shown, lang), unit.factor, unit.digits) if lang == "en" else unit


def units(text: str, lang: str) -> str:
    """``text`` with its Chinese unit names in English when ``lang`` is 'en'."""
    if lang == "en":
        for zh, en in sorted(EN_UNIT_WORDS, key=lambda p: -len(p[0])):
            text = text.replace(zh, en)
    return text


def yuan(lang: str) -> str:
    return unit_in(kpis.YUAN, lang).shown


def number_in(value, unit: kpis.Unit, lang: str) -> str:
    """``kpis.number`` in the unit a reader of ``lang`` expects (``unit_in``)."""
    return kpis.number(value, unit_in(unit, lang))


def label(key: str, lang: str, with_unit: bool = True) -> str:
    """'总成本 (亿元)' / 'Total cost (亿元)': one language's name of a KPI, with its unit."""
    zh, en, unit = kpis.label(key)
    en = EN_NAMES.get(key, en[:1].upper() + en[1:].split(" (")[0])
    shown = unit_in(unit, lang).shown
    name = pick(lang, zh, en)
    return f"{name} ({shown})" if with_unit and shown else name


def cost_name(term: str, lang: str) -> str:
    return pick(lang, *cost_names(term))


def cost_group(term: str) -> int:
    own_stock = term.startswith(("local_", "remote_")) or term == "pue_retrofit"  # retrofits act on the own stock
    return 2 if term in PENALTIES else 1 if own_stock else 0


def penalties(s: dict) -> float:
    return float(sum(s["costs"].get(t, 0.0) for t in PENALTIES))


def cost_frame(s: dict, lang: str) -> pd.DataFrame:
    """Cost terms grouped (clusters, own stock, penalties) with subtotals: 亿元 with separators and
    each term's share of the total, as strings ready to show."""
    total = s["objective"]
    rows = []
    for g, names in enumerate(COST_GROUPS):
        terms = [(t, v) for t, v in s["costs"].items() if cost_group(t) == g and abs(v) > 0.5]
        if not terms:
            continue
        sub = sum(v for _, v in terms)
        rows.append((pick(lang, *names), "", sub))
        rows += [("", cost_name(t, lang), v) for t, v in terms]
    rows.append((pick(lang, "合计（目标函数）", "Total (objective)"), "", total))
    col = [pick(lang, "类别", "Group"), pick(lang, "成本项", "Term"), yuan(lang),
           pick(lang, "占比", "Share")]
    return pd.DataFrame([(g, t, kpis.number(v, kpis.YUAN), f"{v / total:.1%}" if total else "—") for g, t, v in rows],
                        columns=col)


def unmet_share(s: dict) -> float:
    d = s["kpis"]["demand_rack_years"]
    return s["kpis"]["unmet_rack_years"] / d if d else float("nan")


def plan_capacity(res: xr.Dataset) -> tuple[float, float]:
    """(capacity in the last year, planned racks): how much of the plan is built."""
    return float(res["capacity"].isel(year=-1).sum()), float(res["planned_racks"].sum())


def cards(res: xr.Dataset, s: dict, lang: str) -> list[dict]:
    """The headline cards of a result: cost without penalties with the penalties beside it,
    emissions, green power, unmet with its share of demand, utilisation against the plan's 上架率
    target, racks built against plan."""
    floor = float(res["utilisation_floor"]) if "utilisation_floor" in res else 0.0
    return cards_of(s, lang, floor, plan_capacity(res), green_card(res, s["kpis"], lang))


def headline_summary(h: dict) -> dict:
    """``Planner.answer(sc).headline()`` in the shape ``cards_of`` and the deltas read from a summary."""
    return {"objective": h["objective"], "costs": {k[5:]: v for k, v in h.items() if k.startswith("cost_")}, "kpis": h}


def cards_of(s: dict, lang: str, floor: float, capacity: tuple[float, float] | None = None,
             green: dict | None = None) -> list[dict]:
    """The headline cards from a summary (or ``headline_summary``): ``capacity`` (last year, planned)
    adds the plan to the builds' help, ``green`` the green-power card after the emissions."""
    k = s["kpis"]
    pen = penalties(s)
    money = kpis.YUAN
    built_help = pick(lang, "新建机架合计，全部年份", "racks built, all years")
    if capacity is not None:
        cap, plan = capacity
        built_help = pick(lang, f"末年容量 {kpis.number(cap, kpis.RACKS)} 万架，规划 {kpis.number(plan, kpis.RACKS)} 万架",
                          f"last-year capacity {kpis.number(cap, kpis.RACKS)} 万架 of {kpis.number(plan, kpis.RACKS)} 万架 planned")
    out = [
        dict(key="cost", label=pick(lang, "成本（不含惩罚）", "Cost without penalties") + f" ({yuan(lang)})",
             value=s["objective"] - pen, unit=money,
             help=pick(lang, f"目标函数 {kpis.number(s['objective'], money)} 亿元 = 成本 + 惩罚",
                       f"objective {kpis.number(s['objective'], money)} 亿元 = cost + penalties")),
        dict(key="penalty", label=pick(lang, "惩罚", "Penalties") + f" ({yuan(lang)})", value=pen, unit=money,
             help=pick(lang, "未满足需求和政策缺口的惩罚：不是实际支出，而是对缺口的定价。",
                       "unmet-demand and policy-shortfall penalties: not money spent, the price put on a gap.")),
        dict(key="emissions_tco2", label=label("emissions_tco2", lang), value=k["emissions_tco2"], unit=kpis.TCO2,
             help=pick(lang, "集群 + 省内存量，全部年份", "clusters + provinces' own stock, all years")),
        *([green] if green is not None else []),
        dict(key="unmet_rack_years", value=k["unmet_rack_years"], unit=kpis.RACK_YEARS,
             label=pick(lang, "未满足", "Unmet demand") + f" ({units('万架·年', lang)} · {pick(lang, '占需求', 'share of demand')})",
             suffix=f" ({unmet_share(s):.1%})",  # short: the value stays on one line in a third of the page
             help=pick(lang, f"需求 {kpis.number(k['demand_rack_years'], kpis.RACK_YEARS)} 万架·年",
                       f"demand {kpis.number(k['demand_rack_years'], kpis.RACK_YEARS)} 万架·年")),
        dict(key="utilisation_mean", label=pick(lang, "上架率", "Utilisation"), value=k["utilisation_mean"],
             unit=kpis.SHARE, target=floor,
             help=pick(lang, f"负载 / 在役容量；规划目标 ≥ {floor:.0%}", f"load / capacity in service; plan target ≥ {floor:.0%}")),
        dict(key="built_racks", label=label("built_racks", lang), value=k["built_racks"], unit=kpis.RACKS, help=built_help),
    ]
    for c in out:
        text = number_in(c["value"], c["unit"], lang)
        c["text"] = (f"{text} %" if c["unit"] is kpis.SHARE else text) + c.get("suffix", "")
        c["help"] = units(c["help"], lang)
    return out


ACCOUNTING = {  # res.attrs["emission_accounting"] → how CO2 and green power are counted, in words
    "market": ("市场法：扣除所购绿电后的电网用电按剩余组合因子（省级平均 × 全国剩余比例）计，所购绿电计为零排放",
               "market method: grid power net of green claims carries the residual-mix factor (provincial average × "
               "national residual ratio); green power claimed counts as zero"),
    "location": ("位置法：全部电网用电按省级平均因子计，购买绿电不改变排放",
                 "location method: every grid MWh carries the provincial average factor; green claims change no CO2"),
}


ACCOUNTING_NAMES = {"market": ("市场法（剩余组合因子）", "market method (residual mix)"),
                    "location": ("位置法（省级平均因子）", "location method (provincial average)")}


def green_card(res: xr.Dataset, k: dict, lang: str) -> dict:
    """Green power by its two scores: annual volume (certificates count) and hour by hour (24/7:
    only power delivered in the hour counts), with the accounting method in words."""
    volume, hourly = k.get("green_volume_score"), k.get("green_cfe_score")
    method = ACCOUNTING.get(str(res.attrs.get("emission_accounting", "")))
    floor = float(res["min_green_share"]) if "min_green_share" in res else 0.0
    card = dict(key="green_volume_score", value=volume if volume is not None else np.nan, unit=kpis.SHARE,
                label=pick(lang, "绿电占比（年度总量 · 逐时匹配）", "Green share (annual volume · hour by hour)"),
                suffix="" if hourly is None else f" · {hourly:.0%}",
                help=pick(lang, "年度总量含绿证；逐时匹配只计当小时送达的绿电。", "annual volume counts certificates; "
                          "hour by hour counts only green power delivered in the hour.")
                + (" " + pick(lang, *method) if method else ""))
    if floor > 0:
        card["target"] = floor
    return card


def against_target(value: float, target: float, lang: str) -> str | None:
    """'+35.0 pp vs plan 65 %': a share against the plan's target (the card's delta)."""
    if not target or value is None or not np.isfinite(value):
        return None
    d = (value - target) * 100
    sign = ("+" if d >= 0 else "-") + f"{abs(d):.1f}"
    return {"zh": f"{sign} 个百分点（规划目标 {target:.0%}）", "en": f"{sign} pp vs plan {target:.0%}"}.get(
        lang, f"{sign} pp · 目标 plan {target:.0%}")  # short enough for a third of the page


def baseline_frame(s: dict, lang: str) -> pd.DataFrame:
    """The optimum and the rule baselines, each measured against the optimum's own row (the
    same accounting scope as the rules, so the optimum reads 0)."""
    b = s["baselines"]
    opt = b.get("optimum") or {"objective": s["objective"], "emissions_tco2": s["emissions_tco2"],
                               "unmet_rack_years": s["unmet_rack_years"] if "unmet_rack_years" in s
                               else s["unmet"]["total_rack_years"]}
    t = unit_in(kpis.TCO2, lang).shown
    rows = []
    for name, v in ({"optimum": opt} | {k: v for k, v in b.items() if k != "optimum"}).items():
        rows.append({pick(lang, "规则", "Rule"): rule_name(name, lang),
                     pick(lang, "成本 (亿元)", "Cost (亿元)"): kpis.number(v["objective"], kpis.YUAN),
                     pick(lang, "比最优多 (亿元)", "Above the optimum (亿元)"):
                         _diff(v["objective"] - opt["objective"], kpis.YUAN, lang),
                     pick(lang, f"排放 ({t})", f"Emissions ({t})"): number_in(v["emissions_tco2"], kpis.TCO2, lang),
                     pick(lang, f"比最优多 ({t})", f"Above the optimum ({t})"):
                         _diff(v["emissions_tco2"] - opt["emissions_tco2"], kpis.TCO2, lang),
                     pick(lang, "未满足 (万架·年)", "Unmet (万架·年)"): kpis.number(v["unmet_rack_years"], kpis.RACK_YEARS)})
    return pd.DataFrame(rows).rename(columns=lambda c: units(c, lang))


def _diff(d: float, unit: kpis.Unit, lang: str) -> str:
    text = number_in(abs(d), unit, lang)
    return text if float(text.replace(",", "")) == 0 else ("+" if d > 0 else "−") + text


RULE_NAMES = {"optimum": ("最优", "Optimum"), "nearest": ("最近", "Nearest"), "cheapest": ("最便宜", "Cheapest"),
              "greenest": ("最绿", "Greenest")}


def rule_name(rule: str, lang: str) -> str:
    return pick(lang, *RULE_NAMES.get(rule, (rule, rule)))
