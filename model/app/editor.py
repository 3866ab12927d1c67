"""The lever editor: one widget per lever of the scenario (the sidebar is in ``sidebar.py``).

Every widget's key is ``lv.<lever path>`` (e.g. ``lv.clusters.shaoguan.pue``; ``lv<N>.`` after the
N-th scenario load, ``state.lever_key``); its callback turns
the new value into a new Scenario with ``model.inputs.levers.set_lever``. The Scenario in session_state is
the single source of truth: widgets only show it.
"""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from ..errors import InputError
from ..inputs import levers
from ..inputs.levers import Lever
from ..inputs.scenario import scenario_to_yaml
from . import quick, state, words
from .numbers import pick

K = state.lever_key  # the widget key of a lever path
_LEVERS: dict[str, Lever] = {}  # path -> lever shown (immutable catalogue entries): names in edit errors


# -- lever widgets --------------------------------------------------------------------------------
def _apply(path: str, value) -> bool:
    """Set one lever on the session's scenario; a value the model cannot take shows an error box."""
    ss = st.session_state
    try:
        new = levers.set_lever(ss.scenario, state.dataset_for(ss.scenario), path, value)
    except InputError as exc:
        ss.msg["edit"] = words.edit_error(exc, _LEVERS.get(path), value, state.lang()) if not exc.more \
            else state.error_text(exc)
        return False
    state.set_scenario(new, checked=quick.answer_edit(new))  # a warm lever: answered at once
    return True


def _on_lever(path: str) -> None:
    value = st.session_state.get(K(path))
    if isinstance(value, float):
        value = round(value, 10)
    if not _apply(path, value):
        del st.session_state[K(path)]  # the widget shows the scenario's value again


def lever_input(lv: Lever, sc, ds, where=None, label: str | None = None, collapsed: bool = False,
                placeholder: str | None = None, fallback=None, disabled: bool = False) -> object:
    """One widget for one lever, showing the scenario's value (``fallback`` where it has none)."""
    where = where or st
    value = levers.lever_value(sc, ds, lv.path)
    if value is None:
        value = fallback
    lang = state.lang()
    _LEVERS[lv.path] = lv
    common = dict(key=K(lv.path), **state.on_lever_change(_on_lever, lv.path), help=words.lever_help(lv, lang),
                  label_visibility="collapsed" if collapsed else "visible", disabled=disabled)
    label = label or words.lever_label(lv, lang)
    state.seed(K(lv.path), bool(value) if lv.kind == "bool" else None if value is None else float(value))
    if lv.kind == "bool":
        return where.toggle(label, value=bool(value), **common)
    if lv.kind == "share":
        return where.slider(label, min_value=0.0, max_value=1.0, value=float(value), step=float(lv.step), **common)
    # no min/max on the widget: the browser would silently revert an out-of-range value; the
    # lever's own check rejects it with a visible message (_on_lever) instead
    return where.number_input(
        label, value=None if value is None else float(value), step=float(lv.step), format=lv.fmt,
        placeholder=placeholder or (state.tr("无", "none") if lv.kind == "optional" else None), **common)


def _on_latency_switch(workload: str) -> None:
    ss = st.session_state
    ds = state.dataset_for(ss.scenario)
    path = f"latency_bounds_ms.{workload}"
    if ss.get(K(f"latency_on.{workload}")):
        old = ss.get(K(path))
        value = old if old is not None else (levers.dataset_value(ds, path) or 20.0)
    else:
        value = None
    if _apply(path, value):
        ss.pop(K(path), None)  # the bound's input re-reads the scenario


def _reset_class_growth() -> None:
    ss = st.session_state
    sc = ss.scenario
    ds = state.dataset_for(sc)
    for w in list(sc.demand.class_growth):
        sc = levers.set_lever(sc, ds, f"demand.class_growth.{w}", None)
        ss.pop(K(f"demand.class_growth.{w}"), None)
    state.set_scenario(sc)


def _on_name() -> None:
    ss = st.session_state
    try:
        new = levers.set_name(ss.scenario, ss.get(K("name")) or "", ss.get(K("description"), ss.scenario.description))
    except InputError as exc:
        ss.msg["edit"] = state.error_text(exc)
        ss.pop(K("name"), None)
        return
    state.set_scenario(new)


