"""Quantities declared once: emissions (tCO2) as contributions of the variable blocks.

Each supplier contributes its own term — the clusters' grid power, green power claimed on it
(trading, certificates when they count) and the own stock's claims and PUE savings (negative,
``green.emission_contributions``), the provinces' own stock (for
their own work and, on the national market, for other provinces' work: attributed to the host), and
demand left unmet, which is served outside the plan at the fallback factor (national average grid
factor e_fb and PUE_fb) so that no move lowers CO2 by dropping work. The carbon budget row
(``emission_cap``), the carbon cost terms, ``model.results`` and the baselines all read these
contributions; nothing else writes an emission factor times a variable.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import green, local, market
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
    H = float(inp.attrs["hours_per_year"])
    return float(inp["fallback_co2_t_per_mwh"]) * H * float(inp["fallback_pue"]) * inp["kw_per_rack"].to_numpy() / 1000.0


def local_t_per_rack_year(inp: xr.Dataset) -> np.ndarray:
    """(R, W): tCO2 per rack-year served in province r's own stock, e[r] · 8760 · PUE[r] · kW[w] / 1000."""
    H = float(inp.attrs["hours_per_year"])
    return (inp["region_co2_t_per_mwh"] * inp["local_pue"]).to_numpy()[:, None] * H * inp["kw_per_rack"].to_numpy()[None, :] / 1000.0


def emissions(ix: Index, inp: xr.Dataset) -> list[Contribution]:
    """Every emission contribution of the LP built from ``inp``."""
    H = float(inp.attrs["hours_per_year"])
    K, R, W, Y = ix.K, ix.R, ix.W, ix.Y
    ky = np.arange(K * Y)
    out = [Contribution("clusters", "grid", "cluster", ky, np.repeat(inp["cluster_co2_t_per_mwh"].to_numpy(), Y) * H,
                        ky // Y, ky % Y)]
    if local.has_local_supply(inp):
        rwy = np.arange(R * W * Y)
        out.append(Contribution("local", "local", "region", rwy, np.repeat(local_t_per_rack_year(inp).ravel(), Y),
                                rwy // (W * Y), rwy % Y))
    if market.has_remote(inp):
        col, coef, host, year = market.emissions(ix, inp)
        out.append(Contribution("remote", "remote", "region", col, coef, host, year))
    rwy = np.arange(R * W * Y)
    out.append(Contribution("unmet", "unmet", "region", rwy,
                            np.tile(np.repeat(fallback_t_per_rack_year(inp), Y), R), rwy // (W * Y), rwy % Y))
    return out + [Contribution(name, var, dim, col, coef, col // Y, col % Y)
                  for name, var, dim, col, coef in green.emission_contributions(ix, inp)]


# green contributions (green.py) priced in the clusters' ``carbon`` and the own stock's ``local_carbon``
CLUSTER_GREEN = ("green_trade", "certificates")
LOCAL_GREEN = ("local_green_trade", "local_certificates", "pue_saving")


def priced(ix: Index, inp: xr.Dataset, *names: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Cost parts: the carbon price on the named contributions (those the LP has), discounted."""
    df = inp["discount_factor"].to_numpy()
    P = float(inp["carbon_price_yuan_per_t"])
    return [(c.var, c.col, c.coef * df[c.year] * P) for c in emissions(ix, inp) if c.name in names]
