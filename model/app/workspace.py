"""Workspace view: save the edited scenario (with its result), list what is saved — the app's runs
and the command line's alike — reopen a run's results without solving, and compare two runs
(the Compare view's KPI table, input diff and allocation difference).

Where: ``HUBPLAN_WORKSPACE`` (a file path or a postgresql:// URL), else a file in the user's data
folder (``~/.local/share/hubplan/workspace.db``), created on first use: ``make app`` needs no set-up.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from ..errors import InputError
from ..inputs.build import dataset_fingerprint
from ..inputs.diff import input_diff
from ..inputs.scenario import parse_scenario_text, scenario_from_dict, scenario_hash, scenario_to_yaml
from ..inputs.sources import parse_upload
from ..reports import compare as report_compare
from ..reports.files import netcdf_bytes
from ..reports.kpis import YUAN, with_unit
from ..results import manifest_of
from ..workspace import ENV, RunRecord, ScenarioRecord, Workspace, default_location
from ..workspace.show import kpi_lines
from . import compare, state
from .state import tr


def location() -> str:
    return os.environ.get(ENV) or str(default_location())


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(where: str) -> Workspace:
    """One engine (connection pool) per location for every session; a failure is not cached."""
    if "://" not in where and where == str(default_location()):
        Path(where).parent.mkdir(parents=True, exist_ok=True)
    return Workspace(where)


def _shown_location(ws: Workspace) -> str:
    """A URL as is (no password); a file by its name only: the app names no machine path."""
    return ws.location if "://" in ws.location else Path(ws.location).name


def _say(kind: str, zh: str, en: str) -> None:
    st.session_state.msg["workspace"] = (kind, tr(zh, en))


def _problem(exc: InputError) -> str:
    """The error's line as the app shows it: a workspace file by its name only (no machine path)."""
    where = location()
    text = exc.line()
    return text if "://" in where else text.replace(where, Path(where).name)


# -- saving ---------------------------------------------------------------------------------------
def _records(name: str, parent: int | None) -> tuple[ScenarioRecord, RunRecord | None]:
    """The edited scenario and, when it is what was last solved, its result."""
    ss = st.session_state
    res = state.current_result()
    if res is not None and not state.changed_since_solve():
        sc = scenario_from_dict(manifest_of(res)["scenario"])  # as solved (its name, one thread)
        run = RunRecord("app", str(res.attrs["status"]), float(res.attrs["objective"]),
                        state.memo(res, "kpi_row", lambda: report_compare.kpi_row(res)), "app: solve",
                        manifest_of(res).get("timings", {}), manifest_of(res).get("versions", {}),
                        state.memo(res, "netcdf", lambda: netcdf_bytes(res)))
        return ScenarioRecord(scenario_to_yaml(sc), str(res.attrs["scenario_hash"]), sc.name, name, parent), run
    sc = ss.scenario
    h = scenario_hash(sc, dataset_fingerprint(state.dataset_for(sc)))
    return ScenarioRecord(scenario_to_yaml(sc), h, sc.name, name, parent), None


def _save(ws: Workspace) -> None:
    ss = st.session_state
    try:
        rec, run = _records(ss.get("ws.name") or "", ss.get("ws.parent"))
        saved = ws.save(rec, run)
    except InputError as exc:
        st.session_state.msg["workspace"] = ("error", f"{tr('保存失败', 'Not saved')}: {_problem(exc)}")
        return
    ss["ws.parent"] = saved.scenario_id  # what is saved next descends from this
    if saved.run_id is None:
        _say("success", f"已保存情景「{saved.name}」（未含结果：改动后尚未求解）",
             f"Saved scenario '{saved.name}' (without a result: not solved since the last edit)")
    elif saved.run_reused:
        _say("info", f"「{saved.name}」及其结果已在工作区中（运行 {saved.run_id}）",
             f"'{saved.name}' and its result are already in the workspace (run {saved.run_id})")
    else:
        _say("success", f"已保存情景「{saved.name}」及其结果（运行 {saved.run_id}）",
             f"Saved scenario '{saved.name}' and its result (run {saved.run_id})")


def _save_panel(ws: Workspace, scenarios: pd.DataFrame) -> None:
    ss = st.session_state
    st.subheader(tr("保存当前情景", "Save the current scenario"))
    if "ws.name" not in ss:
        ss["ws.name"] = state.solve_name(ss.scenario).name
    c1, c2 = st.columns(2)
    c1.text_input(tr("名称", "Name"), key="ws.name", max_chars=190)
    names = dict(zip(scenarios["id"], scenarios["name"]))
    if ss.get("ws.parent") not in names:
        ss["ws.parent"] = None
    c2.selectbox(tr("上级情景", "Parent scenario"), [None, *names], key="ws.parent",
                 format_func=lambda i: tr("（无）", "(none)") if i is None else f"{names[i]} (#{i})")
    with_result = state.current_result() is not None and not state.changed_since_solve()
    st.caption(tr("连同当前结果一起保存。", "The current result is saved with it.") if with_result else
               tr("当前情景自上次求解后已改动：只保存情景。", "Changed since the last solve: the scenario is saved without a result."))
    st.button(tr("保存", "Save"), key="ws.save", type="primary", on_click=_save, args=(ws,))