def _on_outage_clusters() -> None:
    ss = st.session_state
    sc = ss.scenario
    current = levers.outages_of(sc)
    chosen = ss.get(K("outages")) or []
    new = {k: current.get(k) for k in chosen}  # a newly chosen cluster is out every year
    _apply_outages(new)


def _on_outage_years(cluster: str) -> None:
    ss = st.session_state
    new = levers.outages_of(ss.scenario)
    new[cluster] = list(ss.get(K(f"outage_years.{cluster}")) or [])
    _apply_outages(new)


def _apply_outages(new: dict) -> None:
    ss = st.session_state
    sc = ss.scenario
    try:
        out = levers.set_outages(sc, state.dataset_for(sc), new)
    except InputError as exc:
        ss.msg["edit"] = state.error_text(exc)
        return
    for k in [k for k in ss.keys() if str(k).startswith((K("outages"), K("outage_years.")))]:
        del ss[k]  # redraw the outage widgets from the scenario
    state.set_scenario(out)


def _grid(levs: list[Lever], sc, ds, ncols: int = 3) -> None:
    cols = st.columns(ncols)
    for i, lv in enumerate(levs):
        lever_input(lv, sc, ds, cols[i % ncols])


_FIGURES: dict[tuple[int, str], tuple[object, dict]] = {}  # (id(dataset), language) -> (dataset, figures)


def dataset_figures(ds, lang: str) -> dict:
    """What the editor shows of a dataset on every run — the names of its classes, regions and
    clusters, each class's levers and its growth in the dataset — computed once per dataset and
    language: the app's datasets are shared and read-only (``state.dataset_for``)."""
    hit = _FIGURES.get((id(ds), lang))
    if hit is None or hit[0] is not ds:
        figures = {"workloads": {w: words.name(ds.workloads, w, lang) for w in ds.workloads.index},
                   "regions": {r: words.name(ds.regions, r, lang) for r in ds.regions.index},
                   "clusters": {k: words.name(ds.clusters, k, lang) for k in ds.clusters.index},
                   "class_levers": {w: (levers.class_levers(ds, w), levers.implied_class_growth(ds, w))
                                    for w in ds.workloads.index}}
        while len(_FIGURES) >= 24:  # 8 datasets (state._dataset_at) × 3 languages
            del _FIGURES[next(iter(_FIGURES))]
        _FIGURES[(id(ds), lang)] = hit = (ds, figures)
    return hit[1]


PAGE_STATE = "_page_state"  # page_state() as the last full run of the page showed it (app.py)


def page_state() -> tuple:
    """What the rest of the page shows about the edited scenario: error boxes, 'changed since the
    last solve' (the Solve prompts), whether every change solves at once."""
    ss = st.session_state
    return (ss.msg.get("edit"), ss.msg.get("check"), state.changed_since_solve(), bool(ss.get("auto_solve")))


@st.fragment
def editor_view() -> None:
    """The lever editor as a fragment: a lever edit re-runs only this view, so the page is not
    greyed out for a second; the whole page re-runs only when what it shows changes (an error
    box, the Solve prompt, solving on every change). Above the levers, the edited scenario's
    KPIs when a warm lever's edit was answered at once (quick.py)."""
    if st.session_state.get(PAGE_STATE) != page_state():
        st.rerun(scope="app")
    quick.quick_panel()  # a warm lever's edit answered in its callback: the new KPIs in this fragment
    _editor()


