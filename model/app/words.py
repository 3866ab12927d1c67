"""Lever labels, names and edit errors in the session's language (the catalogue in
``model/inputs/settings.py`` keeps both languages of labels and help; the app shows one, or both).
``UNIT_ZH`` translates units: a vocabulary shared by settings and dataset columns, not per setting.

An edit the scenario rejects is said in the planner's terms — the lever's name, what it can
take, and a hint when a share was typed as a percentage ("5" for 5 %) — not the validator's
English naming the bundled file behind the widget.
"""
from __future__ import annotations

import re

from ..errors import InputError
from ..inputs.levers import Lever
from .numbers import pick

UNIT_ZH = {"yuan/tCO2": "元/吨 CO₂", "per year": "每年", "yuan/rack-year": "元/架·年", "share": "比例", "s": "秒",
           "tCO2 over the horizon, empty: none": "吨 CO₂（规划期），留空为无", "racks, empty: continuous builds":
           "架，留空为连续建设", "yuan": "元", "per year, empty: dataset path": "每年，留空沿用数据集路径",
           "ms one-way, empty: none": "毫秒（单程），留空为无", "racks": "架", "racks/year": "架/年",
           "yuan/kWh": "元/千瓦时", "yuan/rack": "元/架", "yuan/rack/year, empty: none": "元/架·年，留空为无",
           "L/kWh, empty: none": "升/千瓦时，留空为无", "m³/year, empty: none": "m³/年，留空为无"}
# HiGHS's model status as the planner reads it (``solve.highs.STATUS_WORDS`` and the time-limit variants)
STATUS_ZH = {"optimal": "最优", "infeasible": "无可行解", "infeasible or unbounded": "无可行解或无界", "unbounded": "无界",
             "time limit": "求解时限已到", "time limit (incumbent)": "求解时限已到（当前最优可行解）",
             "time limit (no solution)": "求解时限已到（无可行解）", "iteration limit": "迭代次数已到上限",
             "objective bound reached": "已达目标界", "empty model": "空模型", "solver error": "求解器出错",
             "interrupted": "已中断"}
_BOUND = {"less than or equal to": ("不能大于", "must be at most"), "greater than or equal to": ("不能小于", "must be at least"),
          "less than": ("必须小于", "must be below"), "greater than": ("必须大于", "must be above")}


def unit(u: str, lang: str) -> str:
    return pick(lang, UNIT_ZH.get(u, u), u) if lang != "both" else u


def status(word: str, lang: str) -> str:
    """A solve's status in the session's language ('最优' / 'optimal'); an unknown one as it is."""
    return pick(lang, STATUS_ZH.get(word, word), word)


def lever_label(lv: Lever, lang: str, name_zh: str | None = None, name_en: str | None = None) -> str:
    """'碳价 (元/吨 CO₂)' / 'Carbon price (yuan/tCO2)' / '碳价 Carbon price (yuan/tCO2)'."""
    u = unit(lv.unit, lang)
    name = pick(lang, name_zh or lv.label_zh, name_en or lv.label_en[:1].upper() + lv.label_en[1:])
    return f"{name} ({u})" if u else name


def lever_help(lv: Lever, lang: str) -> str | None:
    if not lv.help:
        return None
    return lv.help if lang != "zh" else (lv.help_zh or None)  # no English tooltip in the 中文 mode


def name(table, key: str, lang: str) -> str:
    """A dataset row's name ('张家口集群', 'Zhangjiakou' or both) from its name_zh / name_en."""
    return pick(lang, str(table.loc[key, "name_zh"]), str(table.loc[key, "name_en"]))


def edit_error(exc: InputError, lv: Lever | None, value, lang: str) -> str:
    """One plain line for a rejected widget edit: the lever, what it can take, and a hint."""
    what = lever_label(lv, lang) if lv else exc.field
    m = re.match(r"Input should be (less than or equal to|greater than or equal to|less than|greater than) (\S+)",
                 exc.problem)
    if not m:
        return f"{what}: {exc.problem}"
    bound = float(m.group(2))
    text = f"{what}: {pick(lang, *_BOUND[m.group(1)])} {m.group(2)}"
    if isinstance(value, (int, float)) and m.group(1).startswith("less") and bound <= 1 < value <= 100 * bound:
        zh, en = f"。是否指 {value:g}%，即 {value / 100:g}？", f"did you mean {value:g} %, i.e. {value / 100:g}?"
        text += {"zh": zh, "en": f" — {en}"}.get(lang, f"{zh} {en[:1].upper()}{en[1:]}")
    return text
