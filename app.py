"""hubplan app: edit a scenario, solve it, read the results, compare scenarios, export.

Run with ``make app`` (``streamlit run app.py``); offline settings are in .streamlit/config.toml.
This file only composes the views in model/app/.
"""
import streamlit as st

from model.app import alternatives, answers, brief, compare, editor, export, hours, map_tab, results, sidebar, state, uncertainty, workspace

st.set_page_config(page_title="hubplan 东数西算 planner", layout="wide")
state.init()
state.collect()  # a solve that finished after navigation
# KPI cards: the value on one line at a size that fits a third of a 1280-px page (no "135.1…")
st.html("""<style>
[data-testid="stMetricValue"] > div {font-size: 1.6rem; overflow: visible; text-overflow: clip;}
[data-testid="stMetricLabel"] p {white-space: normal; line-height: 1.2;}
@media (min-width: 768px) {.st-key-solve_main {display: none;}}  /* the sidebar's Solve is in view */
</style>""")

sb = st.sidebar
sb.title("hubplan" if state.lang() == "en" else "东数西算 hubplan")
sb.segmented_control("Language", list(state.LANGS), format_func=state.LANGS.get, key="lang",
                     default="both", label_visibility="collapsed", on_change=state.on_language)
sidebar.solve_panel()  # Solve first: above the fold at 1280×800
sb.divider()
sidebar.source_panel()

st.title(state.tr("算力枢纽配置规划", "Compute-hub planner"))
with st.container():  # one block however many boxes and cards it holds: the tabs keep their place
    sidebar.messages()  # errors first in the main area: seen without scrolling, on a phone too
    sidebar.phone_solve()
    results.headline(state.current_result(), st.session_state.previous)
st.session_state[editor.PAGE_STATE] = editor.page_state()  # a lever edit re-runs only the editor, unless this changes

# only the open tab runs (on_change="rerun"): a lever change or a solve does not redraw hidden charts
views = {
    state.tr("情景", "Scenario"): editor.editor_view,
    state.tr("结果", "Results"): lambda: results.results_view(state.current_result()),
    state.tr("地图", "Map"): lambda: map_tab.map_view(state.current_result()),
    state.tr("逐时", "Hours"): lambda: hours.hours_view(state.current_result()),
    state.tr("解答", "Answers"): lambda: answers.answers_view(state.current_result()),
    state.tr("比较", "Compare"): compare.compare_view,
    state.tr("简报", "Brief"): lambda: brief.brief_view(state.current_result()),
    state.tr("导出", "Export"): export.export_view,
    state.tr("不确定性", "Uncertainty"): uncertainty.uncertainty_view,
    state.tr("工作区", "Workspace"): workspace.workspace_view,  # saved scenarios and runs (model/workspace)
    state.tr("近优方案", "Alternatives"): lambda: alternatives.alternatives_view(state.current_result()),
}
for tab, view in zip(st.tabs(list(views), key=state.TAB_KEY, on_change="rerun"), views.values()):
    if tab.open:
        with tab:
            view()
