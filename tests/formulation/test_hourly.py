"""The hourly power model (resolution: hourly): hand instances with the optimum in the comments,
equivalences with the annual model and the full year, properties, and bad profile files.

Unless said otherwise (tests/tiny.py): PUE 1, 1 kW per rack, one year, no discounting, so 1000
racks are 1 MW and a MW for an hour at p yuan/kWh costs 1000·p yuan.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from tiny import scenario_file, solve_tiny, write_dataset
from typer.testing import CliRunner

from model.cli import app
from model.reports import summary

Y = 2026
HOURS = 8760
SUN = [10, 11, 12, 13]  # the solar hours of the hand instances' day


def write_profiles(path, columns: dict) -> str:
    """columns: name -> 24 values (repeated every day) or 8,760 values."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame({c: np.tile(v, 365) if len(v) == 24 else v for c, v in columns.items()})
    df.insert(0, "hour", np.arange(HOURS))
    df.to_csv(path, index=False)
    return str(path)


def sun_day(level: float = 1.0) -> np.ndarray:
    d = np.zeros(24)
    d[SUN] = level
    return d


ROOM = {"installed_racks": 10_000, "planned_racks": 10_000}


def solve(tmp_path, clusters: dict, *args, **kw):
    """solve_tiny with room for 10 000 racks at every cluster."""
    return solve_tiny(tmp_path, {k: {**ROOM, **v} for k, v in clusters.items()}, *args, **kw)


def hourly(tmp_path, profiles: dict, **opts) -> dict:
    return {"resolution": "hourly",
            "hourly": {"capacity_factors": write_profiles(tmp_path / "cf.csv", profiles), "representative_days": 1, **opts}}


def it_load(res, w, h=None):
    v = res["hourly_it_mw"].sel(cluster="a", workload=w, year=Y, day=0)
    return v.values if h is None else float(v.sel(hour=h))


TWO_CLASSES = {"rt": {}, "batch": {}}
DEMAND = {("r1", "rt", Y): 1000, ("r1", "batch", Y): 1000}


def test_flexible_load_moves_to_the_solar_hours(tmp_path):
    """1 MW of inflexible work (rt) and 1 MW of flexible work (batch, band ±0.5); solar only in
    hours 10–13 (capacity factor 1), green 0.05 yuan/kWh take-or-pay, grid 0.1 yuan/kWh.
    Batch runs at 1.5 MW in the 4 solar hours (+2 MWh) and 24 − 6 = 18 MWh in the other 20 (0.9 MW
    on average; how it spreads over them does not change the cost);
    rt stays at 1 MW. Green capacity = the solar-hour load 2.5 MW (more would be curtailed).
    Cost per year: grid 20 h · 1.9 MW · 365 · 100 = 1 387 000; green 2.5 · 4 · 365 · 50 = 182 500;
    total 1 569 500. Without the band: grid 20·2·365·100 = 1 460 000 + green 2·4·365·50 = 146 000
    = 1 606 000, so flexibility saves 36 500 (2 MWh a day moved from 100 to 50 yuan/MWh).
    Families: hourly_power_balance, flexible_daily_energy, flexible_upper, green_supply,
    green_potential, grid_average, green_average."""
    clusters = {"a": {"green_avail_mw": 10.0, "green_price_yuan_per_kwh": 0.05}}
    prof = {"a/solar": sun_day(), "a/wind": np.zeros(24)}
    res = solve(tmp_path, clusters, {"r1": {}}, DEMAND, TWO_CLASSES,
                     scenario=hourly(tmp_path, prof, flexible_classes=["batch"], flexibility_band=0.5))
    s = summary(res)
    assert s["status"] == "optimal"
    assert s["objective"] == pytest.approx(1_569_500, rel=1e-6)
    batch = it_load(res, "batch")
    assert batch[SUN] == pytest.approx([1.5] * 4, abs=1e-6)
    rest = np.delete(batch, SUN)  # 18 MWh over the other 20 hours, each within the band (any split is optimal)
    assert rest.sum() == pytest.approx(18.0, abs=1e-6)
    assert (rest >= 0.5 - 1e-9).all() and (rest <= 1.5 + 1e-9).all()
    assert it_load(res, "rt") == pytest.approx([1.0] * 24, abs=1e-6)  # inflexible work does not move
    assert float(res["green_capacity_mw"].sel(cluster="a", technology="solar", year=Y)) == pytest.approx(2.5, abs=1e-6)
    assert float(res["flexible_shift_mwh"].sum()) >= 2 * 365 - 1e-6  # at least the 2 MWh a day moved into the sun
    # both green scores: 2.5·4 MWh of 48 MWh a day, all of it used in its hour
    assert s["kpis"]["green_cfe_score"] == pytest.approx(10 / 48, rel=1e-6)
    assert s["kpis"]["green_volume_score"] == pytest.approx(10 / 48, rel=1e-6)

    # the typical-day chart stacks green used + grid up to the facility load in every hour
    from model.reports.charts import typical_day
    fig = typical_day(res, "a", Y)
    by_name = {t.name: np.asarray(t.y) for t in fig.data}
    assert by_name["green used 绿电"] + by_name["grid 电网"] == pytest.approx(by_name["facility load 设施负荷"], abs=1e-6)
    assert by_name["green used 绿电"][SUN] == pytest.approx([2.5] * 4, abs=1e-6)

    rigid = solve(tmp_path / "rigid", clusters, {"r1": {}}, DEMAND, TWO_CLASSES,
                       scenario=hourly(tmp_path / "rigid", prof, flexible_classes=["batch"], flexibility_band=0.0))
    assert rigid.attrs["objective"] == pytest.approx(1_606_000, rel=1e-6)
    assert it_load(rigid, "batch") == pytest.approx([1.0] * 24, abs=1e-6)