# -- reopening ------------------------------------------------------------------------------------
def _reopen(ws: Workspace, run_id: int) -> None:
    """The run's saved results become the current result (no solve); its scenario goes into the editor."""
    ss = st.session_state
    try:
        run = ws.run(run_id)
        res = ws.results(run_id)
    except InputError as exc:
        st.session_state.msg["workspace"] = ("error", _problem(exc))
        return
    if res is None or run["kind"] != "scenario":
        _say("info", f"运行 {run_id} 只有指标，没有结果文件", f"Run {run_id} has KPIs only, no results file")
        return
    ss.previous, ss.last_solve_s = None, None  # reopened, not solved
    ss.current = state._store(res)  # kept by name like a solved result
    ss["ws.parent"] = run["scenario_id"]
    problem = _edit(run["yaml"], run["scenario"], run["scenario_id"])
    if problem:  # e.g. a CLI run on a dataset outside the app's data folder
        _say("warning", f"已打开运行 {run_id} 的结果；其情景无法在此编辑：{problem}",
             f"Opened the results of run {run_id}; its scenario cannot be edited here: {problem}")
        return
    ss.solved_json = ss.scenario.model_dump_json()  # the shown result is this scenario's
    _say("success", f"已打开运行 {run_id}（{run['scenario']}），未重新求解：见「结果」页",
         f"Opened run {run_id} ({run['scenario']}) without solving: see the Results tab")


def _edit(yaml_text: str, name: str, scenario_id: int) -> str | None:
    """Put a saved scenario into the editor, checked like an upload (files inside the app's data
    folder only); the error text when it cannot be."""
    ss = st.session_state
    origin = f"{tr('工作区', 'workspace')}: {name}"
    try:
        sc = parse_upload(yaml_text.encode("utf-8"), origin, state.dataset_for(parse_scenario_text(yaml_text)))
    except InputError as exc:
        return state.error_text(exc)
    state.load_scenario(sc, origin)
    ss["ws.parent"], ss["ws.name"] = scenario_id, name
    return None


def _load_saved(ws: Workspace, scenario_id: int) -> None:
    """A saved scenario (with or without runs) back into the editor, to go on from it."""
    try:
        saved = ws.scenario(scenario_id)
    except InputError as exc:
        st.session_state.msg["workspace"] = ("error", _problem(exc))
        return
    if saved["kind"] != "scenario":
        _say("info", "未来情景集（futures）文件请在命令行用 hubplan stochastic 运行",
             "A futures file runs with hubplan stochastic on the command line")
        return
    problem = _edit(saved["yaml"], saved["name"], scenario_id)
    if problem:
        _say("error", f"情景「{saved['name']}」无法在此编辑：{problem}", f"Scenario '{saved['name']}' cannot be edited here: {problem}")
    else:
        _say("success", f"已载入情景「{saved['name']}」：见「情景」页", f"Loaded scenario '{saved['name']}' into the editor: see the Scenario tab")


def _runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        tr("运行", "Run"): runs["id"].astype(int),
        tr("情景", "Scenario"): runs["scenario"],
        tr("来源", "Source"): runs["source"],
        tr("状态", "Status"): runs["status"],
        tr("总成本 (亿元)", "Total cost (100M yuan)"): [with_unit(v, YUAN).removesuffix(" 亿元") if pd.notna(v) else "—"
                                                   for v in runs["objective"]],
        tr("结果文件", "Results file"): [tr("有", "yes") if r else tr("仅指标", "KPIs only") for r in runs["has_results"]],
        tr("保存时间 (UTC)", "Saved (UTC)"): pd.to_datetime(runs["created"]).dt.strftime("%Y-%m-%d %H:%M"),
    })


def _run_label(runs: pd.DataFrame):
    names = dict(zip(runs["id"], runs["scenario"]))
    return lambda i: f"#{i} {names[i]}"


