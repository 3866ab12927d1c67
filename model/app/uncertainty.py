"""Uncertainty view: a two-stage plan over a bundled futures file (data/futures/) applied to the
scenario being edited (or to the file's own base), the cost of each future under the stochastic
and mean-value plans, the robust / hedge builds, and RP/EEV/WS/VSS/EVPI read out in plain words.
"""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import streamlit as st

from ..errors import InputError
from ..inputs.scenario import apply_changes, scenario_from_dict
from ..reports import kpis
from ..reports.stochastic import answers_table, builds_table, cost_figure, excel_bytes, futures_table
from ..studies.stochastic import OBJECTIVES, load_futures, results_dataset, solve_stochastic
from . import numbers, state

FUTURES = Path(__file__).resolve().parent.parent.parent / "data" / "futures"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OBJECTIVE_NAMES = {"expected": ("期望成本", "expected cost"), "cvar": ("期望 + λ·CVaR", "expected + λ·CVaR"),
                   "regret": ("最小最大后悔", "minimax regret")}
CJK = re.compile(r"[\u3400-\u9fff]")


@st.cache_data(show_spinner=False, max_entries=8)
def _solve(path: str, scenario_json: str | None, objective: str, lam: float, alpha: float):
    fs = load_futures(path)
    if scenario_json is not None:  # the same changes, on the scenario being edited
        base = scenario_from_dict(json.loads(scenario_json))
        fs = [dataclasses.replace(f, scenario=apply_changes(base, f.changes).model_copy(
            update={"name": f"{base.name}/{f.name}"}), base=base) for f in fs]
    return results_dataset(solve_stochastic(fs, objective, lam, alpha), fs)


def one_language(text: str, lang: str) -> str:
    """'cost 成本 (亿元)' → '成本 (亿元)' / 'cost (亿元)': a bilingual report label in one language
    (abbreviations such as RP and EVPI and the bracketed unit are kept in both)."""
    if lang == "both":
        return text
    head, unit = re.match(r"(.*?)(\s*\([^)]*\))?$", str(text)).groups()
    words = head.split()
    keep = [w for w in words if (bool(CJK.search(w)) == (lang == "zh")) or (w.isupper() and len(w) > 1)]
    return " ".join(keep or words) + (unit or "")


def _table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = df.rename(columns=lambda c: one_language(c, lang))
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: one_language(v, lang) if isinstance(v, str) else v)
        elif out[c].dtype.kind == "f":
            out[c] = out[c].map(lambda v: f"{v:,.2f}")
    return out


def readings(ds, lang: str) -> list[str]:
    """RP, EEV, WS, VSS and EVPI as a planner would say them."""
    a = {k: float(ds.attrs[k]) for k in ("RP", "EEV", "WS", "VSS", "EVPI")}
    y = lambda k: kpis.number(a[k], kpis.YUAN)  # noqa: E731
    return [numbers.pick(lang,
                         f"RP：一次建设、兼顾所有未来时的期望总成本 {y('RP')} 亿元。",
                         f"RP: the expected cost of one build plan made for all futures together, {y('RP')} 亿元."),
            numbers.pick(lang,
                         f"EEV：若按平均未来规划、再面对各种未来，期望成本 {y('EEV')} 亿元。",
                         f"EEV: plan for the average future, then meet each future — {y('EEV')} 亿元 expected."),
            numbers.pick(lang,
                         f"VSS = EEV − RP = {y('VSS')} 亿元：兼顾不确定性比按平均值规划节省的钱。",
                         f"VSS = EEV − RP = {y('VSS')} 亿元: what planning for the spread, not the average, saves."),
            numbers.pick(lang,
                         f"WS：若事先知道哪个未来会发生，期望成本 {y('WS')} 亿元。",
                         f"WS: the expected cost if we knew in advance which future comes, {y('WS')} 亿元."),
            numbers.pick(lang,
                         f"EVPI = RP − WS = {y('EVPI')} 亿元：更好的预测最多值这么多。",
                         f"EVPI = RP − WS = {y('EVPI')} 亿元: the most a perfect forecast would be worth.")]


def uncertainty_view() -> None:
    tr, lang = state.tr, state.lang()
    files = sorted(p.name for p in FUTURES.glob("*.yaml"))
    c = st.columns(4)
    name = c[0].selectbox(tr("未来情景集", "Futures file"), files, key="unc.file")
    objective = c[1].selectbox(tr("目标", "Objective"), OBJECTIVES, key="unc.obj",
                               format_func=lambda k: numbers.pick(lang, *OBJECTIVE_NAMES[k]))
    lam = c[2].number_input("λ (CVaR)", min_value=0.0, value=0.0, step=0.1, key="unc.lam")
    alpha = c[3].number_input("α (CVaR)", min_value=0.0, max_value=0.99, value=0.9, step=0.05, key="unc.alpha")
    edited = st.toggle(tr(f"用正在编辑的情景 “{state.scenario().name}” 作为基准", f"On the scenario being edited, "
                          f"'{state.scenario().name}'"), value=True, key="unc.edited",
                       help=tr("关闭：用未来情景集文件自己的基准情景。", "Off: the futures file's own base scenario."))
    if not st.button(tr("求解两阶段", "Solve across futures"), key="unc.solve") and "unc.result" not in st.session_state:
        st.info(tr("选择未来情景集并求解：所有未来共用同一建设方案。",
                   "Pick a futures file and solve: the builds are shared by every future."))
        return
    try:
        with st.spinner(tr("求解中 …", "Solving the extensive form …")):
            ds = _solve(str(FUTURES / name), state.scenario().model_dump_json() if edited else None, objective,
                        float(lam), float(alpha))
    except InputError as exc:
        st.error(state.shown(exc.line()))
        return
    st.session_state["unc.result"] = True
    st.dataframe(_table(answers_table(ds), lang), hide_index=True, key="unc.answers")
    st.markdown("\n".join(f"- {line}" for line in readings(ds, lang)))
    fig = cost_figure(ds)
    fig.update_layout(title=tr("各未来的成本", "Cost across futures"))
    for t in fig.data:
        t.name = one_language(t.name, lang)
    st.plotly_chart(fig, width="stretch", key="unc.chart")
    st.subheader(tr("稳健与对冲建设", "Robust builds and hedges"))
    st.dataframe(_table(builds_table(ds), lang), hide_index=True, key="unc.builds")
    if "local_build" in ds:
        st.subheader(tr("本地建设（省内存量）", "Provinces' own racks (local supply)"))
        st.dataframe(_table(builds_table(ds, "local_build"), lang), hide_index=True)
    st.subheader(tr("各未来", "Futures"))
    st.dataframe(_table(futures_table(ds), lang), hide_index=True, key="unc.futures")
    st.download_button(tr("Excel 报告 (.xlsx)", "Excel report (.xlsx)"), data=lambda d=ds: excel_bytes(d),
                       file_name="stochastic_report.xlsx", mime=XLSX, key="unc.dl", on_click="ignore")
