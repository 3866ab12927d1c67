"""JSON every parser reads: NaN and ±Infinity are not JSON, so they are written as null.

``dumps`` writes with ``allow_nan=False`` after replacing each non-finite number by null and,
for a top-level mapping, lists what was replaced and why under ``null_values`` (dotted path →
reason), so a null never passes for a missing key.
"""
from __future__ import annotations

import json
import math
from typing import Any

NULLS_KEY = "null_values"


def _why(v: float) -> str:
    return "NaN: no value (no solution, or a ratio over nothing)" if math.isnan(v) else \
        f"{'+' if v > 0 else '-'}Infinity: not a finite number (e.g. an infinite latency)"


def finite_or_null(doc: Any, path: str = "") -> tuple[Any, dict[str, str]]:
    """(``doc`` with every non-finite float → None, {dotted path: why} of what was replaced)."""
    nulls: dict[str, str] = {}

    def walk(o: Any, p: str) -> Any:
        if isinstance(o, dict):
            return {k: walk(v, f"{p}.{k}" if p else str(k)) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [walk(v, f"{p}[{i}]") for i, v in enumerate(o)]
        if isinstance(o, float) and not math.isfinite(o):  # numpy floats are floats too
            nulls[p] = _why(o)
            return None
        return o

    return walk(doc, path), nulls


def dumps(doc: Any, note: str | None = None, **kw) -> str:
    """Strict JSON of ``doc``; ``note`` (e.g. "solve status 'infeasible'") is added to each reason."""
    clean, nulls = finite_or_null(doc)
    if nulls and isinstance(clean, dict):
        clean[NULLS_KEY] = {p: f"{why} — {note}" if note else why for p, why in nulls.items()}
    return json.dumps(clean, allow_nan=False, **kw)
