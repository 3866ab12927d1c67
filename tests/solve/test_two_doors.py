"""One LP, two doors: HiGHS receives the blocks as arrays (``standard_form.from_blocks``), a user
gets the Pyomo model of the same blocks (``to_pyomo``). Compiled by Pyomo's own standard-form
compiler, the Pyomo model is the same LP, entry by entry (rows, columns, coefficients, bounds,
objective, integrality), on every bundled scenario and on hand instances; and HiGHS holds exactly
the blocks' arrays. The MPS HiGHS writes names rows and columns by family and labels."""
from pathlib import Path

import highspy
import numpy as np
import pytest
from tiny import write_dataset

from model.errors import InputError
from model.formulation import build_lp
from model.inputs import build_inputs
from model.inputs.dataset import load_dataset
from model.inputs.scenario import load_scenario, scenario_from_dict
from model.run import Planner
from model.solve import HighsModel
from model.solve.standard_form import from_blocks, from_pyomo

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "data" / "scenarios").glob("*.yaml"))
Y = 2026


def assert_same_lp(lp):
    b = from_blocks(lp)
    p, col_in, row_in = from_pyomo(lp)
    # the matrix: the same nonzeros in the same places (the compiler sums a row's repeated columns
    # as from_blocks does, and leaves zeros out)
    np.testing.assert_array_equal(p.start, b.start)
    np.testing.assert_array_equal(p.index, b.index)
    np.testing.assert_allclose(p.value, b.value, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(p.cost[col_in], b.cost[col_in])
    np.testing.assert_array_equal(p.col_upper[col_in], b.col_upper[col_in])
    np.testing.assert_array_equal(p.row_lo[row_in], b.row_lo[row_in])
    np.testing.assert_array_equal(p.row_hi[row_in], b.row_hi[row_in])
    np.testing.assert_array_equal(p.integer, b.integer)
    # what the compiler leaves out is empty in the blocks: columns without a cost or an entry,
    # rows without an entry whose bounds 0 satisfies
    assert not b.cost[~col_in].any() and not np.diff(b.start)[~col_in].any()
    assert not np.isin(np.flatnonzero(~row_in), b.index).any()
    assert (b.row_lo[~row_in] <= 0).all() and (b.row_hi[~row_in] >= 0).all()
    # and HiGHS holds the blocks' arrays as they are
    hm = HighsModel(lp, scenario_from_dict({"name": "t"}).solver)
    h = hm.highs.getLp()
    big = 1e20  # HiGHS option infinite_bound
    inf = lambda v: np.where(v >= big, np.inf, np.where(v <= -big, -np.inf, v))  # noqa: E731
    np.testing.assert_array_equal(np.asarray(h.a_matrix_.start_), b.start)
    np.testing.assert_array_equal(np.asarray(h.a_matrix_.index_), b.index)
    np.testing.assert_array_equal(np.asarray(h.a_matrix_.value_), b.value)
    np.testing.assert_array_equal(np.asarray(h.col_cost_), b.cost)
    np.testing.assert_array_equal(inf(np.asarray(h.col_upper_)), inf(b.col_upper))
    np.testing.assert_array_equal(inf(np.asarray(h.row_lower_)), inf(b.row_lo))
    np.testing.assert_array_equal(inf(np.asarray(h.row_upper_)), inf(b.row_hi))
    return b


def _scenario_lp(path):
    sc = load_scenario(path)
    return build_lp(build_inputs(sc, Planner().dataset(sc)[0]))


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_bundled_scenario_is_one_lp_through_both_doors(path):
    assert_same_lp(_scenario_lp(path))


def test_the_reference_is_one_lp_through_both_doors():
    b = assert_same_lp(_scenario_lp(SCENARIOS[[p.stem for p in SCENARIOS].index("reference")]))
    assert b.num_cols > 5000 and b.value.size > 20000


def _tiny(tmp_path, scenario: dict, clusters=None):
    clusters = clusters or {"a": {"planned_racks": 200, "build_limit_racks_per_year": 100, "capex_yuan_per_rack": 10},
                            "b": {"grid_price_yuan_per_kwh": 0.2, "hub_id": "h_west"}}
    root = write_dataset(tmp_path, clusters, {"r1": {}, "r2": {"lat": 33.0}},
                         {("r1", "w", Y): 140, ("r2", "w", Y): 60},
                         settings={"min_green_share": 0.2, "min_west_share": 0.3, "utilisation_floor": 0.2})
    sc = scenario_from_dict({"name": "t", **scenario})
    return sc, build_lp(build_inputs(sc, load_dataset(root)))


HAND = {
    "plain": {},
    "modular (MILP)": {"modular_builds": {"block_racks": 50, "fixed_cost_yuan_per_block": 1000}},
    "n-1": {"policy": {"n_minus_1": True}},
    "emission cap": {"policy": {"emission_cap_t": 10.0, "allow_unmet": False}},
}


@pytest.mark.parametrize("scenario", HAND.values(), ids=HAND.keys())
def test_hand_instances_are_one_lp_through_both_doors(tmp_path, scenario):
    _, lp = _tiny(tmp_path, scenario)
    b = assert_same_lp(lp)
    assert b.integer.any() == ("modular_builds" in scenario)


def test_pyomo_door_solves_to_the_same_objective(tmp_path):
    """The Pyomo model a user gets, solved by Pyomo's HiGHS interface, reaches HiGHS's optimum."""
    import pyomo.environ as pyo

    sc, lp = _tiny(tmp_path, {})
    p = Planner()
    p._datasets[""] = (load_dataset(tmp_path), "fp")
    res = p.solve(sc)
    m = p.pyomo_model()
    pyo.SolverFactory("appsi_highs").solve(m)
    assert pyo.value(m.total_cost) == pytest.approx(res.attrs["objective"], rel=1e-9)
    assert isinstance(m.demand_balance, pyo.Constraint)


def test_the_mps_names_rows_and_columns_and_creates_its_folder(tmp_path):
    sc, lp = _tiny(tmp_path, {})
    hm = HighsModel(lp, sc.solver)
    target = tmp_path / "out" / "deeper" / "model.mps"
    hm.write_model(target)
    text = target.read_text()
    assert "demand_balance[r1,w,2026]" in text and "x[r1,a,w,2026]" in text
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(target))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(hm.solve().objective, rel=1e-9)
    assert h.getColByName("build[a,2026]")[0] == highspy.HighsStatus.kOk


def test_a_failed_model_write_is_an_error_naming_the_path(tmp_path):
    sc, lp = _tiny(tmp_path, {})
    hm = HighsModel(lp, sc.solver)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="file/model.mps: field '--write-model': cannot create the folder"):
        hm.write_model(tmp_path / "file" / "model.mps")
    with pytest.raises(InputError, match="HiGHS could not write the model"):
        hm.write_model(tmp_path / "model.unknown")