def _editor() -> None:
    ss = st.session_state
    tr, lang = state.tr, state.lang()
    sc, ds = state.scenario(), state.dataset()
    fixed = dataset_figures(ds, lang)
    wl, rl, cl = fixed["workloads"], fixed["regions"], fixed["clusters"]
    changes = levers.overrides(sc, ds)

    c1, c2 = st.columns([1, 2])
    state.seed(K("name"), sc.name)
    state.seed(K("description"), sc.description)
    c1.text_input(tr("情景名称", "Scenario name"), value=sc.name, key=K("name"), **state.on_lever_change(_on_name),
                  max_chars=120)
    c2.text_input(tr("说明", "Description"), value=sc.description, key=K("description"),
                  **state.on_lever_change(_on_name))

    with st.expander(tr("价格、碳价与需求", "Prices, carbon and demand"), expanded=True):
        _grid(list(levers.GLOBAL_LEVERS), sc, ds)
    with st.expander(tr("政策开关", "Policy switches"), expanded=True):
        _grid(list(levers.POLICY_LEVERS), sc, ds, 4)

    with st.expander(tr("工作负载类别：增长、系数、时延上限", "Workload classes — growth, scale, latency bound"),
                     expanded=False):
        head = st.columns([2, 2, 2, 1, 2])
        for h, text in zip(head, [tr("类别", "class"), tr("年增长率", "growth per year"), tr("需求系数", "demand scale"),
                                  tr("有时延上限", "bounded"), tr("时延上限 (ms)", "latency bound (ms)")]):
            h.markdown(f"**{text}**")
        for w in ds.workloads.index:
            row = st.columns([2, 2, 2, 1, 2])
            row[0].markdown(wl[w])
            (g, s, lat), implied = fixed["class_levers"][w]
            lever_input(g, sc, ds, row[1], label=f"{wl[w]} · {tr('年增长率', g.label_en)}", collapsed=True,
                        fallback=round(implied, 4))
            lever_input(s, sc, ds, row[2], label=f"{wl[w]} · {tr('需求系数', s.label_en)}", collapsed=True)
            bound = levers.lever_value(sc, ds, lat.path)
            state.seed(K(f"latency_on.{w}"), bound is not None)
            row[3].toggle(f"{wl[w]} · {tr('有时延上限', 'bounded')}", value=bound is not None, key=K(f"latency_on.{w}"),
                          **state.on_lever_change(_on_latency_switch, w), label_visibility="collapsed")
            lever_input(lat, sc, ds, row[4], label=f"{wl[w]} · {tr('时延上限', lat.label_en)}", collapsed=True,
                        disabled=bound is None)
        grown = sorted(sc.demand.class_growth)
        st.caption(tr("未设定增长率时沿用数据集的需求路径（此处显示其平均年增长率）；设定后以该增长率替换路径。",
                      "Unset, a class follows the dataset's demand path (its average growth is shown); "
                      "a growth you set replaces the path.")
                   + (f" {tr('已设定', 'Set for')}: {', '.join(wl[w] for w in grown)}." if grown else ""))
        if grown:
            st.button(tr("恢复数据集增长路径", "Reset class growth to the dataset path"), key="edit.reset_growth",
                      on_click=_reset_class_growth)

    with st.expander(tr("地区需求：增长与系数", "Regional demand — growth and scale"), expanded=False):
        regions = list(ds.regions.index)
        r = st.selectbox(tr("地区", "Region"), regions, key="edit.region", format_func=rl.get, persist_state="page")
        cols = st.columns(2)
        for col, lv in zip(cols, levers.region_levers(ds, r)):
            lever_input(lv, sc, ds, col, label=f"{rl[r]} · " + words.lever_label(lv, lang, lv.label_zh.split(" ", 1)[1]))
        changed = [(rl[p.split('.')[2]], p.split('.')[1], d, v) for p, d, v in changes
                   if p.startswith(("demand.region_growth.", "demand.region_scale."))]
        if changed:
            st.dataframe(pd.DataFrame(changed, columns=[tr("地区", "Region"), tr("参数", "Lever"), tr("数据集", "Dataset"),
                                                        tr("情景", "Scenario")]).astype(str), hide_index=True)
        else:
            st.caption(tr("所有地区均用数据集的需求。", "Every region uses the dataset's demand path."))

    with st.expander(tr("集群：PUE、容量、电力与价格", "Clusters — PUE, capacity, power and prices"), expanded=False):
        k = st.selectbox(tr("集群", "Cluster"), list(ds.clusters.index), key="edit.cluster", format_func=cl.get,
                         persist_state="page")
        _grid(levers.cluster_levers(ds, k), sc, ds)
        st.dataframe(cluster_frame(sc, ds, lang), hide_index=True)

    with st.expander(tr("停运", "Cluster outages"), expanded=bool(sc.outages)):
        outs = levers.outages_of(sc)
        state.seed(K("outages"), list(outs))
        st.multiselect(tr("停运集群", "Clusters out of service"), list(ds.clusters.index), default=list(outs),
                       key=K("outages"), format_func=cl.get, **state.on_lever_change(_on_outage_clusters))
        for kid, years in outs.items():
            state.seed(K(f"outage_years.{kid}"), ds.years if years is None else years)
            st.multiselect(f"{cl[kid]} · {tr('停运年份', 'years out')}", ds.years,
                           default=ds.years if years is None else years,
                           key=K(f"outage_years.{kid}"), **state.on_lever_change(_on_outage_years, kid))

    with st.expander(tr("高级：排放上限、N-1、模块化建设 (MILP)、求解器",
                        "Advanced — carbon budget, N-1, modular builds (MILP), solver"),
                     expanded=bool(sc.policy.emission_cap_t is not None or sc.policy.n_minus_1 or sc.modular_builds)):
        advanced_levers(sc, ds)

    with st.expander(tr("与数据集的差异及 YAML", "Changes vs the dataset, and the scenario file"), expanded=False):
        if changes:
            st.dataframe(pd.DataFrame(changes, columns=[tr("参数", "Lever"), tr("数据集", "Dataset"),
                                                        tr("情景", "Scenario")]).astype(str), hide_index=True)
        if sc.outages:
            st.caption(tr("停运", "Outages") + ": " + "; ".join(
                f"{cl[k]}: {tr('全部年份', 'all years') if y is None else y}" for k, y in levers.outages_of(sc).items()))
        text = scenario_to_yaml(sc)
        st.code(text, language="yaml")
    st.download_button(tr("下载情景 YAML", "Download scenario YAML"), data=text.encode("utf-8"),
                       file_name=f"{safe_name(sc.name)}.yaml", mime="application/x-yaml", key="dl.yaml",
                       on_click="ignore")
    ss["scenario_yaml"] = text  # what the download holds (tests read it back)


