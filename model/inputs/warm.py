"""Lever changes whose inputs can be recomputed alone: a warm re-solve after such a change lays the
few inputs it touches over the inputs of an earlier solve (``formulation.InputsView``) instead of
building the whole inputs Dataset again.

``WARM_LEVERS`` maps a lever (a dotted path of the scenario, or a prefix ending in ``.``) to the
inputs it changes, each computed by the same function or product ``build_inputs`` uses, so the
values are the same to the bit (tests/solve/test_warm_answers.py compares them with a full build for every lever here).
A settings.yaml override is warm when its record in the settings catalogue says so (``settings.CATALOGUE``,
``warm=True``); tests/inputs/test_settings.py checks every record's flag against this map.
A change of anything else — the dataset, latency bounds, outages, a cluster's figures, the
resolution, the discount rate — gives ``None``: build the inputs in full.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from ..errors import raise_all
from .arrays import variable
from .build import _demand_array, _flat, scenario_levers, setting_value, unknown_ids
from .dataset import InputTables
from .scenario import Scenario
from .settings import CATALOGUE


def _setting(key: str) -> Callable[[Scenario, InputTables, xr.Dataset], dict[str, Any]]:
    return lambda sc, ds, base: {key: np.asarray(setting_value(sc, ds, key))}


def _demand(sc: Scenario, ds: InputTables, base: xr.Dataset) -> dict[str, Any]:
    raise_all(unknown_ids(sc, ds))  # a class or region id in the new demand levers is checked as in a full build
    return {"demand": _demand_array(ds, sc, ds.years)}


def _electricity(sc: Scenario, ds: InputTables, base: xr.Dataset) -> dict[str, Any]:
    """The unscaled prices (kept in the inputs) × the scale: ``_cluster_table``'s and ``_local_vars``' product."""
    scale = float(sc.electricity_price_scale)
    return {"grid_price_yuan_per_kwh": base["grid_price_unscaled_yuan_per_kwh"].to_numpy() * scale,
            "local_grid_price_yuan_per_kwh": scale * base["local_grid_price_unscaled_yuan_per_kwh"].to_numpy(),
            "electricity_price_scale": np.asarray(scale)}


def _green_price(sc: Scenario, ds: InputTables, base: xr.Dataset) -> dict[str, Any]:
    scale = float(sc.green_price_scale)
    return {"green_price_yuan_per_kwh": base["green_price_unscaled_yuan_per_kwh"].to_numpy() * scale,
            "green_price_scale": np.asarray(scale)}


WARM_LEVERS: dict[str, Callable[[Scenario, InputTables, xr.Dataset], dict[str, Any]]] = {
    # an override of a settings.yaml key the catalogue marks warm: the one input of that name
    **{s.path: _setting(s.key) for s in CATALOGUE if s.warm and s.key},
    "electricity_price_scale": _electricity,
    "green_price_scale": _green_price,
    "demand.": _demand,
    "solver.": lambda sc, ds, base: {},  # HiGHS options: no input changes (``Planner.answer`` sets them)
}
_TEXT_ONLY = ("name", "description")  # change only the Dataset's attributes


def _lever_of(path: str) -> str | None:
    return next((k for k in WARM_LEVERS if path == k or (k.endswith(".") and path.startswith(k))), None)


def changed_levers(a: Scenario, b: Scenario) -> set[str] | None:
    """The dotted paths where ``b`` differs from ``a``, or None when one of them is not a warm lever."""
    fa, fb = _flat(a.model_dump(mode="json")), _flat(b.model_dump(mode="json"))
    paths = {p for p in fa.keys() | fb.keys() if fa.get(p, _MISSING) != fb.get(p, _MISSING)}
    if a.base_dir != b.base_dir or any(p not in _TEXT_ONLY and _lever_of(p) is None for p in paths):
        return None
    return paths


_MISSING = object()


def _with_values(da: xr.DataArray, values: Any) -> xr.DataArray:
    """``da`` (dimensions, coordinates, attributes) holding ``values``, built from a ``variable``:
    ``copy(data=…)`` and the ``values`` setter ask whether the data is a dask array, and the first
    such question imports dask.array (model/inputs/arrays.py)."""
    return xr.DataArray(variable(da.dims, np.asarray(values), dict(da.attrs)), coords=da.coords, name=da.name)


def warm_inputs(base_sc: Scenario, base: xr.Dataset, sc: Scenario, ds: InputTables) -> tuple[dict, dict] | None:
    """(changed inputs: name → DataArray, changed attributes) of ``sc`` against ``base``, the inputs
    of ``base_sc``, or None: build ``sc``'s inputs in full."""
    paths = changed_levers(base_sc, sc)
    if paths is None:
        return None
    numbers, texts = scenario_levers(sc)
    if {f"scenario.{k}" for k in texts} != {k for k in base.attrs if k.startswith("scenario.")}:
        return None
    out: dict[str, Any] = {}
    for lever in dict.fromkeys(filter(None, map(_lever_of, paths))):
        out.update(WARM_LEVERS[lever](sc, ds, base))
    changed = {k: _with_values(base[k], v) for k, v in out.items()}
    # what the scenario sets, by path: a lever set for the first time adds a coordinate label
    levers = variable(("scenario_lever",), list(numbers), {})
    changed["scenario_lever"] = xr.DataArray(levers, coords={"scenario_lever": levers}, name="scenario_lever")
    changed["scenario_lever_value"] = xr.DataArray(
        variable(("scenario_lever",), np.array(list(numbers.values()), dtype=float), dict(base["scenario_lever_value"].attrs)),
        coords={"scenario_lever": levers}, name="scenario_lever_value")
    attrs = {"scenario": sc.name, **{f"scenario.{k}": v for k, v in texts.items()}}
    return changed, attrs
