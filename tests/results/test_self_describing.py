"""results.nc is enough on its own: an independent program that imports nothing from ``model``
(only numpy, xarray and highspy) reads the file, recomputes every derived input from the raw
inputs stored beside it, rebuilds the objective from the decisions, and on a small instance
rebuilds the whole LP, solves it with HiGHS and reaches the same objective (to 1e-6).

Everything below ``# ---- independent`` is that program: it follows docs/math.md, not the code.
"""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from tiny import scenario_file, write_dataset

# ---- independent: from here on, numpy + xarray + highspy and the file only ---------------------


def rederive(f: xr.Dataset) -> None:
    """Every derived input equals what its raw inputs give (docs/math.md, derived_from attrs)."""
    rho, life = float(f["discount_rate"]), float(f["capex_lifetime_years"])
    crf = 1 / life if rho == 0 else rho / (1 - (1 + rho) ** -life)
    assert float(f["capital_recovery_factor"]) == pytest.approx(crf, rel=1e-12)
    years = f["year"].to_numpy().astype(float)
    assert np.allclose(f["discount_factor"], (1 + rho) ** -(years - years[0]), rtol=1e-12)
    dist = f["distance_km"].transpose("region", "cluster").to_numpy()
    route_km = float(f["route_factor"]) * dist
    tau = f["data_tb_per_rack_year"].to_numpy()[None, None, :] * (
        float(f["transport_yuan_per_tb"]) + float(f["transport_yuan_per_tb_per_1000km"]) * route_km[:, :, None] / 1000)
    assert np.allclose(f["transport_yuan_per_rack_year"].transpose("region", "cluster", "workload"), tau, rtol=1e-12)
    if f["latency_ms"].attrs["source"] == "modelled":
        lat = float(f["latency_overhead_ms"]) + route_km / float(f["fibre_km_per_ms"])
        assert np.allclose(f["latency_ms"].transpose("region", "cluster"), lat, rtol=1e-12)
    for kind, scale in (("grid", "electricity_price_scale"), ("green", "green_price_scale")):
        assert np.allclose(f[f"{kind}_price_yuan_per_kwh"], float(f[scale]) * f[f"{kind}_price_unscaled_yuan_per_kwh"])
    co2 = f["region_co2_t_per_mwh"].to_series()
    assert np.allclose(f["cluster_co2_t_per_mwh"], co2[f["cluster_region"].to_numpy().astype(str)].to_numpy())
    levers = dict(zip(f["scenario_lever"].to_numpy().astype(str), f["scenario_lever_value"].to_numpy()))
    scale = levers.get("demand.scale", 1.0)
    if not any(k.startswith("demand.") and k != "demand.scale" for k in levers):
        assert np.allclose(f["demand"], scale * f["demand_dataset"])


