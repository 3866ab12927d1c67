"""The LP HiGHS receives is the one the blocks (and docs/math.md) describe; warm updates equal
cold builds; the written MPS solved by HiGHS alone gives the same objective."""
import highspy
import numpy as np
import pytest
from tiny import write_dataset

from model.formulation import build_lp
from model.inputs import build_inputs
from model.inputs.dataset import load_dataset
from model.inputs.scenario import scenario_from_dict
from model.run import Planner
from model.solve import HighsModel, StructureChanged

YEARS = [2026, 2027, 2028]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """3 regions × 3 clusters × 2 classes × 3 years, every policy switched on."""
    root = tmp_path_factory.mktemp("small")
    clusters = {"a": {"lat": 30.5, "build_limit_racks_per_year": 20, "planned_racks": 150, "capex_yuan_per_rack": 5000,
                      "green_avail_mw": 0.05},
                "b": {"lat": 33.0, "grid_price_yuan_per_kwh": 0.2, "pue": 1.3, "grid_limit_mw": 0.12},
                "c": {"lat": 36.0, "hub_id": "h_west", "grid_price_yuan_per_kwh": 0.05, "region_id": "r3"}}
    regions = {"r1": {}, "r2": {"lat": 32.0}, "r3": {"lat": 36.0, "co2_t_per_mwh": 0.8}}
    workloads = {"rt": {"latency_bound_ms": 2.5, "realtime": "true", "kw_per_rack": 1.5, "data_tb_per_rack_year": 5},
                 "batch": {"kw_per_rack": 2.0, "data_tb_per_rack_year": 1}}
    demand = {(r, w, y): 30 + 10 * i + 5 * j + 7 * t for i, r in enumerate(regions) for j, w in enumerate(workloads)
              for t, y in enumerate(YEARS)}
    ds = write_dataset(root, clusters, regions, demand, workloads,
                       {"years": YEARS, "discount_rate": 0.05, "capex_lifetime_years": 8, "carbon_price_yuan_per_t": 50,
                        "transport_yuan_per_tb": 20, "transport_yuan_per_tb_per_1000km": 10,
                        "utilisation_floor": 0.3, "min_green_share": 0.2, "min_west_share": 0.3})
    return load_dataset(ds)


def sc(**kw):
    return scenario_from_dict({"name": "t", **kw})


def highs_lp_arrays(h: highspy.Highs):
    lp = h.getLp()
    A = lp.a_matrix_
    return (np.asarray(lp.col_cost_), np.asarray(lp.col_upper_), np.asarray(lp.row_lower_), np.asarray(lp.row_upper_),
            np.asarray(A.start_), np.asarray(A.index_), np.asarray(A.value_))


def dense_from_highs(hm: HighsModel, lp):
    """The HiGHS matrix, rows and columns put back in block order."""
    cost, upper, rlo, rhi, start, index, value = highs_lp_arrays(hm.highs)
    n_rows, n_cols = len(hm.row_of), len(hm.col_of)
    M = np.zeros((n_rows, n_cols))
    inv_row = {int(h): j for j, h in enumerate(hm.row_of) if h >= 0}
    for jb in range(n_cols):
        jh = hm.col_of[jb]
        if jh < 0:
            continue
        for p in range(start[jh], start[jh + 1]):
            M[inv_row[int(index[p])], jb] += value[p]
    return M


def dense_from_blocks(lp):
    r, c, v = lp.matrix_entries()
    M = np.zeros((lp.num_rows, lp.num_cols))
    np.add.at(M, (r, c), v)
    return M


def test_highs_receives_the_blocks(small):
    inp = build_inputs(sc(), small)
    lp = build_lp(inp)
    hm = HighsModel(lp, sc().solver)
    np.testing.assert_allclose(dense_from_highs(hm, lp), dense_from_blocks(lp), atol=1e-12)
    cost, upper, rlo, rhi, *_ = highs_lp_arrays(hm.highs)
    present = hm.col_of >= 0
    np.testing.assert_allclose(cost[hm.col_of[present]], lp.column_cost()[present])
    lo, hi = lp.row_bounds()
    kept = hm.row_of >= 0
    big = lambda v: np.where(v >= 1e20, np.inf, np.where(v <= -1e20, -np.inf, v))  # noqa: E731  HiGHS: |v| ≥ 1e20 is infinite
    np.testing.assert_array_equal(big(lo[kept]), big(rlo[hm.row_of[kept]]))
    np.testing.assert_array_equal(big(hi[kept]), big(rhi[hm.row_of[kept]]))
    # every Pyomo component named in the math exists on the model
    for name in ("x", "unmet", "build", "grid", "green", "demand_balance", "cluster_capacity", "power_balance",
                 "utilisation_floor", "green_share", "western_share", "build_potential", "total_cost", "cost_capex"):
        assert hasattr(hm.model, name)


def test_blocks_are_read_by_name(small):
    """column_slice / row_slice / activity give what positions counted by hand give."""
    lp = build_lp(build_inputs(sc(), small))
    starts, n = [], 0
    for vb in lp.variables.values():
        starts.append(n)
        n += vb.size
    for (name, vb), start in zip(lp.variables.items(), starts):
        assert lp.column_slice(name) == slice(start, start + vb.size)
    n = 0
    for rb in lp.rows:
        assert lp.row_slice(rb.name) == slice(n, n + rb.size) and lp.row_block(rb.name) is rb
        n += rb.size
    assert not lp.has_rows("no_such_family")
    with pytest.raises(KeyError):
        lp.row_slice("no_such_family")
    x = np.arange(lp.num_cols, dtype=float)
    r, c, v = lp.matrix_entries()
    whole = np.zeros(n)
    np.add.at(whole, r, v * x[c])
    np.testing.assert_allclose(lp.activity("cluster_capacity", x), whole[lp.row_slice("cluster_capacity")])
    ix = lp.index
    assert ix.labels("cluster", "year") == [(k, y) for k in ix.clusters for y in ix.years]
    assert ix.labels("region", "year", range(2))[:3] == [(ix.regions[0], YEARS[0], 0), (ix.regions[0], YEARS[0], 1),
                                                         (ix.regions[0], YEARS[1], 0)]


