"""Shared balances that features contribute to (as GenX's ``add_to_expression!``).

A core family (``demand_balance``, ``local_capacity``) holds the terms every model has and asks
``terms(name, ...)`` for the rest; a feature module adds its own with ``contribute`` when it is
imported, with the condition under which it applies. The core family never tests for a feature.
"""
from __future__ import annotations

from collections.abc import Callable

import xarray as xr

from .blocks import Term
from .index import Index

_TERMS: dict[str, list[tuple[Callable[[xr.Dataset], bool], Callable[[Index, xr.Dataset], Term]]]] = {}


def contribute(to: str, when: Callable[[xr.Dataset], bool], term: Callable[[Index, xr.Dataset], Term]) -> None:
    """Add ``term(ix, inp)`` to every row block named ``to`` built from inputs where ``when(inp)``."""
    _TERMS.setdefault(to, []).append((when, term))


def terms(to: str, ix: Index, inp: xr.Dataset) -> list[Term]:
    """The contributed terms of the row block ``to`` for these inputs, in registration order."""
    return [term(ix, inp) for when, term in _TERMS.get(to, ()) if when(inp)]