def layout(f: xr.Dataset) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Column blocks of the LP (docs/math.md, Variables): name → (offset, shape)."""
    R, K, W, Y = (f.sizes[d] for d in ("region", "cluster", "workload", "year"))
    shapes = {"x": (R, K, W, Y), "unmet": (R, W, Y), "build": (K, Y), "build_above": (K, Y), "build_ai": (K, Y), "retire": (K, Y),
              "grid": (K, Y), "green": (K, Y),
              "util_short": (K, Y), "green_short": (K, Y), "west_short": (Y,)}
    out, off = {}, 0
    for name, shape in shapes.items():
        out[name] = (off, shape)
        off += int(np.prod(shape))
    return out


def cost_vector(f: xr.Dataset) -> np.ndarray:
    """The objective's coefficients (docs/math.md, Objective), from the file's inputs."""
    L = layout(f)
    n = sum(int(np.prod(s)) for _, s in L.values())
    c = np.zeros(n)

    def put(name, coef):
        off, shape = L[name]
        c[off: off + int(np.prod(shape))] = np.broadcast_to(coef, shape).ravel()

    df = f["discount_factor"].to_numpy()
    H = float(f.attrs["hours_per_year"])
    crf = float(f["capital_recovery_factor"])
    annuity = np.cumsum(df[::-1])[::-1]  # a rack built in y' is paid in every year y ≥ y'
    capex, o = f["capex_yuan_per_rack"].to_numpy()[:, None], f["opex_yuan_per_rack_year"].to_numpy()[:, None]
    s_f = float(f["fixed_opex_share"])  # fixed opex per rack in service: racks built add it, racks retired save it
    put("build", (crf * capex + s_f * o) * annuity[None, :])
    put("build_above", crf * float(f["above_plan_capex_premium"]) * capex * annuity[None, :])
    put("retire", -s_f * o * annuity[None, :])
    put("build_ai", crf * float(f["ai_capex_premium"]) * capex * annuity[None, :])
    e = f["cluster_co2_t_per_mwh"].to_numpy()[:, None]
    put("grid", df * H * (1000 * f["grid_price_yuan_per_kwh"].to_numpy()[:, None] + float(f["carbon_price_yuan_per_t"]) * e))
    put("green", df * H * 1000 * f["green_price_yuan_per_kwh"].to_numpy()[:, None])
    tau = f["transport_yuan_per_rack_year"].transpose("region", "cluster", "workload").to_numpy()
    opex = (1 - s_f) * f["opex_yuan_per_rack_year"].to_numpy()[None, :, None]  # variable part, per occupied rack-year
    put("x", (tau + opex)[..., None] * df)
    fallback_t = float(f["fallback_co2_t_per_mwh"]) * H * float(f["fallback_pue"]) * f["kw_per_rack"].to_numpy() / 1000
    value = float(f["unmet_penalty_yuan_per_rack_year"]) * f["unmet_value_ratio"].to_numpy()  # V · λ[w], per class
    put("unmet", (value + float(f["carbon_price_yuan_per_t"]) * fallback_t)[:, None] * df)
    P = float(f["policy_penalty_yuan_per_rack_year"])
    put("util_short", P * df)
    put("green_short", P * f["racks_per_mw"].to_numpy()[:, None] * df)
    put("west_short", P * df)
    return c


def local_cost(f: xr.Dataset) -> float:
    """The cost of the provinces' own stock (docs/math.md, Objective: local_*), from the file."""
    if "local_served" not in f:
        return 0.0
    df = f["discount_factor"].to_numpy()
    H = float(f.attrs["hours_per_year"])
    local = f["local_served"].transpose("region", "workload", "year").to_numpy()
    kwh = H * f["local_pue"].to_numpy()[:, None] * f["kw_per_rack"].to_numpy()[None, :]  # (R, W) per rack-year
    e = f["region_co2_t_per_mwh"].to_numpy()[:, None]
    per_rack = (kwh * (f["local_grid_price_yuan_per_kwh"].to_numpy()[:, None] + float(f["carbon_price_yuan_per_t"]) * e / 1000)
                + (1 - float(f["fixed_opex_share"])) * f["local_opex_yuan_per_rack_year"].to_numpy()[:, None])
    annuity = np.cumsum(df[::-1])[::-1]
    capex = float(f["capital_recovery_factor"]) * f["local_capex_yuan_per_rack"].to_numpy()[:, None] * annuity[None, :]
    fixed = float(f["fixed_opex_share"]) * f["local_opex_yuan_per_rack_year"].to_numpy()[:, None] * annuity[None, :]
    added, retired = (f[v].transpose("region", "year").to_numpy() for v in ("local_build", "local_retire"))
    # the national market: r's work in s's stock pays s's per-rack cost and the transport r → s
    remote = f["remote_served"].transpose("region", "stock", "workload", "year").to_numpy()
    tau = f["remote_transport_yuan_per_rack_year"].transpose("region", "stock", "workload").to_numpy()
    own = local - remote.sum(axis=1)  # local_served counts the work served in another's stock too
    return float((per_rack[..., None] * own * df).sum() + ((per_rack[None] + tau)[..., None] * remote * df).sum()
                 + ((capex + fixed) * added - fixed * retired).sum())


def green_cost(f: xr.Dataset) -> float:
    """Green procurement, the CO2 its claims and PUE savings take off, and retrofits (docs/math.md,
    "Green power as China counts it"; Objective: green_procurement, carbon, local_carbon, pue_retrofit)."""
    if "green_trade_mw" not in f:
        return 0.0
    df = f["discount_factor"].to_numpy()
    H, P = float(f.attrs["hours_per_year"]), float(f["carbon_price_yuan_per_t"])
    c_g, pt, pg = float(f["certificates_count_for_carbon"]), float(f["green_trade_premium_yuan_per_kwh"]), float(f["certificate_price_yuan_per_mwh"])
    ky = lambda v: f[v].transpose("cluster", "year").to_numpy()  # noqa: E731
    ry = lambda v: f[v].transpose("region", "year").to_numpy()  # noqa: E731
    per_year = (H * 1000 * f["hydro_price_yuan_per_kwh"].to_numpy()[:, None] * ky("hydro_mw")
                + H * (1000 * pt * ky("green_trade_mw") + pg * ky("certificate_mw"))
                - P * H * f["claim_co2_t_per_mwh"].to_numpy()[:, None] * (ky("green_trade_mw") + c_g * ky("certificate_mw"))).sum(axis=0)
    per_year += (H * (1000 * pt * ry("local_green_trade_mw") + pg * ry("local_certificate_mw"))
                 - P * H * f["local_claim_co2_t_per_mwh"].to_numpy()[:, None] * (ry("local_green_trade_mw") + c_g * ry("local_certificate_mw"))
                 - H * (P * f["region_co2_t_per_mwh"].to_numpy()[:, None] + 1000 * f["local_grid_price_yuan_per_kwh"].to_numpy()[:, None])
                 * ry("local_pue_saving_mw")).sum(axis=0)
    annuity = np.cumsum(df[::-1])[::-1]
    retrofit = float(f["capital_recovery_factor"]) * float(f["pue_retrofit_cost_yuan_per_rack"]) * (annuity * ry("local_retrofit")).sum()
    return float((per_year * df).sum() + retrofit)