def advanced_levers(sc, ds) -> None:
    cap, n1, block, fixed, relax = levers.ADVANCED_LEVERS
    gap = levers.SOLVER_LEVERS[1]
    c = st.columns([1, 2, 2])
    on = sc.policy.emission_cap_t is not None
    state.seed(K(f"on.{cap.path}"), on)
    tr = state.tr
    c[0].toggle(tr("排放上限", "Carbon budget"), value=on, key=K(f"on.{cap.path}"), **state.on_lever_change(_on_optional, cap.path),
                help=words.lever_help(cap, state.lang()))
    lever_input(cap, sc, ds, c[1], disabled=not on)
    lever_input(n1, sc, ds, c[2])
    c = st.columns([1, 2, 2])
    on = sc.modular_builds is not None
    state.seed(K(f"on.{block.path}"), on)
    c[0].toggle(tr("模块化建设 (MILP)", "Modular builds (MILP)"), value=on, key=K(f"on.{block.path}"),
                **state.on_lever_change(_on_optional, block.path), help=words.lever_help(block, state.lang()))
    lever_input(block, sc, ds, c[1], disabled=not on)
    lever_input(fixed, sc, ds, c[2], disabled=not on)
    c = st.columns([1, 2, 2])
    lever_input(relax, sc, ds, c[0], disabled=not on)
    lever_input(gap, sc, ds, c[1])
    st.caption(tr("应用中求解器线程固定为 1（每个进程一个 HiGHS 调度器）。",
                  "Solver threads are fixed to 1 in the app (one HiGHS scheduler per process)."))


def _on_optional(path: str) -> None:
    """Switch an optional lever (carbon budget, build block) on with a starting value, or off."""
    ss = st.session_state
    if ss.get(K(f"on.{path}")):
        if path == "policy.emission_cap_t":
            res = state.current_result()
            value = round(float(res["total_emissions_t"].sum()), -5) if res is not None else 40_000_000.0
        else:
            value = levers.MODULAR_DEFAULT_BLOCK
    else:
        value = None
    if _apply(path, value):
        group = K("modular_builds.") if path.startswith("modular_builds.") else K(path)
        for k in [k for k in ss.keys() if str(k).startswith(group)]:
            del ss[k]  # its inputs re-read the scenario


def cluster_frame(sc, ds, lang: str = "both") -> pd.DataFrame:
    """Effective cluster values of the scenario (dataset figures with the overrides applied)."""
    dump = sc.model_dump(mode="json")
    rows = []
    for k in ds.clusters.index:
        row = {pick(lang, "集群", "Cluster"): words.name(ds.clusters, k, lang)}
        for lv in levers.cluster_levers(ds, k):
            v = levers.lever_value(sc, ds, lv.path, dump)
            row[words.lever_label(lv, lang)] = v
        rows.append(row)
    return pd.DataFrame(rows)


def safe_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("_") or "scenario"