def test_storage_charges_when_green_exceeds_load(tmp_path):
    """1 MW inflexible load; solar in hours 10–13; green 0.01 yuan/kWh, grid 0.1; a battery of
    efficiency 1 at 3 650 yuan per MWh-year (10 yuan/MWh a day) and free power capacity.
    Storing a MWh costs 10 (green) + 10 (battery) < 100 (grid), so all night load comes from the
    battery: solar capacity c with (c − 1)·4 = 20 MWh → c = 6 MW; the battery charges 5 MW in the
    solar hours and holds 20 MWh at the end of hour 13. Grid 0.
    Cost: green 6·4·365·10 = 87 600 + battery 20·3 650 = 73 000 → 160 600 yuan.
    Families: storage_balance, storage_charge_power, storage_discharge_power, storage_energy,
    charge_from_green, cost term storage."""
    res = solve(tmp_path, {"a": {"green_avail_mw": 10.0, "green_price_yuan_per_kwh": 0.01}}, {"r1": {}},
                     {("r1", "rt", Y): 1000}, {"rt": {}},
                     scenario=hourly(tmp_path, {"a/solar": sun_day(), "a/wind": np.zeros(24)}, flexible_classes=[],
                                     storage={"power_cost_yuan_per_mw_year": 0.0, "energy_cost_yuan_per_mwh_year": 3650.0,
                                              "round_trip_efficiency": 1.0}))
    assert res.attrs["objective"] == pytest.approx(160_600, rel=1e-6)
    charge = res["hourly_charge_mw"].sel(cluster="a", year=Y, day=0).values
    assert charge[SUN] == pytest.approx([5.0] * 4, abs=1e-6)
    assert np.delete(charge, SUN) == pytest.approx([0.0] * 20, abs=1e-6)
    assert float(res["storage_energy_mwh"].sel(cluster="a", year=Y)) == pytest.approx(20.0, abs=1e-6)
    assert float(res["hourly_soc_mwh"].sel(cluster="a", year=Y, day=0, hour=13)) == pytest.approx(20.0, abs=1e-6)
    assert res["hourly_grid_mw"].values.ravel() == pytest.approx(np.zeros(24), abs=1e-6)
    assert float(res["green_cfe_score"].sel(cluster="a", year=Y)) == pytest.approx(1.0, abs=1e-6)


