"""Uncertainty view: a two-stage plan over a bundled futures file (data/futures/), the cost of
each future under the stochastic and mean-value plans, and the robust / hedge builds table."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from ..errors import InputError
from ..reports.stochastic import answers_table, builds_table, cost_figure, excel_bytes, futures_table
from ..studies.stochastic import OBJECTIVES, load_futures, results_dataset, solve_stochastic

FUTURES = Path(__file__).resolve().parent.parent.parent / "data" / "futures"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False, max_entries=8)
def _solve(path: str, objective: str, lam: float, alpha: float):
    fs = load_futures(path)
    return results_dataset(solve_stochastic(fs, objective, lam, alpha), fs)


def uncertainty_view() -> None:
    files = sorted(p.name for p in FUTURES.glob("*.yaml"))
    c = st.columns(4)
    name = c[0].selectbox("未来情景集 Futures file", files, key="unc.file")
    objective = c[1].selectbox("目标 Objective", OBJECTIVES, key="unc.obj",
                               format_func={"expected": "期望成本 expected cost", "cvar": "期望 + λ·CVaR",
                                            "regret": "最小最大后悔 minimax regret"}.get)
    lam = c[2].number_input("λ (CVaR)", min_value=0.0, value=0.0, step=0.1, key="unc.lam")
    alpha = c[3].number_input("α (CVaR)", min_value=0.0, max_value=0.99, value=0.9, step=0.05, key="unc.alpha")
    if not st.button("求解两阶段 Solve across futures", key="unc.solve") and "unc.result" not in st.session_state:
        st.info("选择情景集并求解 Pick a futures file and solve: the builds are shared by every future.")
        return
    try:
        with st.spinner("求解中 Solving the extensive form…"):
            ds = _solve(str(FUTURES / name), objective, float(lam), float(alpha))
    except InputError as exc:
        st.error(exc.line())
        return
    st.session_state["unc.result"] = True
    st.dataframe(answers_table(ds), hide_index=True, column_config={"亿元": st.column_config.NumberColumn(format="%,.2f")})
    st.plotly_chart(cost_figure(ds), use_container_width=True)
    st.subheader("稳健与对冲建设 Robust builds and hedges")
    st.dataframe(builds_table(ds), hide_index=True)
    st.subheader("各情景 Futures")
    st.dataframe(futures_table(ds), hide_index=True)
    st.download_button("Excel 报告 Excel report (.xlsx)", data=lambda d=ds: excel_bytes(d), file_name="stochastic_report.xlsx",
                       mime=XLSX, key="unc.dl", on_click="ignore")
