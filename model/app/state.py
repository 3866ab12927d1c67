"""Per-session state and the solve action.

Per browser session (``st.session_state``): the edited Scenario, one ``model.run.Planner`` (it
keeps the compiled HiGHS model and re-solves warm when only numbers change), the solved results
by name and the messages shown to the planner. Shared between sessions: only the parsed datasets
(read-only) and one lock, so two sessions never run HiGHS at the same time (HiGHS keeps one
scheduler per process; the app always solves with threads=1).
"""
from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import streamlit as st
import xarray as xr

from ..errors import InputError
from ..inputs import sources
from ..inputs.dataset import BUNDLED, InputTables, load_dataset
from ..inputs.diff import suggested_name
from ..inputs.scenario import Scenario
from ..reports.kpis import summary
from ..results import manifest_of
from ..run import Answer, Planner
from . import words

DEFAULT_SCENARIO = "reference"
MAX_RESULTS = 12
_LEVER_KEY = re.compile(r"^lv\d*\.")  # lever widget keys: lv.<path>, then lv<N>.<path> (lever_key)
TAB_KEY = "tab"  # session_state[TAB_KEY]: the open tab's label
log = logging.getLogger("hubplan.app")


@st.cache_resource(show_spinner=False, max_entries=8)
def _dataset_at(path: str) -> InputTables:
    return load_dataset(path)


def dataset_for(sc: Scenario) -> InputTables:
    """The (shared, read-only) dataset a scenario uses."""
    return _dataset_at(str(sc.input_path("dataset") or BUNDLED))  # confined like every input (paths.py)


@st.cache_resource(show_spinner=False)
def solver_lock() -> threading.Lock:
    return threading.Lock()


def init() -> None:
    """Create this session's state on its first run."""
    ss = st.session_state
    if "scenario" in ss:
        return
    ss.scenario = sources.load_bundled(DEFAULT_SCENARIO)
    ss.loaded = ss.scenario  # as loaded: an edited copy is named after what changed (solve_name)
    ss.origin = f"内置 bundled: {DEFAULT_SCENARIO}.yaml"
    ss.planner = Planner()
    ss.results = {}  # name -> results Dataset, oldest first
    ss.current = None  # name of the last solved result
    ss.previous = None  # summary of the result shown before it (KPI deltas)
    ss.solved_json = None  # the scenario (as JSON) of the last solve: "changed since" check
    ss.solved_scenario = None  # the scenario HiGHS solved last (as named and sent): warm answers start from it
    ss.quick = None  # the edited scenario's warm answer (model/app/quick.py)
    # the newest message of each kind; "workspace": the last workspace action's outcome, shown on its tab
    # until the scenario is edited, loaded or solved, or another workspace action replaces it
    ss.msg = {"source": None, "edit": None, "check": None, "solve": None, "note": None, "workspace": None}
    ss.last_solve_s = None
    ss.job = {"solving": False}  # a running solve's outcome (see solve)


LANGS = {"both": "中文 + English", "zh": "中文", "en": "English"}


# widgets whose options are shown in the session's language: the browser keeps the label it showed,
# which the next language does not have; on a switch each is given its value again (Streamlit
# sends it to the browser), so it keeps the choice instead of reading a stale label as a new one
LANG_WIDGETS = ("src.kind", "src.bundled", "edit.region", "edit.cluster", "alloc.region",
                "alloc.cluster", "alloc.workload", "map.layer", "hr.cluster", "brief.region", "unc.obj",
                "alt.slack", "alt.entries", "alt.end",
                "ws.parent", "ws.cmp.a", "ws.cmp.b", "ws.open_id", "ws.load_id")

LANG_LEVERS = ("outages", "hourly.green_matching")  # lever widgets of the same kind (keys: lever_key)


def on_language() -> None:
    ss = st.session_state
    for k in (*LANG_WIDGETS, *(lever_key(p) for p in LANG_LEVERS)):
        if k in ss:
            ss[k] = ss[k]


def lang() -> str:
    """The session's display language: 'zh', 'en' or 'both' (the sidebar switch)."""
    return st.session_state.get("lang", "both")