def test_grid_peak_limit_binds_in_one_hour(tmp_path):
    """1000 racks of inflexible work whose load doubles at 20:00 (shape 2 there, 22/23 elsewhere);
    grid limit 1.5 MW, no green. The peak hour needs 2·x/1000 MW ≤ 1.5 → x = 750 racks served,
    250 unmet. Only hour 20 is at the limit. One more MW of connection serves 500 racks more:
    500 · (100 000 penalty − 8.76 MWh · 100 yuan) = 49 562 000 yuan per MW-year."""
    shape = np.full(24, 22 / 23)
    shape[20] = 2.0
    shapes = tmp_path / "shapes.csv"
    pd.DataFrame({"hour": range(24), "rt": shape}).to_csv(shapes, index=False)
    res = solve(tmp_path, {"a": {"grid_limit_mw": 1.5, "installed_racks": 2000, "planned_racks": 2000}},
                     {"r1": {}}, {("r1", "rt", Y): 1000}, {"rt": {}},
                     scenario={"resolution": "hourly", "hourly": {"representative_days": 1, "demand_shapes": str(shapes),
                                                                   "flexible_classes": []}})
    assert float(res["served"].sum()) == pytest.approx(750, abs=1e-6)
    assert set(res["unmet_reason"].values.ravel()) == {"admissible clusters full (capacity, build or power limits)"}
    grid = res["hourly_grid_mw"].sel(cluster="a", year=Y, day=0).values
    assert grid[20] == pytest.approx(1.5, abs=1e-6)
    assert (np.delete(grid, 20) < 1.5 - 1e-3).all()
    assert float(res["peak_grid_mw"].sel(cluster="a", year=Y)) == pytest.approx(1.5, abs=1e-6)
    assert float(res["mw_value"].sel(cluster="a", year=Y)) == pytest.approx(49_562_000, rel=1e-6)


def test_flat_profiles_without_flexibility_equal_the_annual_model(tmp_path):
    """Capacity factors flat at 0.3, flat demand shapes, no flexible class: every hour is the
    average hour (one representative day stands for all 365), so the hourly model has the annual model's optimum (green capacity × 0.3 =
    the annual green MW, paid at the same price per MWh), here with a green-share policy that
    binds and a grid limit that binds — counted by volume (green_share_volume) or hour by hour
    (green_share on green used)."""
    clusters = {"a": {"green_avail_mw": 1.0, "green_price_yuan_per_kwh": 0.3, "grid_limit_mw": 1.2, "installed_racks": 5000,
                      "planned_racks": 5000},
                "b": {"green_avail_mw": 2.0, "green_price_yuan_per_kwh": 0.2, "grid_price_yuan_per_kwh": 0.15}}
    prof = {f"{k}/{t}": np.full(24, 0.3) for k in "ab" for t in ("wind", "solar")}
    demand = {("r1", "rt", Y): 2000, ("r1", "batch", Y): 1500}
    settings = {"carbon_price_yuan_per_t": 80.0}
    common = {"policy": {"min_green_share": 0.2}}
    annual = solve(tmp_path / "a", clusters, {"r1": {}}, demand, TWO_CLASSES, settings=settings,
                        scenario={**common, "hourly": {"capacity_factors": write_profiles(tmp_path / "a" / "cf.csv", prof)}})
    for matching in ("annual", "hourly"):
        h = solve(tmp_path / matching, clusters, {"r1": {}}, demand, TWO_CLASSES, settings=settings,
                       scenario={**common, **hourly(tmp_path / matching, prof, flexible_classes=[],
                                                    green_matching=matching)})
        assert h.attrs["objective"] == pytest.approx(annual.attrs["objective"], rel=1e-7), matching
        assert float(h["emissions_t"].sum()) == pytest.approx(float(annual["emissions_t"].sum()), rel=1e-6)


