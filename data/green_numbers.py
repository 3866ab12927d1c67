"""Print the green-power numbers of issue 19: the H2 test inside the model and the carbon-price sweep.

H2 (Zhang, Li & Wang, Applied Energy 2025: Beijing → Inner Mongolia +24.9 % CO2 on grid average,
Shanghai → Sichuan −79.6 %): a block of B racks of processing work, every year, either in the
origin province's own stock or at the destination cluster. CO2 of the block
- on grid-average factors: e_loc · PUE · kW · B · 8760 / 1000 at each end;
- on the model's accounting: the LP (reference data) solved with the block's facility power added
  at the destination (``power_balance`` and ``hydro_month_use`` right-hand sides) or at the origin's
  own stock (``local_green_claims``, ``pue_retrofit_load``); the block's CO2 is the change of the
  system's emissions (``emission_cap`` row activity) plus, at the origin, the block's grid energy
  × the factor used (a constant the LP does not carry). Market accounting (residual factors and
  claims) and location accounting (claims worth nothing) both.

Carbon sweep: the reference at carbon price × 1, × 3, × 10: emissions of the clusters and of the
provinces' own stock, green power by kind, the western share of each class.
Run: ``python data/green_numbers.py``.
"""
from __future__ import annotations

import highspy
import numpy as np

from model.formulation import build_lp
from model.inputs import build_inputs
from model.inputs.scenario import SCENARIOS, load_scenario, scenario_from_dict
from model.run import solve_scenario

B = 10_000  # standard racks moved
CLASS = "processing"
MOVES = (("beijing", "horinger"), ("shanghai", "tianfu"))


def _solve(lp) -> tuple[float, np.ndarray]:
    """HiGHS on the LP's numbers; returns (objective, row activities)."""
    rows, cols, vals = lp.matrix_entries()
    lo, hi = lp.row_bounds()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    n = lp.num_cols
    h.addVars(n, np.zeros(n), lp.column_upper())
    h.changeColsCost(n, np.arange(n, dtype=np.int32), lp.column_cost())
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.searchsorted(rows, np.arange(lo.size)).astype(np.int32)
    h.addRows(lo.size, lo, hi, vals.size, starts, cols.astype(np.int32), vals)
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    return h.getInfo().objective_function_value, np.asarray(h.getSolution().row_value)


def _row(lp, name: str):
    r0 = 0
    for rb in lp.rows:
        if rb.name == name:
            return rb, r0
        r0 += rb.size
    raise KeyError(name)


def _shift(lp, name: str, where: dict, extra: float):
    """A copy of lp whose rows ``name`` matching ``where`` (label position → id) have hi (and lo if
    equal) raised by ``extra``."""
    rb, _ = _row(lp, name)
    hit = np.array([all(lab[i] == v for i, v in where.items()) for lab in rb.labels])
    lo, hi = rb.lo.copy(), rb.hi.copy()
    eq = lo == hi
    hi[hit] += extra
    lo[hit & eq] += extra
    return lp.with_row_bounds(name, lo, hi)