def tr(zh: str, en: str) -> str:
    """A label in the session's language ('both': Chinese, then English)."""
    return {"zh": zh, "en": en}.get(lang(), f"{zh} {en}")


def error_text(exc: InputError) -> str:
    """One problem as its line; several as a list (every validation problem at once)."""
    lines = [shown(line) for line in exc.lines()]
    return lines[0] if len(lines) == 1 else tr(f"{len(lines)} 个问题", f"{len(lines)} problems") + ":\n" + "\n".join(
        f"- {line}" for line in lines)


def shown(message: str) -> str:
    """A message as the app shows it: paths inside the app's data folder relative to it
    (``data/clusters.csv``), so a planner never sees where the server keeps its files."""
    root = str(BUNDLED)
    return message.replace(root + os.sep, "data/").replace(root, "data")


def scenario() -> Scenario:
    return st.session_state.scenario


def dataset() -> InputTables:
    return dataset_for(scenario())


def _check(sc: Scenario) -> None:
    try:
        sources.check_scenario(sc, dataset_for(sc))
        st.session_state.msg["check"] = None
    except InputError as exc:
        st.session_state.msg["check"] = error_text(exc)


def set_scenario(sc: Scenario, checked: bool = False) -> None:
    """Replace the edited scenario after a lever change (widgets keep their own state); ``checked``:
    it is known to apply to the dataset (a warm answer built it), so it is not built again to check."""
    st.session_state.scenario = sc
    st.session_state.msg.update(edit=None, solve=None, source=None, workspace=None)  # they belong to the old scenario
    if checked:
        st.session_state.msg["check"] = None
    else:
        _check(sc)


def seed(key: str, value) -> None:
    """Give an editor widget the scenario's value when the session holds none for its key.

    A value set through session_state reaches the browser (Streamlit marks it ``set_value``).
    Without it the browser keeps showing what the widget held before the key was dropped (a
    newly loaded scenario, a rejected edit) and sends that stale value back on the next click,
    where the widget's callback writes it into the scenario (issue 14). Widgets still pass
    ``value=``; .streamlit/config.toml silences Streamlit's warning about the pair."""
    if key not in st.session_state:
        st.session_state[key] = value


def lever_key(path: str) -> str:
    """The key of the widget showing lever ``path`` in this generation of the editor.

    Each loaded scenario gets new keys, hence new widgets. The browser may still send the old
    widgets' values (a Solve clicked while the page redraws after a load): under the old keys they
    reach no widget and, through ``on_lever_change``, no scenario."""
    gen = st.session_state.get("lever_gen", 0)
    return f"lv{gen or ''}.{path}"


def on_lever_change(fn: Callable[..., None], *args) -> dict:
    """``on_change``/``args`` for a lever widget: ``fn(*args)`` runs only for this generation's widgets."""
    return {"on_change": _if_current, "args": (st.session_state.get("lever_gen", 0), fn, *args)}


def _if_current(gen: int, fn: Callable[..., None], *args) -> None:
    if gen == st.session_state.get("lever_gen", 0):
        fn(*args)


def load_scenario(sc: Scenario, origin: str) -> None:
    """Start editing another scenario: every lever widget is new and reads its value from it (``seed``)."""
    ss = st.session_state
    for k in [k for k in ss.keys() if _LEVER_KEY.match(str(k))]:
        del ss[k]
    ss.lever_gen = ss.get("lever_gen", 0) + 1
    ss.scenario = ss.loaded = sc
    ss.origin = origin
    ss.msg.update(source=None, edit=None, solve=None, note=None, workspace=None)
    _check(sc)


def changed_since_solve() -> bool:
    ss = st.session_state
    return ss.solved_json != ss.scenario.model_dump_json()


def memo(res: xr.Dataset, name: str, fn: Callable[[], Any]) -> Any:
    """``fn()`` computed once per stored result (summaries, figures): reruns after a lever change
    then cost almost nothing. Entries go when their result leaves the session."""
    ss = st.session_state
    cache = ss.setdefault("_memo", {})  # id(result) -> (result, {name: value})
    live = {id(r): r for r in ss.results.values()}
    for k in [k for k, (r, _) in cache.items() if live.get(k) is not r]:
        del cache[k]
    slot = cache.setdefault(id(res), (res, {}))[1] if live.get(id(res)) is res else {}
    if name not in slot:
        slot[name] = fn()
    return slot[name]


