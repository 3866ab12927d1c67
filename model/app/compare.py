"""Compare view: the session's solved scenarios side by side, and allocation differences against a
chosen baseline (tables from ``model.reports.compare``)."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from ..inputs import levers
from ..inputs.scenario import scenario_from_dict
from ..reports import charts, compare
from ..reports.kpis import label
from ..reports.tables import region_cluster_difference
from ..results import REASON_ZH, manifest_of
from . import numbers, state, words
from .notices import no_result_yet


def _label(col: str, lang: str, classes: dict[str, str]) -> str:
    """A KPI row's name in one language; a latency row names its class (not 'latency' five times)."""
    if col.startswith("latency_") and col.endswith("_ms"):
        return numbers.pick(lang, "时延：", "Latency: ") + f"{classes.get(col[8:-3], col[8:-3])} (ms)"
    if col.startswith("cost_"):
        return numbers.pick(lang, "成本：", "Cost: ") + f"{numbers.cost_name(col[5:], lang)} ({numbers.yuan(lang)})"
    if col.startswith("unmet: "):
        r = col[7:]
        return numbers.units(numbers.pick(lang, f"未满足：{REASON_ZH.get(r, r)}", f"Unmet: {r}") + " (万架·年)", lang)
    return numbers.label(col, lang)


def kpi_display(frame: pd.DataFrame, baseline: str, lang: str = "both", classes: dict | None = None) -> pd.DataFrame:
    """KPI × scenario table of strings in planners' units, with the difference to the baseline."""
    t = frame.T.drop(index=[k for k in HIDDEN if k in frame.columns])
    out = pd.DataFrame(index=[_label(c, lang, classes or {}) for c in t.index])
    for name in t.columns:
        vals = []
        for kpi, v in t[name].items():
            base, unit = t.loc[kpi, baseline], numbers.unit_in(label(kpi)[2], lang)
            text = numbers.number_in(v, label(kpi)[2], lang) if unit.shown or isinstance(v, (int, float)) else str(v)
            if kpi == "status":
                text = numbers.pick(lang, "最优", "optimal") if v == "optimal" else str(v)
            if kpi == "emission_accounting":  # the method's sentence (English in the results) → its name in words
                text = numbers.pick(lang, *numbers.ACCOUNTING_NAMES.get(str(v).split(":")[0], (str(v), str(v))))
            if (name != baseline and isinstance(v, (int, float)) and not isinstance(v, bool) and pd.notna(v)
                    and isinstance(base, (int, float)) and pd.notna(base) and base != v):
                d = (v - base) / unit.factor
                text += f"  ({d:+,.{unit.digits}f}" + (f", {(v - base) / base:+.1%})" if base else ")")
            vals.append(text)
        out[name] = vals
    return out


HIDDEN = ("scenario_hash",)  # not a figure a planner compares


def _value(v, lv, lang: str) -> str:
    """A lever value for the inputs table: on/off, none, a share in %, a number with separators."""
    if v is None:
        return numbers.pick(lang, "无", "none")
    if isinstance(v, bool):
        return numbers.pick(lang, "开", "on") if v else numbers.pick(lang, "关", "off")
    if lv.kind == "share":
        return f"{v:.0%}"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.4g}"


def _input_diff(a, b, lang: str) -> pd.DataFrame:
    """Levers set differently in the two solved scenarios (as the model received them)."""
    sa, sb = (scenario_from_dict(manifest_of(r)["scenario"]) for r in (a, b))
    ds = state.dataset_for(sb)
    da, db = sa.model_dump(mode="json"), sb.model_dump(mode="json")
    rows = []
    for lv in levers.lever_catalog(ds):
        va, vb = levers.lever_value(sa, ds, lv.path, da), levers.lever_value(sb, ds, lv.path, db)
        if not levers._same(va, vb):
            parts = lv.path.split(".")
            owner = words.name(ds.clusters, parts[1], lang) + " · " if parts[0] == "clusters" else ""
            rows.append((owner + words.lever_label(lv, lang), _value(va, lv, lang), _value(vb, lv, lang)))
    oa, ob = levers.outages_of(sa), levers.outages_of(sb)
    if oa != ob:
        every = numbers.pick(lang, "全部年份", "all years")

        def text(o):
            return "; ".join(f"{words.name(ds.clusters, k, lang)} ({every if y is None else ', '.join(map(str, y))})"
                             for k, y in sorted(o.items())) or numbers.pick(lang, "无", "none")
        rows.append((numbers.pick(lang, "停运", "Outages"), text(oa), text(ob)))
    return pd.DataFrame(rows, columns=["lever", "A", "B"])


def _remove() -> None:
    ss = st.session_state
    for name in ss.get("cmp.remove") or []:
        ss.results.pop(name, None)
        if ss.current == name:
            ss.current = next(reversed(ss.results), None) if ss.results else None
    ss["cmp.remove"] = []