CHANGES = [
    {"carbon_price_yuan_per_t": 400},
    {"electricity_price_scale": 1.7, "green_price_scale": 0.6},
    {"demand": {"scale": 1.4, "class_growth": {"batch": 0.3}}},
    {"clusters": {"a": {"pue": 1.6, "installed_racks": 40, "build_limit_racks_per_year": 50}}},
    {"outages": [{"cluster": "c", "years": [2027]}]},
    {"policy": {"utilisation_floor": 0.0, "min_green_share": 0.5, "min_west_share": 0.6}},
    {"discount_rate": 0.0},
    {"policy": {"emission_cap_t": 50.0}},
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: next(iter(c)))
def test_warm_update_equals_cold_build(small, change):
    base, new = build_lp(build_inputs(sc(), small)), build_lp(build_inputs(sc(**change), small))
    warm = HighsModel(base, sc().solver)
    warm.solve()
    assert warm.update(new) > 0
    cold = HighsModel(new, sc().solver)
    np.testing.assert_allclose(dense_from_highs(warm, new), dense_from_highs(cold, new), atol=1e-12)
    w, c = warm.solve(), cold.solve()
    assert w.status == c.status == "optimal"
    assert w.objective == pytest.approx(c.objective, rel=1e-7)


def test_structure_change_is_detected(small):
    base = build_lp(build_inputs(sc(), small))
    tighter = build_lp(build_inputs(sc(latency_bounds_ms={"rt": 0.5}), small))
    hm = HighsModel(base, sc().solver)
    with pytest.raises(StructureChanged):
        hm.update(tighter)


def test_planner_reuses_the_model_only_when_it_can(small, tmp_path):
    p = Planner()
    p._datasets[""] = (small, "fp")
    r1 = p.solve(sc())
    r2 = p.solve(sc(carbon_price_yuan_per_t=300))
    r3 = p.solve(sc(latency_bounds_ms={"rt": 0.5}))
    from model.results import manifest_of
    assert [manifest_of(r)["warm_start"] for r in (r1, r2, r3)] == [False, True, False]
    cold = Planner()
    cold._datasets[""] = (small, "fp")
    assert r2.attrs["objective"] == pytest.approx(cold.solve(sc(carbon_price_yuan_per_t=300)).attrs["objective"], rel=1e-7)


def test_mps_solved_by_highs_alone_gives_the_same_objective(small, tmp_path):
    p = Planner()
    p._datasets[""] = (small, "fp")
    res = p.solve(sc(), write_model=str(tmp_path / "m.mps"))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(tmp_path / "m.mps"))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(res.attrs["objective"], rel=1e-9)


def test_cost_terms_add_up_and_all_policies_are_active(small):
    from model.reports import summary
    from model.run import solve_scenario
    p = Planner()
    p._datasets[""] = (small, "fp")
    s = summary(p.solve(sc()))
    assert s["status"] == "optimal"
    assert sum(s["costs"].values()) == pytest.approx(s["objective"], rel=1e-9)
    assert all(v > 0 for k, v in s["costs"].items() if k in ("capex", "electricity", "transport", "carbon"))
    del solve_scenario


def test_warm_update_from_a_switched_off_policy(small):
    """With a share of 0 the western-share coefficients are zero and Pyomo's compiler drops them;
    switching the policy on warm must add them to HiGHS (changeCoeff) and match a cold build."""
    off = sc(policy={"min_west_share": 0.0, "utilisation_floor": 0.0, "min_green_share": 0.0})
    on = sc(policy={"min_west_share": 0.7, "utilisation_floor": 0.5, "min_green_share": 0.6})
    warm = HighsModel(build_lp(build_inputs(off, small)), off.solver)
    warm.solve()
    new = build_lp(build_inputs(on, small))
    warm.update(new)
    cold = HighsModel(new, on.solver)
    np.testing.assert_allclose(dense_from_highs(warm, new), dense_from_highs(cold, new), atol=1e-12)
    assert warm.solve().objective == pytest.approx(cold.solve().objective, rel=1e-7)


def test_manifest_counts_the_nonzeros_highs_holds(small):
    """min_green_share 0 puts explicit zeros into green_share; the manifest counts what HiGHS holds."""
    p = Planner()
    p._datasets[""] = (small, "fp")
    res = p.solve(sc(policy={"min_green_share": 0.0}))
    from model.results import manifest_of
    assert manifest_of(res)["sizes"]["nonzeros"] == p.model.highs.getNumNz()


def test_latency_bound_null_keeps_the_dataset_bound_and_none_removes_it(small):
    """rt has a 2.5 ms bound in the data: null keeps it (the dataset's), "none" lifts it."""
    adm = lambda **kw: int(build_inputs(sc(**kw), small)["admissible"].sel(workload="rt").sum())  # noqa: E731
    assert adm(latency_bounds_ms={"rt": None}) == adm() < 9
    assert adm(latency_bounds_ms={"rt": "none"}) == 9  # 3 regions × 3 clusters
    assert adm(latency_bounds_ms={"rt": 0.0}) < adm()
