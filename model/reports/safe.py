"""Text that spreadsheets will not run: every text cell of an Excel or CSV export passes here.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and most CSV importers as a formula (e.g. a scenario named ``=HYPERLINK("http://x","y")``).
Such text gets a leading apostrophe, the usual neutralisation (OWASP "CSV injection"); numbers,
booleans and other text are left as they are.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral_text(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutral_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell, column name and index label neutralised."""
    out = df.map(neutral_text) if len(df.columns) else df.copy()
    out.columns = out.columns.map(neutral_text) if not isinstance(out.columns, pd.MultiIndex) else out.columns
    if not isinstance(out.index, pd.MultiIndex) and (out.index.dtype == object or pd.api.types.is_string_dtype(out.index)):
        out.index = out.index.map(neutral_text)
    return out