def summary_of(res: xr.Dataset) -> dict:
    return memo(res, "summary", lambda: summary(res))


def current_result() -> xr.Dataset | None:
    ss = st.session_state
    return ss.results.get(ss.current) if ss.current else None


def _store(res: xr.Dataset) -> str:
    """Keep a result under its scenario name; a different scenario of the same name gets ' #2', ' #3'…"""
    results: dict = st.session_state.results
    name, h = str(res.attrs["scenario_name"]), res.attrs["scenario_hash"]
    key, n = name, 2
    while key in results and results[key].attrs["scenario_hash"] != h:
        key, n = f"{name} #{n}", n + 1
    results.pop(key, None)
    results[key] = res
    while len(results) > MAX_RESULTS:
        results.pop(next(iter(results)))
    return key


def solve(where=None) -> None:
    """Solve the edited scenario with this session's Planner, showing progress in ``where``.

    A click elsewhere (a tab, a lever) while HiGHS runs makes Streamlit start a new run of the
    script at once and stop this one at its next Streamlit call — after which this run may not
    even write to session_state. So the solve writes its outcome only into ``ss.job``, a plain
    dict, and ``collect`` moves it into the session: here when the run was not disturbed, or at
    the start of the next run (the sidebar's progress fragment triggers one when it is done)."""
    ss = st.session_state
    sc, note = sources.app_scenario(solve_name(ss.scenario))
    ss.msg.update(solve=None, note=note, workspace=None)
    baselines = bool(ss.get("with_baselines"))
    quick, ss.quick = ss.get("quick"), None
    # the edited scenario was answered at once (quick.py): keep that answer, build its results
    answer = quick["answer"] if quick and quick["scenario"] == sc and not baselines and not sc.policy.n_minus_1 else None
    job = ss.job
    job.update(solving=True, label=None, solved_scenario=sc)
    what = resolution_of(sc)
    box = where.status(tr("求解中 …", "Solving …") + f" ({what})", expanded=False)
    box.write(f"{tr('情景', 'scenario')} **{sc.name}** · {what} · {tr('时限', 'time limit')} {sc.solver.time_limit_s:g} s")
    args = (job, ss.planner, sc, baselines, ss.scenario.model_dump_json(), ss.msg, lang(), answer)
    worker = threading.Thread(target=run_solve, args=args, daemon=True)
    t0 = time.perf_counter()
    worker.start()
    while worker.is_alive():  # the elapsed time on the box: an hourly solve takes tens of seconds
        worker.join(0.5)
        if worker.is_alive():
            box.update(label=tr("求解中 …", "Solving …") + f" ({what}) {time.perf_counter() - t0:.0f} s")
    label, outcome = job["label"], job["state"]
    collect()
    box.update(label=label, state=outcome)


def resolution_of(sc: Scenario) -> str:
    """'逐时，12 个典型日' / 'hourly, 12 representative days' or 'annual', in the session's language."""
    if sc.resolution != "hourly":
        return tr("年度", "annual")
    d = sc.hourly.representative_days
    return tr(f"逐时，{d} 个典型日", f"hourly, {d} representative days") if d != "full_year" else tr("逐时，全年", "hourly, full year")


def solve_name(sc: Scenario) -> Scenario:
    """The scenario under the name its result is kept by: an edited scenario that still carries
    the loaded one's name is named after what changed ('reference · 碳价300 · 韶关停运'); a name
    the planner typed is kept. Remembered for the last scenario asked (the sidebar asks on every run)."""
    ss = st.session_state
    loaded = ss.get("loaded")
    if loaded is None or sc.name != loaded.name:
        return sc
    key = (loaded, sc)
    last = ss.get("_solve_name")
    if last is None or last[0] != key:
        name = suggested_name(loaded, sc, dataset_for(sc))
        ss["_solve_name"] = last = (key, sc if name == sc.name else sc.model_copy(update={"name": name}))
    return last[1]