# -- comparing ------------------------------------------------------------------------------------
def _compare(ws: Workspace, runs: pd.DataFrame) -> None:
    st.subheader(tr("比较两个运行", "Compare two runs"))
    ids = [int(i) for i, k in zip(runs["id"], runs["has_results"]) if k] + \
          [int(i) for i, k in zip(runs["id"], runs["has_results"]) if not k]
    ids = [i for i in ids if not runs.loc[runs["id"] == i, "source"].eq("stochastic").any()]
    if len(ids) < 2:
        st.caption(tr("至少需要两个运行。", "Needs at least two runs."))
        return
    fmt = _run_label(runs)
    c1, c2 = st.columns(2)
    a = c1.selectbox(tr("基准 A", "Baseline A"), ids, index=0, key="ws.cmp.a", format_func=fmt)
    b = c2.selectbox(tr("对比 B", "Compare with B"), ids, index=1, key="ws.cmp.b", format_func=fmt)
    if a == b:
        st.caption(tr("请选择两个不同的运行。", "Choose two different runs."))
        return
    try:
        ra, rb = ws.run(a), ws.run(b)
        la, lb = fmt(a), fmt(b)
        frame = report_compare.kpi_frame_from_rows({la: ra["kpis"], lb: rb["kpis"]})
        st.dataframe(compare.kpi_display(frame, la, state.lang()), key="ws.cmp.kpis")
        sa, sb = parse_scenario_text(ra["yaml"]), parse_scenario_text(rb["yaml"])
        d = input_diff(sa, sb, state.dataset_for(sb))
        st.markdown(f"**{tr('输入差异', 'Inputs that differ')}**")
        if d.empty:
            st.caption(tr("两者输入相同。", "Both runs have the same inputs."))
        else:
            st.table(d.drop(columns="path").rename(columns={"lever": tr("参数", "Lever"), "A": f"A {la}", "B": f"B {lb}"})
                     .set_index(tr("参数", "Lever")))
        xa, xb = ws.results(a), ws.results(b)
    except InputError as exc:
        st.error(_problem(exc))
        return
    if xa is None or xb is None:
        st.caption(tr("分配差异需要两个运行的结果文件。", "The allocation difference needs both runs' results files."))
        return
    diff = report_compare.allocation_difference(xa, xb)
    diff.index = pd.Index([tr(z, e) for z, e in zip(diff["cluster_zh"], diff["cluster_en"])], name=tr("集群", "Cluster"))
    st.markdown(f"**{tr('各集群分配差异', 'Allocation difference by cluster')} {int(diff['year'].iloc[0])} (B − A, "
                f"{tr('机架', 'racks')})**")
    st.dataframe(diff[["base", "other", "difference"]].rename(columns={"base": "A", "other": "B", "difference": "B − A"})
                 .style.format("{:+,.0f}", subset=["B − A"]).format("{:,.0f}", subset=["A", "B"]), key="ws.cmp.alloc")


# -- the view ---------------------------------------------------------------------------------------
def workspace_view() -> None:
    ss = st.session_state
    try:
        ws = _open(location())
        scenarios, runs = ws.scenarios(), ws.runs()
    except InputError as exc:
        st.error(f"{tr('工作区无法使用', 'The workspace cannot be used')}: {_problem(exc)}")
        return
    st.caption(f"{tr('工作区', 'Workspace')}: {_shown_location(ws)} · {len(scenarios)} {tr('个情景', 'scenarios')} · "
               f"{len(runs)} {tr('个运行', 'runs')} · "
               + tr("命令行以 --workspace 登记的运行也在此列出", "runs the command line registers with --workspace are listed here too"))
    # the last action's outcome stays until the next action or an edit, load or solve (state.py, ``msg``):
    # shown once only, a rerun right after the action would take it away before it is read
    msg = ss.msg.get("workspace")
    if msg:
        getattr(st, msg[0])(msg[1])
    _save_panel(ws, scenarios)
    st.subheader(tr("已保存的运行", "Saved runs"))
    if runs.empty:
        st.info(tr("尚无保存的运行。", "No saved runs yet."))
    else:
        st.dataframe(_runs_table(runs), hide_index=True, key="ws.runs")
        ids = [int(i) for i in runs["id"]]
        c1, c2 = st.columns([3, 1])
        pick = c1.selectbox(tr("打开运行（不重新求解）", "Open a run (no solve)"), ids, key="ws.open_id",
                            format_func=_run_label(runs))
        c2.button(tr("打开", "Open"), key="ws.open", on_click=_reopen, args=(ws, pick))
        run = ws.run(pick)
        if run["kind"] != "scenario" or not run["has_results"]:
            with st.expander(tr("指标", "KPIs"), expanded=True):
                st.table(pd.DataFrame(kpi_lines(run["kpis"], run["kind"]), columns=[tr("指标", "KPI"), tr("值", "Value")])
                         .set_index(tr("指标", "KPI")))
        _compare(ws, runs)
    if not scenarios.empty:
        with st.expander(tr("已保存的情景", "Saved scenarios")):
            st.dataframe(pd.DataFrame({
                "#": scenarios["id"].astype(int), tr("名称", "Name"): scenarios["name"],
                tr("上级", "Parent"): scenarios["parent"].fillna(""), tr("运行数", "Runs"): scenarios["runs"].astype(int),
                tr("来源", "Origin"): [Path(o).name for o in scenarios["origin"]]}), hide_index=True, key="ws.scenarios")
            names = dict(zip(scenarios["id"].astype(int), scenarios["name"]))
            c1, c2 = st.columns([3, 1])
            pick = c1.selectbox(tr("载入情景以继续编辑", "Load a scenario to go on editing it"), list(names), key="ws.load_id",
                                format_func=lambda i: f"#{i} {names[i]}")
            c2.button(tr("载入", "Load"), key="ws.load", on_click=_load_saved, args=(ws, pick))