def _three_day_profiles():
    """A year made of three distinct days (calm sunny, windy, dull) in a fixed pattern."""
    rng = np.random.default_rng(1)
    days = {"a/solar": [sun_day(0.9), sun_day(0.3), sun_day(0.1)],
            "a/wind": [np.full(24, 0.1), rng.uniform(0.4, 0.9, 24), np.full(24, 0.3)],
            "b/solar": [sun_day(0.7), sun_day(0.5), sun_day(0.2)],
            "b/wind": [np.full(24, 0.2), rng.uniform(0.2, 0.6, 24), np.full(24, 0.5)]}
    pattern = np.arange(365) % 3
    return {c: np.concatenate([v[p] for p in pattern]) for c, v in days.items()}


SMALL = {"a": {"green_avail_mw": 2.0, "green_price_yuan_per_kwh": 0.05, "grid_limit_mw": 2.5},
         "b": {"green_avail_mw": 1.0, "green_price_yuan_per_kwh": 0.06, "grid_price_yuan_per_kwh": 0.12}}
SMALL_DEMAND = {("r1", "rt", Y): 1500, ("r1", "batch", Y): 1200}


def _solve_small(tmp_path, days, method="choose", **opts):
    return solve(tmp_path, SMALL, {"r1": {}}, SMALL_DEMAND, TWO_CLASSES, settings={"carbon_price_yuan_per_t": 100.0},
                      scenario={"resolution": "hourly", "policy": {"min_green_share": 0.3}, "solver": {"method": method},
                                "hourly": {"capacity_factors": write_profiles(tmp_path / "cf.csv", _three_day_profiles()),
                                           "representative_days": days, "flexible_classes": ["batch"], **opts}})


@pytest.mark.slow
def test_representative_days_recover_the_full_year(tmp_path):
    """The year has three distinct days: tsam with 3 representative days finds them, weights
    them 122/122/121 and reaches the full-year optimum (365 days) exactly. The full year of
    identical-looking days is highly degenerate for the simplex method: solved by IPM (~30 s)."""
    full = _solve_small(tmp_path / "full", "full_year", method="ipm")
    rep = _solve_small(tmp_path / "rep", 3)
    assert sorted(rep["day_weight"].values.tolist()) == [121.0, 122.0, 122.0]
    assert rep.attrs["objective"] == pytest.approx(full.attrs["objective"], rel=1e-7)
    assert float(rep["emissions_t"].sum()) == pytest.approx(float(full["emissions_t"].sum()), rel=1e-6)
    assert full.sizes["day"] == 365 and rep.sizes["day"] == 3


def test_hourly_matching_never_scores_above_annual_volume(tmp_path):
    """On every solution, at both resolutions and both matching rules, the hour-by-hour share
    is at most the annual-volume share; matching hour by hour costs at least as much."""
    runs = {m: _solve_small(tmp_path / m, 3, green_matching=m) for m in ("annual", "hourly")}
    runs["annual resolution"] = solve(tmp_path / "ann", SMALL, {"r1": {}}, SMALL_DEMAND, TWO_CLASSES,
                                           scenario={"policy": {"min_green_share": 0.3}, "hourly": {
                                               "capacity_factors": write_profiles(tmp_path / "ann" / "cf.csv", _three_day_profiles())}})
    for name, res in runs.items():
        cfe, vol = res["green_cfe_score"].values, res["green_volume_score"].values
        assert (cfe <= vol + 1e-9).all(), name
        assert (cfe > 0).all(), name
    assert runs["hourly"].attrs["objective"] >= runs["annual"].attrs["objective"] - 1e-6
    # matched hour by hour, the 30 % share holds in every cluster and year
    assert float(runs["hourly"]["green_cfe_score"].min()) >= 0.3 - 1e-6
    assert float(runs["hourly"]["green_shortfall_mw"].sum()) == pytest.approx(0, abs=1e-6)


