"""hubplan app: edit a scenario, solve it, read the results, compare scenarios, export.

Run with ``make app`` (``streamlit run app.py``); offline settings are in .streamlit/config.toml.
This file only composes the views in model/app/.
"""
import streamlit as st

from model.app import compare, editor, export, map, results, state, uncertainty

st.set_page_config(page_title="hubplan 东数西算 planner", layout="wide")
state.init()

st.sidebar.title("东数西算 hubplan")
st.sidebar.caption("算力枢纽容量与配置规划 Capacity and allocation planner for the national computing network")
editor.source_panel()
st.sidebar.divider()
editor.solve_panel()

st.title("算力枢纽配置规划 Compute-hub planner")
editor.messages()
results.headline(state.current_result(), st.session_state.previous)

# only the open tab runs (on_change="rerun"): a lever change or a solve does not redraw hidden charts
views = {
    "情景 Scenario": editor.editor_view,
    "结果 Results": lambda: results.results_view(state.current_result()),
    "地图 Map": lambda: map.map_view(state.current_result()),
    "比较 Compare": compare.compare_view,
    "导出 Export": export.export_view,
    "不确定性 Uncertainty": uncertainty.uncertainty_view,
}
for tab, view in zip(st.tabs(list(views), key=state.TAB_KEY, on_change="rerun"), views.values()):
    if tab.open:
        with tab:
            view()