def compare_view() -> None:
    ss = st.session_state
    tr, lang = state.tr, state.lang()
    results: dict = ss.results
    if not results:
        no_result_yet("求解一个或多个情景，它们按名称保存在这里。", "solve one or more scenarios, they are kept here by name.")
        return
    names = list(results)
    # keyed by the stored names: a newly solved scenario joins the comparison
    chosen = st.multiselect(tr("比较的情景", "Scenarios to compare"), names, default=names,
                            key=f"cmp.names.{abs(hash(tuple(names)))}")
    if not chosen:
        st.info(tr("请至少选择一个情景。", "Choose at least one scenario."))
        return
    c1, c2 = st.columns(2)
    baseline = c1.selectbox(tr("基准", "Baseline"), chosen, key="cmp.base", persist_state="page")
    frame = compare.kpi_frame_from_rows(
        {n: state.memo(results[n], "kpi_row", lambda r=results[n]: compare.kpi_row(r)) for n in chosen})
    others = [n for n in chosen if n != baseline]
    other = c2.selectbox(tr("对比情景", "Compare with"), others, key="cmp.other", persist_state="page") if others else None
    st.markdown(f"**{tr('输入差异', 'Inputs that differ')}** (A = {baseline}" + (f", B = {other})" if other else ")"))
    if other is None:
        st.caption(tr("再求解一个情景即可比较输入。", "Solve another scenario to compare inputs."))
    else:
        d = state.memo(results[other], f"input_diff.{baseline}.{lang}",
                       lambda: _input_diff(results[baseline], results[other], lang))
        if d.empty:
            st.caption(tr("两者输入相同。", "Both scenarios have the same inputs."))
        else:  # a plain table: a handful of rows, readable (and searchable) as text
            st.table(d.rename(columns={"lever": tr("参数", "Lever"), "A": f"A {baseline}", "B": f"B {other}"})
                     .set_index(tr("参数", "Lever")))
    st.markdown(f"**{tr('关键指标对比', 'KPIs side by side')}** "
                f"({tr('括号内为相对基准的差值', 'brackets: difference to the baseline')})")
    res0 = results[baseline]
    classes = dict(zip(map(str, res0.workload.values),
                       [numbers.pick(lang, z, e) for z, e in zip(res0["workload_name_zh"].values, res0["workload_name_en"].values)]))
    table = kpi_display(frame, baseline, lang, classes)
    st.dataframe(table, key="cmp.kpis", height=min(35 * (len(table) + 1) + 3, 1400), width="stretch")

    if other is not None:
        years = sorted({int(y) for n in (baseline, other) for y in results[n].year.values})
        year = st.select_slider(tr("年份", "Year"), years, value=years[-1], key="cmp.year", persist_state="page")
        diff = compare.allocation_difference(results[baseline], results[other], year, by=("cluster", "workload"))
        side = "en" if lang == "en" else "zh"
        cl, wl = tr("集群", "cluster"), tr("类别", "class")
        diff[cl] = diff[f"cluster_{side}"] if lang != "both" else diff["cluster_zh"] + " " + diff["cluster_en"]
        diff[wl] = diff[f"workload_{side}"] if lang != "both" else diff["workload_zh"] + " " + diff["workload_en"]
        fig = px.bar(diff, x=cl, y="difference", color=wl, barmode="relative", color_discrete_sequence=charts.COLOURS,
                     title=tr(f"分配差异 {year}：{other} − {baseline}（标准机架）",
                              f"Allocation difference {year}: {other} − {baseline} (standard racks)"),
                     labels={"difference": tr("机架差", "Δ racks")})
        fig.add_hline(y=0, line_color="#444", line_width=1)
        fig = charts.fit(fig, 560, wrap_x=lang == "both")
        fig.update_layout(template=charts.TEMPLATE)
        st.plotly_chart(fig, key="cmp.chart", theme=None)
        st.markdown(f"**{tr('地区 × 集群分配差异', 'Region × cluster difference')} {year}** "
                    f"({other} − {baseline}, {tr('机架', 'racks')}; {tr('只列有变化的行和列', 'only rows and columns that change')})")
        m = region_cluster_difference(results[baseline], results[other], year)
        moved = m.abs() > 0.5
        m = m.loc[moved.any(axis=1) | (m.index == "合计 Total"), moved.any(axis=0) | (m.columns == "合计 Total")]
        m = m.rename(index=_one(lang), columns=_one(lang))
        if len(m) <= 1:
            st.caption(tr("该年分配相同。", "The same allocation that year."))
        else:
            total = numbers.pick(lang, "合计", "Total")
            lim = float(abs(m.drop(index=total, columns=total, errors="ignore")).to_numpy().max()) or 1.0
            st.dataframe(m.style.format(lambda v: "" if abs(v) < 0.5 else f"{v:+,.0f}")
                         .background_gradient(cmap="RdBu_r", vmin=-lim, vmax=lim),
                         key="cmp.matrix", height=min(35 * (len(m) + 1) + 3, 800))
    with st.expander(tr("管理已保存的结果", "Manage stored results")):
        st.multiselect(tr("从本次会话中移除", "Remove from the session"), names, key="cmp.remove")
        st.button(tr("移除所选", "Remove selected"), key="cmp.remove_btn", on_click=_remove)


def _one(lang: str):
    """'张家口集群 Zhangjiakou' → the name in one language (both: unchanged)."""
    def rename(label: str) -> str:
        zh, _, en = str(label).partition(" ")
        return numbers.pick(lang, zh, en) if en else label
    return rename
