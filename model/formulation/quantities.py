"""Quantities declared once: emissions (tCO2) as contributions of the variable blocks.

Each supplier contributes its own term — the clusters' grid power, the provinces' own stock (for
their own work and, on the national market, for other provinces' work: attributed to the host), and
demand left unmet, which is served outside the plan at the fallback factor (national average grid
factor e_fb and PUE_fb) so that no move lowers CO2 by dropping work. The carbon budget row
(``emission_cap``), the carbon cost terms, ``model.results`` and the baselines all read these
contributions; nothing else writes an emission factor times a variable.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from .index import Index


@dataclass(frozen=True)
class Contribution:
    """Σ coef[i] · var[col[i]], attributed to entity[i] along ``dim`` (cluster or region) and year[i]."""
    name: str
    var: str
    dim: str
    col: np.ndarray
    coef: np.ndarray
    entity: np.ndarray
    year: np.ndarray

    def by_entity_year(self, values: np.ndarray, n_entity: int, n_year: int) -> np.ndarray:
        out = np.zeros((n_entity, n_year))
        np.add.at(out, (self.entity, self.year), self.coef * values[self.col])
        return out


def fallback_t_per_rack_year(inp: xr.Dataset) -> np.ndarray:
    """(W,): tCO2 of one rack-year of class w served outside the plan, e_fb · 8760 · PUE_fb · kW[w] / 1000."""
    hours_per_year = float(inp.attrs["hours_per_year"])
    return float(inp["fallback_co2_t_per_mwh"]) * hours_per_year * float(inp["fallback_pue"]) * inp["kw_per_rack"].to_numpy() / 1000.0


def local_t_per_rack_year(inp: xr.Dataset) -> np.ndarray:
    """(R, W): tCO2 per rack-year served in province r's own stock, e[r] · 8760 · PUE[r] · kW[w] / 1000."""
    hours_per_year = float(inp.attrs["hours_per_year"])
    t_per_mwh = inp["region_co2_t_per_mwh"].to_numpy() * inp["local_pue"].to_numpy()
    return t_per_mwh[:, None] * hours_per_year * inp["kw_per_rack"].to_numpy()[None, :] / 1000.0


_EMITTERS: list[tuple[Callable[[xr.Dataset], bool], Callable[[Index, xr.Dataset], Contribution]]] = []


def emitter(when: Callable[[xr.Dataset], bool], contribution: Callable[[Index, xr.Dataset], Contribution]) -> None:
    """A feature's emissions (the provinces' stock, the national market), registered by its module."""
    _EMITTERS.append((when, contribution))


def emissions(ix: Index, inp: xr.Dataset) -> list[Contribution]:
    """Every emission contribution of the LP built from ``inp``: the clusters', each registered
    feature's that applies, and unmet work's at the fallback factor."""
    hours_per_year = float(inp.attrs["hours_per_year"])
    K, R, W, Y = ix.K, ix.R, ix.W, ix.Y
    ky = np.arange(K * Y)
    out = [Contribution("clusters", "grid", "cluster", ky, np.repeat(inp["cluster_co2_t_per_mwh"].to_numpy(), Y) * hours_per_year,
                        ky // Y, ky % Y)]
    out += [contribution(ix, inp) for when, contribution in _EMITTERS if when(inp)]
    rwy = np.arange(R * W * Y)
    out.append(Contribution("unmet", "unmet", "region", rwy,
                            np.tile(np.repeat(fallback_t_per_rack_year(inp), Y), R), rwy // (W * Y), rwy % Y))
    return out
