"""The sidebar: Solve first (above the fold), where the scenario comes from (bundled, uploaded,
pasted), and the page's message boxes."""
from __future__ import annotations

import streamlit as st

from ..errors import InputError
from ..inputs import levers, sources
from ..inputs.dataset import BUNDLED
from . import numbers, state
from .editor import lever_input

SOURCES = {"bundled": ("内置情景", "Bundled"), "upload": ("上传文件", "Upload YAML"), "paste": ("粘贴", "Paste YAML")}


# -- sources --------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False)
def _bundled_descriptions() -> dict[str, str]:
    out = {}
    for stem in sources.bundled_scenarios():
        try:
            out[stem] = sources.load_bundled(stem).description
        except InputError as exc:
            out[stem] = f"⚠ {state.shown(exc.line())}"
    return out


def _bundled_dataset():
    return state._dataset_at(str(BUNDLED))


def description(text: str, lang: str) -> str:
    """A bundled scenario's description ('韶关停运 Shaoguan out of service …') in one language."""
    zh, _, en = text.partition(" ")
    return numbers.pick(lang, zh, en) if en and not zh.isascii() else text


def _load_from(make, label: str) -> None:
    """Load the scenario ``make()`` returns, or show its InputError where the source is chosen."""
    try:
        sc = make()
    except InputError as exc:  # replaces any older message: the page shows what this attempt found
        st.session_state.msg.update(source=state.error_text(exc), edit=None, solve=None, note=None)
        return
    state.load_scenario(sc, label)


def _on_bundled() -> None:
    stem = st.session_state.get("src.bundled") or state.DEFAULT_SCENARIO
    _load_from(lambda: sources.load_bundled(stem), f"内置 bundled: {stem}.yaml")


def _on_upload() -> None:
    f = st.session_state.get("src.upload")
    if f is not None:
        _load_from(lambda: sources.parse_upload(f.getvalue(), f.name, _bundled_dataset()), f"上传 uploaded: {f.name}")


def _on_paste() -> None:
    text = st.session_state.get("src.paste") or ""
    _load_from(lambda: sources.parse_upload(text.encode("utf-8"), "pasted YAML", _bundled_dataset()), "粘贴 pasted YAML")


def source_panel() -> None:
    sb = st.sidebar
    ss = st.session_state
    tr, lang = state.tr, state.lang()
    kind = sb.radio(tr("起点", "Start from"), list(SOURCES), format_func=lambda k: numbers.pick(lang, *SOURCES[k]),
                    key="src.kind", persist_state="page",
                    on_change=lambda: ss.msg.update(source=None))  # an old source's error goes with it
    if kind == "bundled":
        desc = _bundled_descriptions()
        names = list(desc)
        sb.selectbox(tr("内置情景", "Bundled scenario"), names, key="src.bundled", on_change=_on_bundled,
                     index=names.index(state.DEFAULT_SCENARIO) if state.DEFAULT_SCENARIO in names else 0,
                     format_func=lambda s: f"{s} — {description(desc.get(s, ''), lang)}"[:90])
        sb.button(tr("重新载入（放弃修改）", "Reload, dropping edits"), key="src.reload", on_click=_on_bundled)
    elif kind == "upload":
        sb.file_uploader(tr("情景文件（YAML，≤ 1 MB）", "Scenario file (YAML, ≤ 1 MB)"), key="src.upload", on_change=_on_upload,
                         max_upload_size=1)
    else:
        sb.text_area(tr("情景 YAML", "Scenario YAML"), key="src.paste", height=180,
                     placeholder="name: my_case\ncarbon_price_yuan_per_t: 200\npolicy:\n  min_green_share: 0.5")
        sb.button(tr("载入", "Load pasted YAML"), key="src.paste_load", on_click=_on_paste)
    sb.caption(f"{tr('正在编辑', 'Editing')}: {origin_text(ss.origin, lang)}")


