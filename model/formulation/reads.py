"""The inputs a family reads, so that a lever change rebuilds only the families it touches.

A family builds its block from the inputs Dataset through ``inp[name]``, ``name in inp``,
``inp.get(name)``, ``inp.attrs[key]`` and ``inp.sizes`` / ``inp.dims``. ``InputsView`` hands a
family the inputs through exactly those doors and writes down every name it asks for (attributes
as ``attrs.<key>``); any other door (``inp.copy()``, ``inp.region``, iteration) is written down as
``*``, "reads everything", so such a family is always rebuilt — never reused on a guess.

A view can also lay new values over the inputs (``changed``: name → DataArray, ``attrs``): what a
lever change recomputes (``model.inputs.warm``) without building a whole new Dataset. The dimensions
and coordinates are the base's: a change that alters them is not a lever change. Views of one base
may share its DataArrays (``arrays``); nothing on the solve path writes into an input.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import xarray as xr

EVERYTHING = "*"


class _Attrs(dict):
    """The Dataset's attributes (with the view's changes), writing down every key asked for."""

    def __init__(self, attrs: Mapping, read: set[str]):
        super().__init__(attrs)
        self._read = read

    def __getitem__(self, key):
        self._read.add(f"attrs.{key}")
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._read.add(f"attrs.{key}")
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        self._read.add(f"attrs.{key}")
        return super().__contains__(key)

    def __iter__(self):
        self._read.add(EVERYTHING)
        return super().__iter__()


class InputsView:
    """``base`` (an inputs Dataset) with ``changed`` variables and ``attrs`` laid over it; ``read``
    collects the names asked for since the view was made (or since ``read.clear()``)."""

    def __init__(self, base: xr.Dataset, changed: Mapping[str, xr.DataArray] | None = None,
                 attrs: Mapping[str, Any] | None = None, arrays: dict[str, xr.DataArray] | None = None):
        self._base, self._changed = base, dict(changed or {})
        self._attrs = {**base.attrs, **(attrs or {})}
        # the base's DataArrays as handed out before: ``Dataset[name]`` builds a new DataArray
        # each time (~0.1–0.2 ms), and the families ask for the same few thousands of times
        self._arrays = {} if arrays is None else arrays
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> xr.DataArray:
        self.read.add(name)
        if name in self._changed:
            return self._changed[name]
        if name not in self._arrays:
            self._arrays[name] = self._base[name]
        return self._arrays[name]

    def __contains__(self, name) -> bool:
        self.read.add(name)
        return name in self._changed or name in self._base

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default

    @property
    def attrs(self) -> dict:
        return _Attrs(self._attrs, self.read)

    @property
    def sizes(self) -> Mapping[Hashable, int]:  # the base's dimensions: a lever change keeps them
        return self._base.sizes

    @property
    def dims(self) -> Mapping[Hashable, int]:
        return self._base.dims

    def __getattr__(self, name: str):
        # any other door: the family may read anything, so it is rebuilt whenever anything changes
        self.read.add(EVERYTHING)
        return getattr(self._base, name)

    def __iter__(self):
        self.read.add(EVERYTHING)
        return iter(self._base)
