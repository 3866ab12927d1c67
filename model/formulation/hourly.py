"""Hourly power model (``resolution: hourly``): power balanced in every hour h of every
representative day d of every year y at every cluster k, beside the yearly rack allocation.

Index: d ∈ representative days with weight n_d (days of the year it stands for, Σ n_d = 365),
h ∈ 0..23, t ∈ {wind, solar}, F = flexible classes, b = flexibility band, η = round-trip
efficiency (η_c = η_d = √η), cf[k,t,d,h] = capacity factor, s[w,h] = demand shape (mean 1),
N = Σ_d 24 n_d = 8760.

    it_load[k,w,y]:               it[k,w,y] − kW[w]/1000 · Σ_r x[r,k,w,y] = 0
    hourly_power_balance[k,y,d,h]: grid_h + green_h + dis − ch
                                   − PUE[k] · (Σ_{w∉F} s[w,h] · it[k,w,y] + (1 − b) · Σ_{f∈F} it[k,f,y] + shift_h) = 0
    flexible_daily_energy[k,y,d]: Σ_h shift[k,y,d,h] − 24 · b · Σ_{f∈F} it[k,f,y] = 0
    flexible_upper[k,y,d,h]:      shift − 2 · b · Σ_{f∈F} it[k,f,y] ≤ 0

The flexible classes' hourly IT load is (1 − b) · Σ_F it + shift_h: it stays within (1 ± b) × its
daily mean and keeps its daily energy (shift ≥ 0 is the lower edge of the band). The classes
share one shift variable per hour: with a common band, any feasible total splits into feasible
per-class loads (each class the same share of the total), so nothing is lost and the model has
one hourly column instead of one per class.
    green_supply[k,y,d,h]:        green_h − Σ_t cf[k,t,d,h] · gcap[k,t,y] ≤ 0      (the rest is curtailed)
    green_potential[k,y]:         Σ_t gcap[k,t,y] ≤ G[k]                            (nameplate MW)
    grid_average[k,y]:            grid[k,y] − Σ_{d,h} n_d/N · grid_h = 0
    green_average[k,y]:           green[k,y] − Σ_{d,h} n_d/N · (green_h − ch + dis) = 0
    grid_peak_limit:              grid_h[k,y,d,h] ≤ grid_limit[k]                   (column bound)
    storage_balance[k,y,d,h]:     soc_h − soc_{h−1} − η_c · ch + dis / η_d = 0      (h−1 of hour 0 is hour 23: cyclic)
    storage_charge_power, storage_discharge_power: ch − bat_p ≤ 0, dis − bat_p ≤ 0
    storage_energy:               soc − bat_e ≤ 0
    charge_from_green:            ch − green_h ≤ 0                                 (a battery stores green power only)
    green_share_volume[k,y]:      Σ_t m[k,t] · gcap[k,t,y] − s_g · (grid + green) + green_short ≥ 0
                                  (annual-volume matching; m = mean cf over the representative days)

grid[k,y] and green[k,y] keep their meaning (average MW: grid, green used), so the yearly
families on them (green_share by hour-by-hour matching, emission_cap, costs of grid energy and
carbon) hold unchanged. Green capacity is contracted take-or-pay: its cost is the green price ×
all it can generate (``green_contract_cost``), used or curtailed.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import contrib
from .blocks import Bound, CostTerm, RowBlock, Term, VarBlock
from .family import Family
from .index import Index

HOURS_PER_DAY = 24


class Hours:
    """Sizes and column positions of the hourly blocks (all k-major, hour fastest)."""

    def __init__(self, ix: Index, inp: xr.Dataset):
        self.K, self.Y, self.W = ix.K, ix.Y, ix.W
        self.D = int(inp.sizes["day"])
        self.flex = np.flatnonzero(inp["flexible"].to_numpy())  # workload positions of F
        self.F = self.flex.size
        self.T = int(inp.sizes["technology"])
        self.weight = inp["day_weight"].to_numpy()
        self.n = self.K * self.Y * self.D * HOURS_PER_DAY  # hourly columns per block
        self.storage = bool(inp["storage_on"])
        self.shifting = self.F > 0 and float(inp["flexibility_band"]) > 0

    def kydh(self) -> tuple[np.ndarray, ...]:
        """(k, y, d, h) of every hourly column, as flat arrays."""
        return np.unravel_index(np.arange(self.n), (self.K, self.Y, self.D, HOURS_PER_DAY))

    def avg_coef(self) -> np.ndarray:
        """n_d / N per hourly column (weights of the yearly average)."""
        _, _, d, _ = self.kydh()
        return self.weight[d] / (self.weight.sum() * HOURS_PER_DAY)


def hourly_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    """it, grid_h, green_h, gcap; shift (flexible classes); bat_p, bat_e, charge, discharge, soc (storage)"""
    hs = Hours(ix, inp)
    days, hours = range(hs.D), range(HOURS_PER_DAY)
    kydh = ix.labels("cluster", "year", days, hours)
    dims = ("cluster", "year", "day", "hour")
    out = {
        "it": VarBlock("it", ("cluster", "workload", "year"), ix.labels("cluster", "workload", "year"), "IT load, average MW"),
        "grid_h": VarBlock("grid_h", dims, kydh, "grid power in the hour, MW"),
        "green_h": VarBlock("green_h", dims, kydh, "green power taken in the hour (used or stored), MW"),
        "gcap": VarBlock("gcap", ("cluster", "technology", "year"),
                         ix.labels("cluster", [str(t) for t in inp.technology.values], "year"), "green capacity contracted, MW nameplate"),
    }
    if hs.shifting:
        out["shift"] = VarBlock("shift", dims, kydh, "flexible IT load above its floor (1 − b) × daily mean, MW")
    if hs.storage:
        ky = ix.labels("cluster", "year")
        out.update(
            bat_p=VarBlock("bat_p", ("cluster", "year"), ky, "battery power capacity, MW"),
            bat_e=VarBlock("bat_e", ("cluster", "year"), ky, "battery energy capacity, MWh"),
            charge=VarBlock("charge", dims, kydh, "battery charging, MW"),
            discharge=VarBlock("discharge", dims, kydh, "battery discharging, MW"),
            soc=VarBlock("soc", dims, kydh, "battery state of charge at the end of the hour, MWh"),
        )
    return out


def _kydh_labels(ix: Index, hs: Hours):
    return ix.labels("cluster", "year", range(hs.D), range(HOURS_PER_DAY))


def it_load(ix: Index, inp: xr.Dataset) -> RowBlock:
    """it_load[k,w,y]:  it[k,w,y] − kW[w] / 1000 · Σ_{r:(r,k,w)∈A} x[r,k,w,y] = 0"""
    n_x = ix.A * ix.Y
    kw = inp["kw_per_rack"].to_numpy()[ix.arc_w] / 1000.0
    row = ix.per_arc_year(ix.arc_k * ix.W + ix.arc_w) * ix.Y + ix.x_year()
    n = ix.K * ix.W * ix.Y
    return RowBlock("it_load", ("cluster", "workload", "year"), ix.labels("cluster", "workload", "year"),
                    [Term("it", np.arange(n), np.arange(n), np.ones(n)),
                     Term("x", row, np.arange(n_x), -ix.per_arc_year(kw))],
                    lo=np.zeros(n), hi=np.zeros(n))


def hourly_power_balance(ix: Index, inp: xr.Dataset) -> RowBlock:
    """hourly_power_balance[k,y,d,h]:  grid_h + green_h + discharge − charge
    − PUE[k] · (Σ_{w∉F} s[w,h] · it[k,w,y] + (1 − b) · Σ_{f∈F} it[k,f,y] + shift[k,y,d,h]) = 0"""
    hs = Hours(ix, inp)
    n, i = hs.n, np.arange(hs.n)
    k, y, d, h = hs.kydh()
    pue = inp["pue"].to_numpy()
    shape = inp["demand_shape"].to_numpy()  # (W, 24)
    inflex = np.setdiff1d(np.arange(ix.W), hs.flex)
    terms = [Term("grid_h", i, i, np.ones(n)), Term("green_h", i, i, np.ones(n))]
    for w in inflex:  # − PUE · s[w,h] · it[k,w,y]
        terms.append(Term("it", i, (k * ix.W + w) * ix.Y + y, -pue[k] * shape[w, h]))
    b = float(inp["flexibility_band"])
    for w in hs.flex:  # − PUE · ((1 − b) · it[k,f,y] + shift[k,y,d,h])
        terms.append(Term("it", i, (k * ix.W + w) * ix.Y + y, np.full(n, -(1 - b)) * pue[k]))
    if hs.shifting:
        terms.append(Term("shift", i, i, -pue[k]))
    if hs.storage:
        terms += [Term("discharge", i, i, np.ones(n)), Term("charge", i, i, -np.ones(n))]
    return RowBlock("hourly_power_balance", ("cluster", "year", "day", "hour"), _kydh_labels(ix, hs), terms,
                    lo=np.zeros(n), hi=np.zeros(n))


def _flex_it_terms(ix: Index, hs: Hours, rows: np.ndarray, k: np.ndarray, y: np.ndarray, coef: float) -> list[Term]:
    """coef · Σ_{f∈F} it[k,f,y] on the given rows."""
    return [Term("it", rows, (k * ix.W + w) * ix.Y + y, np.full(rows.size, coef)) for w in hs.flex]


def flexible_daily_energy(ix: Index, inp: xr.Dataset) -> RowBlock:
    """flexible_daily_energy[k,y,d]:  Σ_h shift[k,y,d,h] − 24 · b · Σ_{f∈F} it[k,f,y] = 0"""
    hs = Hours(ix, inp)
    b = float(inp["flexibility_band"])
    m = ix.K * ix.Y * hs.D
    k, y, d = np.unravel_index(np.arange(m), (ix.K, ix.Y, hs.D))
    i = np.arange(hs.n)
    return RowBlock("flexible_daily_energy", ("cluster", "year", "day"), ix.labels("cluster", "year", range(hs.D)),
                    [Term("shift", i // HOURS_PER_DAY, i, np.ones(hs.n))] + _flex_it_terms(ix, hs, np.arange(m), k, y, -HOURS_PER_DAY * b),
                    lo=np.zeros(m), hi=np.zeros(m))


def flexible_upper(ix: Index, inp: xr.Dataset) -> RowBlock:
    """flexible_upper[k,y,d,h]:  shift[k,y,d,h] − 2 · b · Σ_{f∈F} it[k,f,y] ≤ 0"""
    hs = Hours(ix, inp)
    b = float(inp["flexibility_band"])
    i = np.arange(hs.n)
    k, y, _, _ = hs.kydh()
    return RowBlock("flexible_upper", ("cluster", "year", "day", "hour"), _kydh_labels(ix, hs),
                    [Term("shift", i, i, np.ones(hs.n))] + _flex_it_terms(ix, hs, i, k, y, -2 * b),
                    lo=np.full(hs.n, -np.inf), hi=np.zeros(hs.n))


def green_supply(ix: Index, inp: xr.Dataset) -> RowBlock:
    """green_supply[k,y,d,h]:  green_h[k,y,d,h] − Σ_t cf[k,t,d,h] · gcap[k,t,y] ≤ 0"""
    hs = Hours(ix, inp)
    n, i = hs.n, np.arange(hs.n)
    k, y, d, h = hs.kydh()
    cf = inp["capacity_factor"].transpose("cluster", "technology", "day", "hour").to_numpy()
    terms = [Term("green_h", i, i, np.ones(n))]
    for t in range(hs.T):
        terms.append(Term("gcap", i, (k * hs.T + t) * ix.Y + y, -cf[k, t, d, h]))
    return RowBlock("green_supply", ("cluster", "year", "day", "hour"), _kydh_labels(ix, hs), terms,
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def green_potential(ix: Index, inp: xr.Dataset) -> RowBlock:
    """green_potential[k,y]:  Σ_t gcap[k,t,y] ≤ G_green[k]   (nameplate MW)"""
    hs = Hours(ix, inp)
    k, t, y = np.unravel_index(np.arange(hs.K * hs.T * ix.Y), (hs.K, hs.T, ix.Y))
    return RowBlock("green_potential", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("gcap", k * ix.Y + y, np.arange(k.size), np.ones(k.size))],
                    lo=np.full(ix.K * ix.Y, -np.inf), hi=np.repeat(inp["green_avail_mw"].to_numpy(), ix.Y))


def _average(ix: Index, inp: xr.Dataset, name: str, var: str, parts: list[tuple[str, float]]) -> RowBlock:
    hs = Hours(ix, inp)
    m = ix.K * ix.Y
    i = np.arange(hs.n)
    row = i // (hs.D * HOURS_PER_DAY)
    a = hs.avg_coef()
    terms = [Term(var, np.arange(m), np.arange(m), np.ones(m))]
    terms += [Term(v, row, i, -sign * a) for v, sign in parts]
    return RowBlock(name, ("cluster", "year"), ix.labels("cluster", "year"), terms, lo=np.zeros(m), hi=np.zeros(m))


def grid_average(ix: Index, inp: xr.Dataset) -> RowBlock:
    """grid_average[k,y]:  grid[k,y] − Σ_{d,h} n_d / N · grid_h[k,y,d,h] = 0"""
    return _average(ix, inp, "grid_average", "grid", [("grid_h", 1.0)])


def green_average(ix: Index, inp: xr.Dataset) -> RowBlock:
    """green_average[k,y]:  green[k,y] − Σ_{d,h} n_d / N · (green_h − charge + discharge)[k,y,d,h] = 0"""
    parts = [("green_h", 1.0)] + ([("charge", -1.0), ("discharge", 1.0)] if bool(inp["storage_on"]) else [])
    return _average(ix, inp, "green_average", "green", parts)


def grid_peak_limit(ix: Index, inp: xr.Dataset) -> Bound:
    """grid_peak_limit:  grid_h[k,y,d,h] ≤ G[k]   (a column upper bound: the connection limit holds in every hour)"""
    hs = Hours(ix, inp)
    return Bound("grid_peak_limit", "grid_h", np.repeat(inp["grid_limit_mw"].to_numpy(), ix.Y * hs.D * HOURS_PER_DAY))


def storage_balance(ix: Index, inp: xr.Dataset) -> RowBlock:
    """storage_balance[k,y,d,h]:  soc[k,y,d,h] − soc[k,y,d,h−1] − η_c · charge + discharge / η_d = 0   (h − 1 of hour 0 is hour 23)"""
    hs = Hours(ix, inp)
    n, i = hs.n, np.arange(hs.n)
    eta = np.sqrt(float(inp["storage_round_trip_efficiency"]))
    prev = np.where(i % HOURS_PER_DAY == 0, i + HOURS_PER_DAY - 1, i - 1)  # cyclic within each representative day
    return RowBlock("storage_balance", ("cluster", "year", "day", "hour"), _kydh_labels(ix, hs),
                    [Term("soc", i, i, np.ones(n)), Term("soc", i, prev, -np.ones(n)),
                     Term("charge", i, i, np.full(n, -eta)), Term("discharge", i, i, np.full(n, 1 / eta))],
                    lo=np.zeros(n), hi=np.zeros(n))


def _under(ix: Index, inp: xr.Dataset, name: str, var: str, cap: str) -> RowBlock:
    hs = Hours(ix, inp)
    n, i = hs.n, np.arange(hs.n)
    cap_col = i // (hs.D * HOURS_PER_DAY) if cap != "green_h" else i
    return RowBlock(name, ("cluster", "year", "day", "hour"), _kydh_labels(ix, hs),
                    [Term(var, i, i, np.ones(n)), Term(cap, i, cap_col, -np.ones(n))],
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def storage_charge_power(ix: Index, inp: xr.Dataset) -> RowBlock:
    """storage_charge_power[k,y,d,h]:  charge − bat_p[k,y] ≤ 0"""
    return _under(ix, inp, "storage_charge_power", "charge", "bat_p")


def storage_discharge_power(ix: Index, inp: xr.Dataset) -> RowBlock:
    """storage_discharge_power[k,y,d,h]:  discharge − bat_p[k,y] ≤ 0"""
    return _under(ix, inp, "storage_discharge_power", "discharge", "bat_p")


def storage_energy(ix: Index, inp: xr.Dataset) -> RowBlock:
    """storage_energy[k,y,d,h]:  soc − bat_e[k,y] ≤ 0"""
    return _under(ix, inp, "storage_energy", "soc", "bat_e")


def charge_from_green(ix: Index, inp: xr.Dataset) -> RowBlock:
    """charge_from_green[k,y,d,h]:  charge − green_h ≤ 0   (a battery stores green power only)"""
    return _under(ix, inp, "charge_from_green", "charge", "green_h")


def rep_mean_cf(inp: xr.Dataset) -> np.ndarray:
    """(K, T) mean capacity factor over the representative days, weighted."""
    cf = inp["capacity_factor"].transpose("cluster", "technology", "day", "hour").to_numpy()
    w = inp["day_weight"].to_numpy()
    return (cf.mean(axis=3) * w).sum(axis=2) / w.sum()


def green_share_volume(ix: Index, inp: xr.Dataset) -> RowBlock:
    """green_share_volume[k,y]:  Σ_t m[k,t] · gcap[k,t,y] + trade[k,y] + gec[k,y] − s_g · (grid[k,y] + green[k,y]) + green_short[k,y] ≥ 0
    (trade, gec with a market)"""
    s = float(inp["min_green_share"])
    hs = Hours(ix, inp)
    m = ix.K * ix.Y
    k, t, y = np.unravel_index(np.arange(hs.K * hs.T * ix.Y), (hs.K, hs.T, ix.Y))
    i = np.arange(m)
    return RowBlock("green_share_volume", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("gcap", k * ix.Y + y, np.arange(k.size), rep_mean_cf(inp)[k, t]),
                     Term("grid", i, i, np.full(m, -s)), Term("green", i, i, np.full(m, -s)),
                     Term("green_short", i, i, np.ones(m)),
                     *contrib.terms("green_share_volume", ix, inp)],  # green claims (green.py)
                    lo=np.zeros(m), hi=np.full(m, np.inf))


def green_contract_cost(ix: Index, inp: xr.Dataset) -> tuple[str, np.ndarray, np.ndarray]:
    """Cost part on gcap: δ_y · p_green[k] · 1000 · Σ_{d,h} n_d cf[k,t,d,h] (yuan per MW-year)."""
    hs = Hours(ix, inp)
    k, t, y = np.unravel_index(np.arange(hs.K * hs.T * ix.Y), (hs.K, hs.T, ix.Y))
    mwh_per_mw = rep_mean_cf(inp) * float(inp.attrs["hours_per_year"])
    coef = inp["discount_factor"].to_numpy()[y] * inp["green_price_yuan_per_kwh"].to_numpy()[k] * 1000 * mwh_per_mw[k, t]
    return ("gcap", np.arange(k.size), coef)


def storage_cost(ix: Index, inp: xr.Dataset) -> CostTerm:
    """storage = Σ_{k,y} δ_y · (c_P · bat_p[k,y] + c_E · bat_e[k,y])   (storage only; annualised, year by year)"""
    discount = np.tile(inp["discount_factor"].to_numpy(), ix.K)
    m = np.arange(ix.K * ix.Y)
    return CostTerm("storage", [("bat_p", m, discount * float(inp["storage_power_cost_yuan_per_mw_year"])),
                                ("bat_e", m, discount * float(inp["storage_energy_cost_yuan_per_mwh_year"]))])


def hourly(inp: xr.Dataset) -> bool:
    return inp.attrs.get("resolution") == "hourly"


def shifting(inp: xr.Dataset) -> bool:
    # numpy, not DataArray.any(): xarray's reduce would import dask.array and scipy (~1 s) here
    return hourly(inp) and bool(inp["flexible"].to_numpy().any()) and float(inp["flexibility_band"]) > 0


def storage(inp: xr.Dataset) -> bool:
    return hourly(inp) and bool(inp["storage_on"])


def volume(inp: xr.Dataset) -> bool:
    return hourly(inp) and inp.attrs.get("green_matching") == "annual"


_HOUR = "{cluster} in {year}, representative day {day}, hour {hour}"
FAMILIES = (
    Family("hourly_variables", "vars", hourly_variables, when=hourly),
    Family("it_load", "rows", it_load, when=hourly, conflict="IT load of {workload} at {cluster} in {year}"),
    Family("hourly_power_balance", "rows", hourly_power_balance, when=hourly,
           conflict="hourly power balance of " + _HOUR + " (PUE × IT load = grid + green + storage)"),
    Family("flexible_daily_energy", "rows", flexible_daily_energy, when=shifting,
           conflict="daily energy of the flexible work at {cluster} in {year}, representative day {day}"),
    Family("flexible_upper", "rows", flexible_upper, when=shifting,
           conflict="flexibility band of the flexible work at " + _HOUR),
    Family("green_supply", "rows", green_supply, when=hourly,
           conflict="green output of the contracted capacity at " + _HOUR, limits="green"),
    Family("green_potential", "rows", green_potential, when=hourly,
           conflict="green-capacity potential (nameplate) of {cluster} in {year}", limits="green"),
    Family("grid_average", "rows", grid_average, when=hourly, conflict="yearly grid energy of {cluster} in {year}"),
    Family("green_average", "rows", green_average, when=hourly, conflict="yearly green energy used at {cluster} in {year}"),
    Family("grid_peak_limit", "bound", grid_peak_limit, when=hourly,
           conflict="grid connection limit (peak) of " + _HOUR, limits="grid"),
    Family("storage_balance", "rows", storage_balance, when=storage, conflict="battery energy balance at " + _HOUR),
    Family("storage_charge_power", "rows", storage_charge_power, when=storage, conflict="battery charging power at " + _HOUR),
    Family("storage_discharge_power", "rows", storage_discharge_power, when=storage,
           conflict="battery discharging power at " + _HOUR),
    Family("storage_energy", "rows", storage_energy, when=storage, conflict="battery energy capacity at " + _HOUR),
    Family("charge_from_green", "rows", charge_from_green, when=storage, conflict="battery charged from green power only at " + _HOUR),
    Family("green_share_volume", "rows", green_share_volume, when=volume,
           conflict="minimum green-power share by annual volume at {cluster} in {year}"),
)
COST_FAMILIES = (Family("storage", "cost", storage_cost, when=storage),)  # after the yearly cost terms
