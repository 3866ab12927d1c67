"""xarray variables from numpy arrays without xarray's duck-array probe.

xarray's ``as_compatible_data`` asks, for every variable it is given as a (dims, data) tuple,
whether the data is a dask array; the first time, that imports ``dask.array`` whenever dask is
installed (and with it ``scipy.sparse``: ~0.5 s CPU), though no dask array is ever made on the
solve path. A variable built with ``fastpath=True`` from an ndarray skips that probe and nothing
else (object, datetime and timedelta arrays still go the normal way: xarray converts those).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr


def variable(dims: tuple[str, ...] | str, data: Any, attrs: dict | None = None) -> xr.Variable | tuple:
    arr = np.asarray(data)
    if arr.dtype.kind in "OMm":
        return (dims, data, attrs or {})
    return xr.Variable(dims, arr, attrs, fastpath=True)


def variables(mapping: dict[str, Any]) -> dict[str, Any]:
    """{name: (dims, data[, attrs])} → {name: Variable}, for ``xr.Dataset(...)``, ``assign`` and
    ``assign_coords``; a bare list or array is the dimension coordinate ``name``."""
    return {k: variable(*v) if isinstance(v, tuple) else variable((k,), v) if isinstance(v, list | np.ndarray) else v
            for k, v in mapping.items()}
