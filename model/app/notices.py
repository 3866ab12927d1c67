"""The one way every view says there is nothing to show yet, in the session's language."""
from __future__ import annotations

import streamlit as st

from . import state


def no_result_yet(then_zh: str = "请在侧栏按 **求解**。", then_en: str = "press **Solve** in the sidebar.") -> None:
    """'No results yet — <what to do>' as an info box (the default: press Solve in the sidebar)."""
    st.info(state.tr(f"尚无结果 — {then_zh}", f"No results yet — {then_en}"))