def test_more_green_potential_never_raises_cost_and_a_tighter_peak_never_lowers_it(tmp_path):
    costs = [_solve_small(tmp_path / f"g{g}", 3).attrs["objective"] if g == 1 else
             solve(tmp_path / f"g{g}", {k: {**v, "green_avail_mw": v["green_avail_mw"] * g} for k, v in SMALL.items()},
                        {"r1": {}}, SMALL_DEMAND, TWO_CLASSES, settings={"carbon_price_yuan_per_t": 100.0},
                        scenario={"resolution": "hourly", "policy": {"min_green_share": 0.3},
                                  "hourly": {"capacity_factors": write_profiles(tmp_path / f"g{g}" / "cf.csv", _three_day_profiles()),
                                             "representative_days": 3, "flexible_classes": ["batch"]}}).attrs["objective"]
             for g in (0.5, 1, 2)]
    assert costs[0] >= costs[1] - 1e-6 >= costs[2] - 2e-6
    assert costs[0] > costs[2]  # green potential is worth something here
    peaks = [solve(tmp_path / f"p{p}", {**SMALL, "a": {**SMALL["a"], "grid_limit_mw": p}}, {"r1": {}}, SMALL_DEMAND,
                        TWO_CLASSES, scenario={"resolution": "hourly", "hourly": {
                            "capacity_factors": write_profiles(tmp_path / f"p{p}" / "cf.csv", _three_day_profiles()),
                            "representative_days": 3, "flexible_classes": ["batch"]}}).attrs["objective"]
             for p in (3.0, 1.5, 0.8)]
    assert peaks[0] <= peaks[1] + 1e-6 <= peaks[2] + 2e-6
    assert peaks[2] > peaks[0]


# ---------------------------------------------------------------- bad profile files

def _bad_case(tmp_path, kind: str):
    good = np.tile(sun_day(), 365)
    p = tmp_path / "cf.csv"
    if kind == "length":
        pd.DataFrame({"a/solar": good[:8000]}).to_csv(p, index=False)
        return p, f"{p}: file: 8000 rows, expected 8760 (one per hour of a 365-day year)"
    if kind == "range":
        v = good.copy()
        v[5] = 1.5
        pd.DataFrame({"a/solar": v}).to_csv(p, index=False)
        return p, f"{p}: field 'column 1': expected a capacity factor in [0, 1] in row 7"
    if kind == "cluster":
        pd.DataFrame({"zz/solar": good}).to_csv(p, index=False)
        return p, f"{p}: field 'column 1': {HEADER}"
    if kind == "technology":
        pd.DataFrame({"a/hydro": good}).to_csv(p, index=False)
        return p, f"{p}: field 'column 1': {HEADER}"
    v = good.astype(object)
    v[3] = "NaN"
    pd.DataFrame({"a/solar": v}).to_csv(p, index=False)
    return p, f"{p}: field 'column 1': expected a finite number in row 5"  # never the cell (issue 24)


HEADER = "header is not <cluster_id>/<technology> of the dataset (clusters: a; technologies: wind, solar)"


@pytest.mark.parametrize("kind", ["length", "range", "cluster", "technology", "nan"])
def test_bad_profile_file_is_one_line_exit_2(tmp_path, kind):
    ds = write_dataset(tmp_path / "data", {"a": {}}, {"r1": {}}, {("r1", "w", Y): 10})
    path, message = _bad_case(tmp_path, kind)
    sc = scenario_file(tmp_path, ds, {"resolution": "hourly", "hourly": {"capacity_factors": str(path)}})
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(tmp_path / "out"), "--quiet"], env={"COLUMNS": "80"})
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == [f"error: {message}"]
    assert not (tmp_path / "out").exists()


def test_hourly_matching_needs_hourly_resolution(tmp_path):
    ds = write_dataset(tmp_path / "data", {"a": {}}, {"r1": {}}, {("r1", "w", Y): 10})
    sc = scenario_file(tmp_path, ds, {"hourly": {"green_matching": "hourly"}})
    r = CliRunner().invoke(app, ["validate", str(sc)], env={"COLUMNS": "80"})
    assert r.exit_code == 2
    assert r.stderr.strip() == (f"error: {sc}: field 'hourly.green_matching': hour-by-hour matching needs "
                                "resolution: hourly (the annual model has no hours)")


