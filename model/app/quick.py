"""Answers at once: after a solve, an edit of warm levers only (``model.inputs.warm``: carbon
price, demand levers, price scales, policy shares, unmet penalty, solver options) is re-solved
warm in the lever's own callback, and the editor (a fragment) shows the edited scenario's headline
KPIs from ``Planner.answer(sc).headline()`` — no rerun of the page, no results Dataset. Solve then
keeps that answer and builds its results Dataset (``Answer.results``) instead of solving again
(``state.solve``); the tabs read full results as before. Any other edit waits for Solve.
"""
from __future__ import annotations

import logging
import math
import time

import streamlit as st

from ..errors import InputError
from ..inputs import levers, sources
from ..inputs.scenario import Scenario
from ..inputs.warm import changed_levers
from ..reports import kpis
from ..run import Planner
from . import numbers, results, state, words

log = logging.getLogger("hubplan.app")


def answerable(sc: Scenario) -> bool:
    """Whether an edit answers at once: annual LPs only (an hourly LP or a MILP may take seconds)."""
    return sc.resolution == "annual" and sc.modular_builds is None


def answer_edit(sc: Scenario) -> bool:
    """Answer the edited scenario ``sc`` at once when it differs from the last solved one by warm
    levers only; True when it did — the warm build also applied ``sc`` to the dataset, the check
    ``state.set_scenario`` would otherwise repeat. Never waits: with a solve running (this session's
    or another's, ``state.solver_lock``) the edit waits for Solve."""
    ss = st.session_state
    ss.quick = None
    base = ss.get("solved_scenario")
    if base is None or not ss.current or ss.job["solving"]:  # no result to answer beside, or HiGHS busy
        return False
    solve_sc, _ = sources.app_scenario(state.solve_name(sc))  # as Solve would send it
    if not answerable(solve_sc) or changed_levers(base, solve_sc) is None:
        return False
    lock = state.solver_lock()
    if not lock.acquire(blocking=False):
        return False
    t0 = time.perf_counter()
    try:
        answer = ss.planner.answer(solve_sc)
        head = answer.headline()
    except InputError:
        return False  # the full check says what is wrong
    except Exception:  # a bug must not take the session down: Solve reports it
        log.exception("warm answer failed")
        ss.planner = Planner()
        return False
    finally:
        lock.release()
    ss.quick = {"json": sc.model_dump_json(), "scenario": solve_sc, "answer": answer, "headline": head,
                "seconds": time.perf_counter() - t0}
    return True


def current() -> dict | None:
    """The warm answer of the scenario as edited now, if there is one."""
    ss = st.session_state
    q = ss.get("quick")
    return q if q is not None and q["json"] == ss.scenario.model_dump_json() else None


def quick_panel() -> None:
    """The edited scenario's headline KPIs, marked as such, with their change against the result
    shown above the tabs; or, for an edit that changes more than warm levers, that it needs Solve."""
    ss = st.session_state
    if not ss.current or ss.job["solving"] or not state.changed_since_solve():
        return
    tr, lang = state.tr, state.lang()
    q = current()
    with st.container(border=True, key="quick"):
        if q is None:
            st.caption(tr("此修改需按 **求解** 后才有结果（它改变了模型结构，或求解器正忙）。",
                          "This change is answered by **Solve** (it changes the model's structure, or the solver is busy)."))
            return
        h = q["headline"]
        name = q["scenario"].name
        st.markdown(f"**{tr('修改后情景的即时结果', 'Edited scenario, answered at once')}: {name}** · "
                    + tr(f"热启动求解 {q['seconds']:.2f} s；与上方结果 **{ss.current}** 比较。按 **求解** 保存并查看完整结果。",
                         f"warm re-solve {q['seconds']:.2f} s; changes against the result above (**{ss.current}**). "
                         "Press **Solve** to keep it and see the full results."))
        if not math.isfinite(h["objective"]):
            st.warning(f"{tr('无可行解', 'No solution')}: {words.status(h['status'], lang)}")
            return
        if h["status"] != "optimal":  # e.g. the time limit's incumbent: not a proven optimum
            st.warning(f"{tr('状态', 'Status')}: {words.status(h['status'], lang)}")
        s = numbers.headline_summary(h)
        floor = levers.lever_value(q["scenario"], state.dataset_for(q["scenario"]), "policy.utilisation_floor") or 0.0
        results.kpi_cards(numbers.cards_of(s, lang, float(floor)), state.summary_of(state.current_result()), lang)
        st.caption(f"{tr('目标函数', 'Objective')} {numbers.number_in(h['objective'], kpis.YUAN, lang)} "
                   f"{numbers.yuan(lang)} · {tr('绿电占比与各页明细在求解后更新', 'green share and the tabs update on Solve')}")
