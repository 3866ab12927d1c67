"""Alternatives view: how far each decision can move for a little more cost.

For the solved scenario, the planner picks a slack (0.1 %, 1 %, 5 %) and the aggregates to
study; range bars show each aggregate's near-optimal range with the optimum inside it (green:
robust, orange: free), the sentences say what reaching either end costs, and choosing a row of the
table draws that extreme plan on the map (``model.reports.map_figure``); **Add to Compare** keeps
its full results beside the solved scenarios (tab Compare)."""
from __future__ import annotations

import streamlit as st
import xarray as xr

from ..errors import InputError
from ..inputs.scenario import scenario_from_dict
from ..reports.alternatives import plan_dataset, range_figure, ranges_table
from ..reports.map_figure import china_map
from ..results import manifest_of
from ..studies.alternatives import BY_KEY, Study, near_optimal, plan_results, study_dataset
from . import state
from .notices import no_result_yet

SLACKS = (0.001, 0.01, 0.05)
DEFAULT_ENTRIES = ("west_share", "build_hub")


@st.cache_resource(show_spinner=False, max_entries=6)
def _study(scenario_json: str, slack: float, entries: tuple[str, ...]) -> tuple[Study, xr.Dataset]:
    """The study and its Dataset, shared read-only (plans stay in memory for Compare)."""
    import json

    sc = scenario_from_dict(json.loads(scenario_json))
    with state.solver_lock():
        study = near_optimal(sc, slack, entries=tuple(BY_KEY[e] for e in entries))
    return study, study_dataset(study)


def alternatives_view(res: xr.Dataset | None) -> None:
    tr, lang = state.tr, state.lang()
    if res is None:
        no_result_yet()
        return
    st.caption(tr("成本最低的方案只是一片平坦区域中的一个点。这里给出每个决策在成本不超过最优 (1 + 松弛) 倍的"
                  "所有方案中能取的范围：窄的稳健，宽的可按其他理由自由选择。",
                  "The least-cost plan is one point of a flat plateau. Here each decision's range among all plans "
                  "costing at most (1 + slack) × the optimum: narrow ones are robust, wide ones a free choice."))
    c1, c2 = st.columns([1, 3])
    slack = c1.radio(tr("成本松弛", "Slack"), SLACKS, index=1, key="alt.slack", horizontal=True,
                     format_func=lambda v: f"{100 * v:g} %")
    entries = c2.multiselect(tr("决策汇总", "Aggregates"), list(BY_KEY), default=list(DEFAULT_ENTRIES), key="alt.entries",
                             format_func=lambda k: tr(BY_KEY[k].zh, BY_KEY[k].en))
    key = (manifest_of(res)["scenario_hash"], slack, tuple(entries))
    if st.button(tr("计算近优范围", "Find the ranges"), key="alt.run", disabled=not entries):
        st.session_state["alt.key"] = key
    if st.session_state.get("alt.key") != key:
        st.info(tr("选择松弛与决策汇总后按 **计算近优范围**（每个汇总两次最小化与两次最大化，热启动）。",
                   "Pick a slack and aggregates, then **Find the ranges** (a few warm re-solves per aggregate)."))
        return
    import json

    try:
        with st.spinner(tr("求解中…", "Solving…")):
            study, ds = _study(json.dumps(manifest_of(res)["scenario"], sort_keys=True), float(slack), tuple(entries))
    except InputError as exc:
        st.error(state.error_text(exc))
        return
    st.markdown(tr(f"预算 **{ds.attrs['budget'] / 1e8:,.2f} 亿元** = 最优 {ds.attrs['optimum'] / 1e8:,.2f} 亿元 × (1 + {100 * slack:g} %)",
                   f"Budget **{ds.attrs['budget'] / 1e8:,.2f} 亿元** = optimum {ds.attrs['optimum'] / 1e8:,.2f} 亿元 × (1 + {100 * slack:g} %)"))
    first = int(ds.year.values[0])
    for e in entries:
        st.plotly_chart(range_figure(ds, e, lang=lang, year=first if "year" in BY_KEY[e].by and len(BY_KEY[e].by) > 1 else None),
                        key=f"alt.fig.{e}", theme=None, config={"displaylogo": False})
    table = ranges_table(ds)
    text = "sentence_zh" if lang == "zh" else "sentence_en"
    shown = table[["aggregate", "verdict", "unit", "optimum", "min", "max", "cost_to_min_yuan_100m", "cost_to_max_yuan_100m", text]]
    st.subheader(tr("范围与结论", "Ranges and verdicts"))
    pick = st.dataframe(shown, hide_index=True, key="alt.table", on_select="rerun", selection_mode="single-row")
    rows = pick.selection.rows if pick is not None and hasattr(pick, "selection") else []
    agg = table["aggregate"].iloc[rows[0]] if rows else table["aggregate"].iloc[0]
    end = st.radio(tr("地图显示", "Map shows"), ["min", "max"], horizontal=True, key="alt.end",
                   format_func=lambda v: tr("最小值方案", "the plan at the minimum") if v == "min" else tr("最大值方案", "the plan at the maximum"))
    name = f"{end} {agg}"
    row = table.set_index("aggregate").loc[agg]
    st.markdown(f"**{row['name_zh'] if lang == 'zh' else row['name_en'] if lang == 'en' else row['name_zh'] + ' ' + row['name_en']}** — "
                + tr(f"{'最小' if end == 'min' else '最大'}值方案", f"plan at the {end}imum"))
    plan = plan_dataset(ds, name)
    st.plotly_chart(china_map(plan, first, lang=lang), key="alt.map", theme=None, config={"displaylogo": False})
    st.caption(tr(f"多花 {(plan.attrs['objective'] - ds.attrs['optimum']) / 1e8:,.2f} 亿元。", f"Costs "
                  f"{(plan.attrs['objective'] - ds.attrs['optimum']) / 1e8:,.2f} 亿元 more than the optimum."))
    if st.button(tr("加入比较", "Add to Compare"), key="alt.compare"):
        label = f"{manifest_of(res)['scenario_name']} · {end} {agg.split(':', 1)[1] if ':' in agg else agg} · {100 * slack:g}%"
        state._store(plan_results(study, name, label))
        st.success(tr(f"已加入比较：{label}", f"Added to Compare: {label}"))