# ---------------------------------------------------------------- existing features at hourly resolution

@pytest.mark.slow
def test_existing_features_work_at_hourly_resolution(tmp_path):
    """Baselines, N-1, modular builds, the cost–carbon frontier, a warm re-solve after a carbon-price
    change (equal to a cold solve) and the strict-mode explanation all run on the hourly model."""
    from model.inputs.scenario import apply_changes, load_scenario
    from model.run import Planner
    from model.studies.frontier import cost_carbon_frontier

    ds = write_dataset(tmp_path / "data", {k: {**ROOM, **v} for k, v in SMALL.items()}, {"r1": {}}, SMALL_DEMAND, TWO_CLASSES)
    body = {"resolution": "hourly", "hourly": {"capacity_factors": write_profiles(tmp_path / "cf.csv", _three_day_profiles()),
                                               "representative_days": 3, "flexible_classes": ["batch"]}}
    sc = load_scenario(scenario_file(tmp_path, ds, body))
    p = Planner()
    res = p.solve(sc, baselines=True)
    assert set(res.baseline.values) == {"optimum", "nearest", "cheapest", "greenest"}
    assert (res["baseline_cost"].sum("cost_term") >= res.attrs["objective"] - 1e-6).all()
    warm = p.solve(apply_changes(sc, {"carbon_price_yuan_per_t": 300.0}))
    cold = Planner().solve(apply_changes(sc, {"carbon_price_yuan_per_t": 300.0}))
    assert "warm_start\": true" in warm.attrs["manifest"]
    assert warm.attrs["objective"] == pytest.approx(cold.attrs["objective"], rel=1e-8)
    n1 = Planner().solve(apply_changes(sc, {"policy.n_minus_1": True}))
    assert n1.attrs["objective"] >= res.attrs["objective"] - 1e-6 and "n1_shortfall" in n1
    blocks = Planner().solve(apply_changes(sc, {"modular_builds": {"block_racks": 500.0}}))
    assert blocks.attrs["status"] == "optimal"
    front = cost_carbon_frontier(sc, points=3)
    assert (front["emissions_t"].diff().dropna() <= 1e-6).all() and (front["objective"].diff().dropna() >= -1e-3).all()
    strict = Planner().solve(apply_changes(sc, {"policy.allow_unmet": False, "clusters": {
        "a": {"grid_limit_mw": 0.0, "green_avail_mw": 0.0}, "b": {"grid_limit_mw": 0.0, "green_avail_mw": 0.0}}}))
    families = {c["constraint"] for c in json.loads(strict.attrs["manifest"])["conflicts"]}
    assert "hourly_power_balance" in families and "grid_peak_limit" in families


@pytest.mark.slow
def test_bundled_profiles_are_the_generator_output():
    """data/profiles/ is what data/make_profiles.py writes (deterministic); full-load hours match
    profiles/utilisation_hours.csv and every value is a capacity factor."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "data"
    spec = importlib.util.spec_from_file_location("make_profiles", root / "make_profiles.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cf, shapes = mod.build(root)
    committed = pd.read_csv(root / "profiles" / "capacity_factors.csv.gz")
    pd.testing.assert_frame_equal(cf.reset_index(drop=True), committed, check_dtype=False, atol=1e-9)
    pd.testing.assert_frame_equal(shapes, pd.read_csv(root / "profiles" / "demand_shapes.csv"), check_dtype=False)
    hours = pd.read_csv(root / "profiles" / "utilisation_hours.csv").set_index("region_id")
    clusters = pd.read_csv(root / "clusters.csv").set_index("cluster_id")
    for k, c in clusters.iterrows():
        for t in ("wind", "solar"):
            assert committed[f"{k}/{t}"].sum() == pytest.approx(hours.loc[c.region_id, f"{t}_hours"], abs=1.0)
    values = committed.drop(columns="hour").to_numpy()
    assert values.min() >= 0 and values.max() <= 1