def decisions(f: xr.Dataset) -> np.ndarray:
    names = {"x": "allocation", "unmet": "unmet", "build": "build", "build_above": "build_above_plan", "build_ai": "build_ai",
             "retire": "retire",
             "grid": "grid_mw", "green": "green_mw",
             "util_short": "utilisation_shortfall", "green_short": "green_shortfall_mw", "west_short": "west_shortfall"}
    order = {"x": ("region", "cluster", "workload", "year"), "unmet": ("region", "workload", "year")}
    return np.concatenate([f[v].transpose(*order.get(k, f[v].dims)).to_numpy().ravel() for k, v in names.items()])


def rebuild_and_solve(f: xr.Dataset) -> float:
    """The whole LP (docs/math.md) from the file, solved by HiGHS; returns the optimum."""
    import highspy

    assert not bool(f["n_minus_1"]) and np.isnan(float(f["emission_cap_t"])) and np.isnan(float(f["block_racks"]))
    L = layout(f)
    R, K, W, Y = (f.sizes[d] for d in ("region", "cluster", "workload", "year"))
    n = sum(int(np.prod(s)) for _, s in L.values())

    def col(name, *idx):
        off, shape = L[name]
        return off + int(np.ravel_multi_index(idx, shape))

    rows, lo, hi = [], [], []

    def row(coefs: dict[int, float], lower: float, upper: float):
        rows.append(coefs)
        lo.append(lower)
        hi.append(upper)

    adm = f["admissible"].transpose("region", "cluster", "workload").to_numpy().astype(bool)
    D = f["demand"].transpose("region", "workload", "year").to_numpy()
    a = f["available"].transpose("cluster", "year").to_numpy()
    inst, planned = f["installed_racks"].to_numpy(), f["planned_racks"].to_numpy()
    pue, kw = f["pue"].to_numpy(), f["kw_per_rack"].to_numpy()
    west, rt = f["west"].to_numpy().astype(bool), f["realtime"].to_numpy().astype(bool)
    phi, sg, sw = float(f["utilisation_floor"]), float(f["min_green_share"]), float(f["min_west_share"])
    for r in range(R):  # demand balance
        for w in range(W):
            for y in range(Y):
                row({**{col("x", r, k, w, y): 1.0 for k in range(K)}, col("unmet", r, w, y): 1.0}, D[r, w, y], D[r, w, y])
    for k in range(K):
        for y in range(Y):
            load = {col("x", r, k, w, y): 1.0 for r in range(R) for w in range(W)}
            builds = {col("build", k, t): 1.0 for t in range(y + 1)}
            # capacity: load − a·Σ build ≤ a·installed
            row({**load, **{j: -a[k, y] * v for j, v in builds.items()}}, -np.inf, a[k, y] * inst[k])
            # power: grid + green − PUE/1000 Σ kW x = 0
            row({col("grid", k, y): 1.0, col("green", k, y): 1.0,
                 **{col("x", r, k, w, y): -pue[k] * kw[w] / 1000 for r in range(R) for w in range(W)}}, 0.0, 0.0)
            # utilisation floor: load + short ≥ φ·a·(installed + Σ build)
            row({**load, **{j: -phi * a[k, y] for j in builds}, col("util_short", k, y): 1.0}, phi * a[k, y] * inst[k], np.inf)
            # green share: (1 − s) green − s grid + short ≥ 0
            row({col("green", k, y): 1 - sg, col("grid", k, y): -sg, col("green_short", k, y): 1.0}, 0.0, np.inf)
        row({col("build", k, y): 1.0 for y in range(Y)}, -np.inf, planned[k] - inst[k])  # build potential
    for y in range(Y):  # western share of non-real-time work
        coefs = {col("x", r, k, w, y): float(west[k]) - sw for r in range(R) for k in range(K) for w in range(W) if not rt[w]}
        row({**coefs, col("west_short", y): 1.0}, 0.0, np.inf)

    lb, ub = np.zeros(n), np.full(n, np.inf)
    for r, k, w in zip(*np.nonzero(~adm)):  # no arc: no column
        for y in range(Y):
            ub[col("x", r, k, w, y)] = 0.0
    if not bool(f["allow_unmet"]):
        ub[L["unmet"][0]: L["unmet"][0] + R * W * Y] = 0.0
    for k in range(K):
        for y in range(Y):
            ub[col("build", k, y)] = f["build_limit_racks_per_year"].to_numpy()[k]
            ub[col("grid", k, y)] = f["grid_limit_mw"].to_numpy()[k]
            ub[col("green", k, y)] = f["green_avail_mw"].to_numpy()[k]

    cols: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for i, coefs in enumerate(rows):
        for j, v in coefs.items():
            if v != 0:
                cols[j].append((i, v))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost_vector(f), lb, ub
    lp.row_lower_, lp.row_upper_ = np.array(lo), np.array(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.cumsum([0] + [len(c) for c in cols]).astype(np.int32)
    lp.a_matrix_.index_ = np.array([i for c in cols for i, _ in c], dtype=np.int32)
    lp.a_matrix_.value_ = np.array([v for c in cols for _, v in c], dtype=float)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    return h.getInfo().objective_function_value


# ---- the checks ---------------------------------------------------------------------------------

def write_results(res, tmp_path):
    from model.reports.files import write_outputs

    return xr.load_dataset(write_outputs(res, tmp_path / "out")["results.nc"])


def test_reference_objective_rebuilt_from_results_nc(tmp_path):
    """The bundled reference scenario (all cost terms, policy floors active)."""
    from pathlib import Path

    from model.inputs.scenario import load_scenario
    from model.run import solve_scenario

    sc = load_scenario(Path(__file__).resolve().parents[2] / "data" / "scenarios" / "west_push.yaml")
    f = write_results(solve_scenario(sc), tmp_path)
    rederive(f)
    objective = float(cost_vector(f) @ decisions(f)) + local_cost(f) + green_cost(f)
    assert objective == pytest.approx(float(f.attrs["objective"]), rel=1e-6)
    assert objective == pytest.approx(float(f["cost"].sum()), rel=1e-6)


def test_whole_lp_rebuilt_from_results_nc_and_solved_with_highs(tmp_path):
    """A small instance where every cost term and policy family is active: the LP rebuilt from
    results.nc alone reaches the solved objective."""
    from model.inputs.scenario import load_scenario
    from model.run import solve_scenario

    ds = write_dataset(
        tmp_path / "data",
        clusters={"a": {"installed_racks": 40, "planned_racks": 60, "build_limit_racks_per_year": 15,
                        "capex_yuan_per_rack": 20000, "green_avail_mw": 0.01, "grid_limit_mw": 1.0},
                  "b": {"hub_id": "h_west", "region_id": "r2", "lat": 38.0, "lon": 106.0, "installed_racks": 20,
                        "planned_racks": 200, "build_limit_racks_per_year": 60, "capex_yuan_per_rack": 30000,
                        "grid_price_yuan_per_kwh": 0.05, "green_avail_mw": 0.03, "green_price_yuan_per_kwh": 0.3,
                        "pue": 1.2}},
        regions={"r1": {}, "r2": {"lat": 38.5, "lon": 106.3, "co2_t_per_mwh": 0.8}},
        workloads={"w": {"data_tb_per_rack_year": 5.0}, "rt": {"realtime": "true", "kw_per_rack": 2.0}},
        demand={("r1", "w", 2026): 50, ("r1", "rt", 2026): 10, ("r2", "w", 2026): 20, ("r2", "rt", 2026): 5,
                ("r1", "w", 2027): 80, ("r1", "rt", 2027): 12, ("r2", "w", 2027): 30, ("r2", "rt", 2027): 6},
        settings={"years": [2026, 2027], "discount_rate": 0.05, "capex_lifetime_years": 10,
                  "carbon_price_yuan_per_t": 60.0, "transport_yuan_per_tb": 20.0,
                  "transport_yuan_per_tb_per_1000km": 10.0, "route_factor": 1.5, "latency_overhead_ms": 1.0,
                  "utilisation_floor": 0.5, "min_green_share": 0.3, "min_west_share": 0.6,
                  "policy_penalty_yuan_per_rack_year": 5000.0, "unmet_penalty_yuan_per_rack_year": 60000.0})
    sc = load_scenario(scenario_file(tmp_path, ds, {"demand": {"scale": 1.1}, "electricity_price_scale": 1.5}))
    f = write_results(solve_scenario(sc), tmp_path)
    rederive(f)
    for term in ("capex", "electricity", "transport", "carbon", "policy_penalty"):
        assert float(f["cost"].sel(cost_term=term)) > 0, term  # every term is in play
    assert float(cost_vector(f) @ decisions(f)) == pytest.approx(float(f.attrs["objective"]), rel=1e-6)
    assert rebuild_and_solve(f) == pytest.approx(float(f.attrs["objective"]), rel=1e-6)