def origin_text(origin: str, lang: str) -> str:
    """'内置 bundled: reference.yaml' → '内置：reference.yaml' / 'bundled: reference.yaml'."""
    head, _, tail = origin.partition(": ")
    zh, _, en = head.partition(" ")
    return f"{numbers.pick(lang, zh, en)}: {tail}" if tail and en else origin


# -- solve ----------------------------------------------------------------------------------------
def solve_panel() -> None:
    """The Solve button first (above the fold), then what the solve does."""
    sb = st.sidebar
    ss = st.session_state
    tr = state.tr
    sc, ds = state.scenario(), state.dataset()
    clicked = sb.button(tr("求解", "Solve"), key="solve", type="primary", width="stretch",
                        disabled=ss.job["solving"])
    if ss.job["solving"]:  # a solve started by an earlier run of this script is still going
        with sb:
            _solve_progress()
    elif clicked or (ss.get("auto_solve") and state.changed_since_solve() and not ss.msg.get("check")):
        state.solve(sb)
    elif ss.current and state.changed_since_solve():
        sb.info(tr("情景已修改，结果未更新，请按求解。", "Levers changed since the last solve — press Solve."))
    if state.changed_since_solve():
        name = state.solve_name(sc).name
        sb.caption(f"{tr('将保存为', 'Will be kept as')} **{name}**"
                   + (f" · {tr('可在情景页改名', 'rename it in the Scenario tab')}" if name != sc.name else ""))
    if ss.last_solve_s is not None and ss.current:
        sb.caption(f"{tr('上次求解', 'Last solve')}: {ss.last_solve_s:.2f} s · {tr('结果', 'result')} **{ss.current}**")
    with sb.expander(tr("求解设置", "Solve settings")):
        lever_input(levers.SOLVER_LEVERS[0], sc, ds)
        st.toggle(tr("改动后自动求解", "Solve on every change"), key="auto_solve", value=False)
        st.toggle(tr("同时评估规则基准", "Also evaluate rule baselines"), key="with_baselines", value=False,
                  help=tr("最近 / 最便宜 / 最绿规则与最优方案对比（较慢）",
                          "nearest / cheapest / greenest allocation rules beside the optimum (slower)"))


def phone_solve() -> None:
    """A Solve button at the top of the main area for a phone, where the sidebar is folded away
    (hidden on wider screens by the page style in app.py)."""
    ss = st.session_state
    if ss.job["solving"] or not (state.changed_since_solve() or ss.current is None):
        return
    if st.button(state.tr("立即求解", "Solve now"), key="solve_main", type="primary", width="stretch"):
        state.solve(st)
        if st.session_state.job.get("state") == "complete":
            st.rerun()  # the page without the button, the new result in it


@st.fragment(run_every=0.5)
def _solve_progress() -> None:
    """While a solve runs in a script run that navigation has replaced (Streamlit starts the new
    run at once and lets the old one finish its solve), show that it is still running and redraw
    the page when its result is in."""
    if st.session_state.job["solving"]:
        st.info(state.tr("求解中 … 切换页面不会中断求解，完成后自动显示结果。",
                         "Solving … switching tabs does not stop it; the result appears when it is done."))
    else:
        st.rerun()


def messages() -> None:
    """Error and note boxes for the whole page, at the top of the main area (never a traceback).
    Only the newest problem of each kind is kept: a new load, edit or solve replaces it."""
    tr = state.tr
    m = st.session_state.msg
    if m.get("source"):
        st.error(f"{tr('情景未载入', 'Scenario not loaded')} — {m['source']}")
    if m.get("edit"):
        st.error(f"{tr('修改未生效', 'Change not applied')} — {m['edit']}")
    if m.get("check"):
        st.error(f"{tr('情景无法求解', 'The scenario cannot be solved as edited')} — {m['check']}")
    if m.get("solve"):
        st.error(m["solve"])
    if m.get("note"):
        st.info(f"{tr('注', 'Note')}: {m['note']}")