def block_co2(accounting: str) -> dict:
    inp = build_inputs(scenario_from_dict({"name": "h2", "emission_accounting": accounting}))
    lp = build_lp(inp)
    rb, r0 = _row(lp, "emission_cap")
    _, act = _solve(lp)
    base = act[r0]
    kw = float(inp["kw_per_rack"].sel(workload=CLASS))
    Y, H = inp.sizes["year"], float(inp.attrs["hours_per_year"])
    out = {}
    for origin, dest in MOVES:
        pue_k = float(inp["pue"].sel(cluster=dest))
        pue_r = float(inp["local_pue"].sel(region=origin))
        mw_k, mw_r = pue_k * kw * B / 1000, pue_r * kw * B / 1000
        at_dest = _shift(lp, "power_balance", {0: dest}, mw_k)
        if any(r.name == "hydro_month_use" for r in lp.rows):
            at_dest = _shift(at_dest, "hydro_month_use", {0: dest}, mw_k)
        _, a = _solve(at_dest)
        co2_dest = (a[r0] - base) / Y
        at_origin = _shift(lp, "local_green_claims", {0: origin}, mw_r)
        if any(r.name == "pue_retrofit_load" for r in lp.rows):
            step = float(inp["pue_retrofit_step"].sel(region=origin))
            at_origin = _shift(at_origin, "pue_retrofit_load", {0: origin}, step * kw * B / 1000)
        _, a = _solve(at_origin)
        co2_origin = (a[r0] - base) / Y + float(inp["region_co2_t_per_mwh"].sel(region=origin)) * mw_r * H
        e_o = float(inp["region_co2_location_t_per_mwh"].sel(region=origin))
        e_d = float(inp["cluster_co2_location_t_per_mwh"].sel(cluster=dest))
        out[(origin, dest)] = dict(grid_avg=(e_o * mw_r * H, e_d * mw_k * H), model=(co2_origin, co2_dest))
    return out


def sweep():
    ref = load_scenario(SCENARIOS / "reference.yaml")
    p0 = None
    for mult in (1, 3, 10):
        sc = ref.model_copy(deep=True)
        base = solve_scenario(sc) if p0 is None else None
        p0 = p0 or float(base["carbon_price_yuan_per_t"])
        res = base if mult == 1 else solve_scenario(sc.model_copy(update={"carbon_price_yuan_per_t": p0 * mult}))
        H = float(res.attrs["hours_per_year"])

        def twh(v: str, res=res, H=H) -> float:  # average MW over the years → TWh over the horizon
            return float(res[v].sum()) * H / 1e6
        served = res["served"].sum(("region", "year"))
        west = res["allocation"].where(res["west"]).sum(("region", "cluster", "year"))
        local = res["local_served"].sum(("region", "year"))
        share = {w: float(west.sel(workload=w) / (served.sel(workload=w) + local.sel(workload=w)))
                 for w in res.workload.values}
        unmet_t = float(res["unmet_emissions_t"].sum()) if "unmet_emissions_t" in res else 0.0
        print(f"\ncarbon × {mult} ({p0 * mult:.0f} yuan/t): emissions clusters {float(res['emissions_t'].sum()) / 1e6:.1f} Mt, "
              f"own stock {float(res['local_emissions_t'].sum()) / 1e6:.1f} Mt, unmet at the fallback factor {unmet_t / 1e6:.1f} Mt (horizon)")
        print(f"  green TWh over the horizon: clusters direct wind/solar {twh('green_mw'):.1f}, hydro {twh('hydro_mw'):.1f}, "
              f"trading {twh('green_trade_mw'):.1f}, certificates {twh('certificate_mw'):.1f}; own stock trading "
              f"{twh('local_green_trade_mw'):.1f}, certificates {twh('local_certificate_mw'):.1f}, PUE saving {twh('local_pue_saving_mw'):.1f}")
        print("  western share of each class (of all served, own stock included): "
              + ", ".join(f"{w} {v:.1%}" for w, v in share.items()))
        print(f"  unmet {float(res['unmet'].sum()) / 1e6:.2f} M rack-years; objective {res.attrs['objective'] / 1e8:,.0f} 亿元")


def main() -> None:
    for accounting in ("market", "location"):
        print(f"\nH2, {accounting} accounting: CO2 of {B:,} {CLASS} racks a year (t/yr)")
        for (o, d), v in block_co2(accounting).items():
            (go, gd), (mo, md) = v["grid_avg"], v["model"]
            print(f"  {o} → {d}: grid average {go:,.0f} → {gd:,.0f} ({gd / go - 1:+.1%}); "
                  f"model {mo:,.0f} → {md:,.0f} ({md / mo - 1:+.1%})")
    sweep()


if __name__ == "__main__":
    main()