def collect() -> None:
    """Move a finished solve's outcome from ``ss.job`` into the session (see ``solve``)."""
    ss = st.session_state
    job = ss.job
    if job.get("reset_planner"):
        ss.planner = Planner()  # start clean after a failure
        job["reset_planner"] = False
    if job.get("solved_json") is not None:
        ss.solved_json = job.pop("solved_json")
        ss.solved_scenario = job.pop("solved_scenario", None)
    done = job.pop("result", None)
    if done is not None:
        res, dt = done
        old = current_result()
        ss.previous = summary_of(old) if old is not None else None
        ss.current = _store(res)
        ss.last_solve_s = dt


def run_solve(job: dict, planner: Planner, sc: Scenario, baselines: bool, scenario_json: str, msg: dict,
              language: str, answer: Answer | None = None) -> None:
    """Solve ``sc`` and write the outcome into ``job`` and ``msg`` — plain dicts, no Streamlit
    call and no session_state access at all (see ``solve``); labels in ``language``. With
    ``answer`` (``sc`` already answered warm, quick.py) only its results Dataset is built.

    ``job["solving"]`` turns False last, once the outcome is written: a run that finds it False
    draws no progress fragment, so it must find the result to collect (a tab clicked just as
    the solve ended used to show no result and wait for nothing)."""
    try:
        _outcome(job, planner, sc, baselines, scenario_json, msg, language, answer)
    finally:
        job["solving"] = False


def _outcome(job: dict, planner: Planner, sc: Scenario, baselines: bool, scenario_json: str, msg: dict,
             language: str, answer: Answer | None) -> None:
    def tr(zh: str, en: str) -> str:
        return {"zh": zh, "en": en}.get(language, f"{zh} {en}")

    t0 = time.perf_counter()
    try:
        with solver_lock():
            res = answer.results if answer is not None else planner.solve(sc, baselines=baselines)
    except InputError as exc:
        msg["solve"] = error_text(exc)
        job.update(label=tr("输入错误", "Input error"), state="error")
        return
    except Exception as exc:  # a bug must not take the session down
        log.exception("solve failed")
        msg["solve"] = shown(tr("求解失败", "Solve failed") + f": {type(exc).__name__}: {exc}")
        job.update(label=tr("求解失败", "Solve failed"), state="error", reset_planner=True)
        return
    dt = time.perf_counter() - t0
    status = str(res.attrs["status"])
    man = manifest_of(res)
    job["solved_json"] = scenario_json
    if not math.isfinite(float(res.attrs["objective"])):
        if status == "time limit (no solution)":
            msg["solve"] = tr(f"求解时限（{sc.solver.time_limit_s:g} 秒）已到，尚无可行解；请提高求解时限。",
                              f"Solver time limit ({sc.solver.time_limit_s:g} s) reached with no solution "
                              f"(status '{status}'); raise the solver time limit.")
        else:
            conflicts = man.get("conflicts") or []
            msg["solve"] = (tr("无可行解", "No solution") + f": {words.status(status, language)}"
                            + (tr("——严格模式（不允许未满足需求）无法满足全部需求",
                                  " — strict mode (allow unmet = off) cannot serve all demand")
                               if not sc.policy.allow_unmet else "")
                            + "".join("\n- " + tr(f"冲突：{c['text_zh']}", f"conflicting: {c['constraint']}: {c['text']}")
                                      for c in conflicts[:12]))
        job.update(label=f"{tr('无解', 'No solution')} — {words.status(status, language)}", state="error")
        return
    job["result"] = (res, dt)
    how = tr("热启动", "warm") if man.get("warm_start") else tr("新建模型", "built")
    if answer is not None:  # the solve was the edit's answer at once: this run built its results
        how = tr("热启动，沿用即时结果", "warm, the answer given at once")
    job.update(label=f"{tr('已求解', 'Solved')} — {words.status(status, language)} · {dt:.2f} s ({how})", state="complete")
