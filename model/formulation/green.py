"""Green power as China counts it: direct hydro, green-power trading, certificates, PUE retrofits.

Each way of getting green power has its own column and its own rule (docs/math.md, "Green power
as China counts it"); the core families take the terms this module contributes:

- direct hydro ``hydro_m[k,y,m]`` (绿电直供 from hydro, average MW in month m): physically supplied,
  so it enters ``power_balance`` (as its yearly mean Σ_m hydro_m / 12) and the green share; its
  seasonal profile holds month by month (``hydro_availability``, ``hydro_month_use``). Annual model only.
- green-power trading ``trade[k,y]`` (绿电交易, bundled energy + certificate): delivered through
  the grid, so it is a claim on the grid draw (``green_claims``); counts in the annual green
  share and takes its MWh off the grid share's CO2 (market accounting). In the hourly model a trade
  is a flat block delivered with the grid power of every hour (``trade_hourly_delivery``), so it
  counts in hour-by-hour matching too.
- certificates ``gec[k,y]`` (绿证/GEC, unbundled, 1 per MWh): a claim on the grid draw too; count in the
  annual green share only (never hour by hour) and in CO2 only when ``certificates_count_for_carbon``.
- the provinces' own stock: ``local_trade``, ``local_gec`` (the same rules on its grid energy) and a
  PUE retrofit ``retrofit[r,y]`` (racks brought to the target PUE) with its saving ``pue_saving[r,y]``.

Units: average MW (× 8760 h = MWh a year). e_claim = the residual-mix factor under market
accounting, 0 under location accounting (``model/inputs/green.py``).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from . import contrib, local, market, quantities
from .blocks import Bound, CostTerm, RowBlock, Term, VarBlock, annuity_years
from .family import Family
from .hourly import HOURS_PER_DAY
from .index import Index

M = 12  # months


def has_hydro(inp: xr.Dataset) -> bool:
    return inp.attrs.get("resolution", "annual") == "annual" and bool((inp["hydro_avail_mw"].values > 0).any())


def has_trade(inp: xr.Dataset) -> bool:
    return float(inp["green_trade_limit_mw"]) > 0


def has_certificates(inp: xr.Dataset) -> bool:
    return float(inp["certificate_limit_mw"]) > 0


def has_claims(inp: xr.Dataset) -> bool:
    return has_trade(inp) or has_certificates(inp)


def has_local_claims(inp: xr.Dataset) -> bool:
    return local.has_local_supply(inp) and has_claims(inp)


def has_retrofit(inp: xr.Dataset) -> bool:
    return local.has_local_supply(inp) and bool((inp["pue_retrofit_step"].values > 0).any())


def has_green(inp: xr.Dataset) -> bool:
    return has_hydro(inp) or has_claims(inp) or has_retrofit(inp)


def green_variables(ix: Index, inp: xr.Dataset) -> dict[str, VarBlock]:
    """hydro_m (annual, with hydro); trade, gec (with a market); local_trade, local_gec, retrofit, pue_saving (own stock)"""
    ky, ry = ix.labels("cluster", "year"), ix.labels("region", "year")
    out = {}
    if has_hydro(inp):
        out["hydro_m"] = VarBlock("hydro_m", ("cluster", "year", "month"), ix.labels("cluster", "year", range(1, M + 1)),
                                  "direct hydro taken in the month, MW average")
    if has_claims(inp):
        out["trade"] = VarBlock("trade", ("cluster", "year"), ky, "green-power trading (绿电交易) claimed, MW average")
        out["gec"] = VarBlock("gec", ("cluster", "year"), ky, "unbundled certificates (绿证) claimed, MW average")
    if has_local_claims(inp):
        out["local_trade"] = VarBlock("local_trade", ("region", "year"), ry, "own stock: green-power trading, MW average")
        out["local_gec"] = VarBlock("local_gec", ("region", "year"), ry, "own stock: certificates, MW average")
    if has_retrofit(inp):
        out["retrofit"] = VarBlock("retrofit", ("region", "year"), ry, "own-stock racks retrofitted to the target PUE")
        out["pue_saving"] = VarBlock("pue_saving", ("region", "year"), ry, "own stock: grid power saved by retrofits, MW average")
    return out


# -- what the core families take (contrib.py, quantities.emitter; registered at the end) ---------
def _hydro_term(coef: float | None):
    def term(ix: Index, inp: xr.Dataset) -> Term:
        """coef · Σ_m hydro_m[k,y,m] / 12 in a (k, y) row (None: 1 − the minimum green share)."""
        n = ix.K * ix.Y * M
        c = (1 - float(inp["min_green_share"])) if coef is None else coef
        return Term("hydro_m", np.arange(n) // M, np.arange(n), np.full(n, c / M))
    return term


def _ky_term(var: str):
    def term(ix: Index, inp: xr.Dataset) -> Term:
        """+ var[k,y] in a (k, y) row."""
        i = np.arange(ix.K * ix.Y)
        return Term(var, i, i, np.ones(i.size))
    return term


def _annual_matching(inp: xr.Dataset) -> bool:
    """green_share counts by annual volume (the annual model); hour by hour in the hourly model."""
    return inp.attrs.get("resolution", "annual") == "annual"


# the names of the claims' emission contributions (priced in ``green_carbon``)
CLUSTER_GREEN = ("green_trade", "certificates")
LOCAL_GREEN = ("local_green_trade", "local_certificates", "pue_saving")


def _claims(name: str, var: str, dim: str, factor: str, certificate: bool = False):
    def contribution(ix: Index, inp: xr.Dataset) -> quantities.Contribution:
        """−8760 · e · var (× c_G for certificates): the CO2 a claimed or saved MW takes off."""
        n_entity = ix.K if dim == "cluster" else ix.R
        col = np.arange(n_entity * ix.Y)
        coef = -np.repeat(inp[factor].to_numpy(), ix.Y) * float(inp.attrs["hours_per_year"])
        if certificate:
            coef = coef * float(inp["certificates_count_for_carbon"])
        return quantities.Contribution(name, var, dim, col, coef, col // ix.Y, col % ix.Y)
    return contribution


# -- families ------------------------------------------------------------------------------------
def hydro_availability(ix: Index, inp: xr.Dataset) -> Bound:
    """hydro_availability:  hydro_m[k,y,m] ≤ cf_h[k,m] · G_h[k]   (a column upper bound: the seasonal profile)"""
    cap = inp["hydro_cf"].transpose("cluster", "month").to_numpy() * inp["hydro_avail_mw"].to_numpy()[:, None]
    return Bound("hydro_availability", "hydro_m", np.repeat(cap[:, None, :], ix.Y, axis=1).ravel())


def hydro_month_use(ix: Index, inp: xr.Dataset) -> RowBlock:
    """hydro_month_use[k,y,m]:  green[k,y] + hydro_m[k,y,m] − PUE[k] / 1000 · Σ_{(r,k,w)∈A} kW[w] · x[r,k,w,y] ≤ 0"""
    n = ix.K * ix.Y * M
    i = np.arange(n)
    per_arc = inp["pue"].to_numpy()[ix.arc_k] * inp["kw_per_rack"].to_numpy()[ix.arc_w] / 1000.0
    ky_x = ix.per_arc_year(ix.arc_k) * ix.Y + ix.x_year()  # (k, y) row of each x column
    x_col = np.arange(ix.A * ix.Y)
    rows = (ky_x[:, None] * M + np.arange(M)[None, :]).ravel()
    return RowBlock("hydro_month_use", ("cluster", "year", "month"), ix.labels("cluster", "year", range(1, M + 1)),
                    [Term("green", i, i // M, np.ones(n)),
                     Term("hydro_m", i, i, np.ones(n)),
                     Term("x", rows, np.repeat(x_col, M), -np.repeat(ix.per_arc_year(per_arc), M))],
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def green_claims(ix: Index, inp: xr.Dataset) -> RowBlock:
    """green_claims[k,y]:  trade[k,y] + gec[k,y] − grid[k,y] ≤ 0   (green bought through the grid is claimed once)"""
    n = ix.K * ix.Y
    i = np.arange(n)
    return RowBlock("green_claims", ("cluster", "year"), ix.labels("cluster", "year"),
                    [Term("trade", i, i, np.ones(n)), Term("gec", i, i, np.ones(n)), Term("grid", i, i, -np.ones(n))],
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def hourly_claims(inp: xr.Dataset) -> bool:
    return inp.attrs.get("resolution") == "hourly" and has_claims(inp)


def trade_hourly_delivery(ix: Index, inp: xr.Dataset) -> RowBlock:
    """trade_hourly_delivery[k,y,d,h]:  trade[k,y] − grid_h[k,y,d,h] ≤ 0
    (hourly model: traded green power is a flat block delivered with the grid power of every hour)"""
    D = int(inp.sizes["day"])
    n = ix.K * ix.Y * D * HOURS_PER_DAY
    i = np.arange(n)
    return RowBlock("trade_hourly_delivery", ("cluster", "year", "day", "hour"),
                    ix.labels("cluster", "year", range(D), range(HOURS_PER_DAY)),
                    [Term("trade", i, i // (D * HOURS_PER_DAY), np.ones(n)), Term("grid_h", i, i, -np.ones(n))],
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def _host_mw_terms(ix: Index, inp: xr.Dataset, scale: np.ndarray) -> list[Term]:
    """−scale[r] / 1000 · Σ_w kW[w] · (local[r,w,y] + Σ_{r'} remote[r',r,w,y]) in the (r, y) rows: the
    IT power of the work r's stock runs, its own and (on the national market) other provinces'."""
    r, w, y = np.unravel_index(np.arange(ix.R * ix.W * ix.Y), (ix.R, ix.W, ix.Y))
    kw = inp["kw_per_rack"].to_numpy()
    terms = [Term("local", r * ix.Y + y, np.arange(r.size), -scale[r] * kw[w] / 1000.0)]
    if market.has_remote(inp):
        _, s, w = market.remote_arcs(ix, inp)
        col = np.arange(s.size * ix.Y)
        s, w, y = np.repeat(s, ix.Y), np.repeat(w, ix.Y), np.tile(np.arange(ix.Y), s.size)
        terms.append(Term("remote", s * ix.Y + y, col, -scale[s] * kw[w] / 1000.0))
    return terms


def local_green_claims(ix: Index, inp: xr.Dataset) -> RowBlock:
    """local_green_claims[r,y]:  local_trade + local_gec + pue_saving − PUE_loc[r] / 1000 · Σ_w kW[w] · (local[r,w,y] + Σ_{r'} remote[r',r,w,y]) ≤ 0
    (pue_saving only with retrofits; remote only on the national market)"""
    n = ix.R * ix.Y
    i = np.arange(n)
    terms = [Term("local_trade", i, i, np.ones(n)), Term("local_gec", i, i, np.ones(n)),
             *_host_mw_terms(ix, inp, inp["local_pue"].to_numpy())]
    if has_retrofit(inp):
        terms.append(Term("pue_saving", i, i, np.ones(n)))
    return RowBlock("local_green_claims", ("region", "year"), ix.labels("region", "year"), terms,
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def _market(ix: Index, inp: xr.Dataset, name: str, var: str, local_var: str, limit: str) -> RowBlock:
    terms = [Term(var, np.tile(np.arange(ix.Y), ix.K), np.arange(ix.K * ix.Y), np.ones(ix.K * ix.Y))]
    if has_local_claims(inp):
        terms.append(Term(local_var, np.tile(np.arange(ix.Y), ix.R), np.arange(ix.R * ix.Y), np.ones(ix.R * ix.Y)))
    return RowBlock(name, ("year",), [(y,) for y in ix.years], terms,
                    lo=np.full(ix.Y, -np.inf), hi=np.full(ix.Y, float(inp[limit])))


def green_trade_market(ix: Index, inp: xr.Dataset) -> RowBlock:
    """green_trade_market[y]:  Σ_k trade[k,y] + Σ_r local_trade[r,y] ≤ M_T   (green-power trading open to data centres)"""
    return _market(ix, inp, "green_trade_market", "trade", "local_trade", "green_trade_limit_mw")


def certificate_market(ix: Index, inp: xr.Dataset) -> RowBlock:
    """certificate_market[y]:  Σ_k gec[k,y] + Σ_r local_gec[r,y] ≤ M_G   (certificates open to data centres)"""
    return _market(ix, inp, "certificate_market", "gec", "local_gec", "certificate_limit_mw")


def pue_retrofit_reach(ix: Index, inp: xr.Dataset) -> RowBlock:
    """pue_retrofit_reach[r,y]:  pue_saving[r,y] − ΔPUE[r] · kW_max / 1000 · Σ_{y'≤y} retrofit[r,y'] ≤ 0   (kW_max = max_w kW[w])"""
    n = ix.R * ix.Y
    i = np.arange(n)
    rr, t, tp = np.nonzero(np.broadcast_to(np.tril(np.ones((ix.Y, ix.Y), bool)), (ix.R, ix.Y, ix.Y)))
    step = inp["pue_retrofit_step"].to_numpy()
    return RowBlock("pue_retrofit_reach", ("region", "year"), ix.labels("region", "year"),
                    [Term("pue_saving", i, i, np.ones(n)),
                     Term("retrofit", rr * ix.Y + t, rr * ix.Y + tp, -step[rr] * inp["kw_per_rack"].values.max() / 1000.0)],
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def pue_retrofit_load(ix: Index, inp: xr.Dataset) -> RowBlock:
    """pue_retrofit_load[r,y]:  pue_saving[r,y] − ΔPUE[r] / 1000 · Σ_w kW[w] · (local[r,w,y] + Σ_{r'} remote[r',r,w,y]) ≤ 0"""
    n = ix.R * ix.Y
    i = np.arange(n)
    return RowBlock("pue_retrofit_load", ("region", "year"), ix.labels("region", "year"),
                    [Term("pue_saving", i, i, np.ones(n)), *_host_mw_terms(ix, inp, inp["pue_retrofit_step"].to_numpy())],
                    lo=np.full(n, -np.inf), hi=np.zeros(n))


def green_procurement(ix: Index, inp: xr.Dataset) -> CostTerm:
    """green_procurement = Σ_y δ_y · 8760 · 1000 · (Σ_k (p_h[k] · Σ_m hydro_m[k,y,m] / 12 + π_T · trade[k,y] + π_G / 1000 · gec[k,y])
    + Σ_r (π_T · local_trade[r,y] + π_G / 1000 · local_gec[r,y]))"""
    H1000 = float(inp.attrs["hours_per_year"]) * 1000.0
    discount = inp["discount_factor"].to_numpy()
    parts = []
    if has_hydro(inp):
        n = ix.K * ix.Y * M
        k, y, _ = np.unravel_index(np.arange(n), (ix.K, ix.Y, M))
        parts.append(("hydro_m", np.arange(n), discount[y] * H1000 * inp["hydro_price_yuan_per_kwh"].to_numpy()[k] / M))
    pt, pg = float(inp["green_trade_premium_yuan_per_kwh"]), float(inp["certificate_price_yuan_per_mwh"]) / 1000.0
    for var, rows, on in (("trade", ix.K, has_claims), ("gec", ix.K, has_claims),
                          ("local_trade", ix.R, has_local_claims), ("local_gec", ix.R, has_local_claims)):
        if on(inp):
            parts.append((var, np.arange(rows * ix.Y), np.tile(discount, rows) * H1000 * (pt if var.endswith("trade") else pg)))
    return CostTerm("green_procurement", parts)


def green_carbon(ix: Index, inp: xr.Dataset) -> CostTerm:
    """green_carbon = − Σ_y δ_y · P_CO2 · 8760 · (Σ_k e_claim[k] · (trade + c_G · gec)[k,y]
    + Σ_r (e_claim[r] · (local_trade + c_G · local_gec) + e[r] · pue_saving)[r,y])   (the CO2 claims and PUE savings take off, priced)"""
    discount = inp["discount_factor"].to_numpy()
    P = float(inp["carbon_price_yuan_per_t"])
    return CostTerm("green_carbon", [(c.var, c.col, c.coef * discount[c.year] * P) for c in quantities.emissions(ix, inp)
                                     if c.name in CLUSTER_GREEN + LOCAL_GREEN])


def pue_retrofit(ix: Index, inp: xr.Dataset) -> CostTerm:
    """pue_retrofit = Σ_{r,y} δ_y · (CRF · c_R · Σ_{y'≤y} retrofit[r,y'] − 8760 · 1000 · p[r] · pue_saving[r,y])"""
    discount = inp["discount_factor"].to_numpy()
    annuity = np.tile(annuity_years(discount), ix.R)
    capex = float(inp["capital_recovery_factor"]) * float(inp["pue_retrofit_cost_yuan_per_rack"]) * annuity
    saving = np.repeat(inp["local_grid_price_yuan_per_kwh"].to_numpy(), ix.Y) * np.tile(discount, ix.R) * float(inp.attrs["hours_per_year"]) * 1000
    ry = np.arange(ix.R * ix.Y)
    return CostTerm("pue_retrofit", [("retrofit", ry, capex), ("pue_saving", ry, -saving)])


FAMILIES = (
    Family("green_variables", "vars", green_variables, when=has_green),
)
ROW_FAMILIES = (
    Family("hydro_availability", "bound", hydro_availability, when=has_hydro,
           conflict="seasonal hydro available to {cluster} in month {month} of {year}"),
    Family("hydro_month_use", "rows", hydro_month_use, when=has_hydro,
           conflict="hydro used at {cluster} in month {month} of {year} (at most the load wind and solar leave)"),
    Family("green_claims", "rows", green_claims, when=has_claims,
           conflict="green power claimed at {cluster} in {year} (trading + certificates ≤ grid draw)"),
    Family("trade_hourly_delivery", "rows", trade_hourly_delivery, when=hourly_claims,
           conflict="green-power trading delivered at {cluster} in hour {hour} of day {day}, {year} (≤ the grid draw of the hour)"),
    Family("local_green_claims", "rows", local_green_claims, when=has_local_claims,
           conflict="green power claimed by the own stock of {region} in {year} (≤ its grid energy)"),
    Family("green_trade_market", "rows", green_trade_market, when=has_claims,
           conflict="green-power trading open to data centres in {year}"),
    Family("certificate_market", "rows", certificate_market, when=has_claims,
           conflict="green certificates open to data centres in {year}"),
    Family("pue_retrofit_reach", "rows", pue_retrofit_reach, when=has_retrofit,
           conflict="PUE saving of {region}'s own stock in {year} (racks retrofitted so far)"),
    Family("pue_retrofit_load", "rows", pue_retrofit_load, when=has_retrofit,
           conflict="PUE saving of {region}'s own stock in {year} (its occupied racks)"),
)
COST_FAMILIES = (
    Family("green_procurement", "cost", green_procurement, when=lambda inp: has_hydro(inp) or has_claims(inp)),
    Family("green_carbon", "cost", green_carbon, when=lambda inp: has_claims(inp) or has_retrofit(inp)),
    Family("pue_retrofit", "cost", pue_retrofit, when=has_retrofit),
)


# hydro supplies power; claims count in the green share (hour by hour: a trade only)
contrib.contribute("power_balance", has_hydro, _hydro_term(1.0))
contrib.contribute("green_share", has_hydro, _hydro_term(None))
contrib.contribute("green_share", has_claims, _ky_term("trade"))
contrib.contribute("green_share", lambda inp: has_claims(inp) and _annual_matching(inp), _ky_term("gec"))
contrib.contribute("green_share_volume", has_claims, _ky_term("trade"))
contrib.contribute("green_share_volume", has_claims, _ky_term("gec"))
# claims and PUE savings take their CO2 off every emission total (factors: model/inputs/green.py)
quantities.emitter(has_claims, _claims("green_trade", "trade", "cluster", "claim_co2_t_per_mwh"))
quantities.emitter(has_claims, _claims("certificates", "gec", "cluster", "claim_co2_t_per_mwh", certificate=True))
quantities.emitter(has_local_claims, _claims("local_green_trade", "local_trade", "region", "local_claim_co2_t_per_mwh"))
quantities.emitter(has_local_claims, _claims("local_certificates", "local_gec", "region", "local_claim_co2_t_per_mwh", certificate=True))
quantities.emitter(has_retrofit, _claims("pue_saving", "pue_saving", "region", "region_co2_t_per_mwh"))
