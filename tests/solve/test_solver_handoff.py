"""What HiGHS says is checked: refused options, the fixed-integer LP behind MILP duals, and the
IIS option put back after an explanation."""
import highspy
import numpy as np
import pytest
from tiny import write_dataset

from model.formulation import build_lp
from model.inputs import build_inputs
from model.inputs.dataset import load_dataset
from model.inputs.scenario import SolverOptions, scenario_from_dict
from model.results.explain import explain_infeasibility
from model.solve import HighsModel, SolverError

Y = 2026


def _model(tmp_path, clusters, demand, **scenario):
    root = write_dataset(tmp_path, clusters, {"r1": {}}, {("r1", "w", Y): demand})
    sc = scenario_from_dict({"name": "t", **scenario})
    inp = build_inputs(sc, load_dataset(root))
    return HighsModel(build_lp(inp), sc.solver), inp


def test_an_option_highs_refuses_is_an_error_naming_it(tmp_path):
    hm, _ = _model(tmp_path, {"a": {}}, 50)
    bad = SolverOptions.model_construct(**{**SolverOptions().model_dump(), "method": "quantum"})
    with pytest.raises(SolverError, match="option solver = 'quantum'"):
        hm.set_options(bad)


def test_milp_duals_are_withheld_when_the_fixed_lp_fails(tmp_path):
    """Blocks of 50 racks, but at most 40 may be built in the year; 100 installed, 140 needed, no
    unmet allowed. With an integrality tolerance of 0.3 HiGHS accepts blocks = 0.8 (40 racks) as
    integer; fixing it at the rounded 1 block asks for 50 racks > the limit of 40: the fixed LP is
    infeasible. The MILP's solution is kept, without duals, and says why."""
    hm, _ = _model(tmp_path, {"a": {"planned_racks": 200, "build_limit_racks_per_year": 40}}, 140,
                   modular_builds={"block_racks": 50}, policy={"allow_unmet": False})
    hm.highs.setOptionValue("mip_feasibility_tolerance", 0.3)
    hm.highs.setOptionValue("presolve", "off")  # presolve would round the bound on blocks to 0
    sol = hm.solve()
    assert sol.has_solution
    assert sol.duals.startswith("none: the LP with the integer decisions fixed is infeasible"), sol.duals
    assert np.isnan(sol.row_dual).all()
    build = sol.col_value[hm.lp.offsets()["build"]]
    assert build == pytest.approx(40, abs=1e-6)  # the MILP's own solution, not the failed LP's


def test_milp_duals_come_from_the_fixed_lp(tmp_path):
    hm, _ = _model(tmp_path, {"a": {"planned_racks": 200, "build_limit_racks_per_year": 100}}, 140,
                   modular_builds={"block_racks": 50})
    sol = hm.solve()
    assert sol.duals == "from the LP with the integer decisions fixed"
    assert not np.isnan(sol.row_dual).any()


def test_the_iis_option_is_restored_after_an_explanation(tmp_path):
    hm, inp = _model(tmp_path, {"a": {}}, 150, policy={"allow_unmet": False})
    assert hm.solve().status == "infeasible"
    before = hm.highs.getOptionValue("iis_strategy")
    assert explain_infeasibility(hm, inp)
    assert hm.highs.getOptionValue("iis_strategy") == before
    assert before != (highspy.HighsStatus.kOk, int(highspy.IisStrategy.kIisStrategyIrreducible))


def test_a_row_added_and_an_objective_swapped_then_put_back(tmp_path):
    """One cluster at 0.1 yuan/kWh serves 50 racks: 50 × 8760 × 0.1 = 43,800 yuan. A row capping the
    served racks at 40 leaves 10 unmet at 100,000 each: 40 × 876 + 1,000,000 = 1,035,040. Dropping
    the row and swapping the objective for zero costs, then back, are exact too (the API the
    near-optimal alternatives use)."""
    hm, _ = _model(tmp_path, {"a": {}}, 50)
    assert hm.solve().objective == pytest.approx(43_800)
    x0, nx = hm.lp.offsets()["x"], hm.lp.variables["x"].size
    row = hm.add_row(np.arange(x0, x0 + nx), np.ones(nx), hi=40)
    assert row == len(hm.row_of)
    sol = hm.solve()
    assert sol.objective == pytest.approx(1_035_040) and sol.row_dual.size == len(hm.row_of)
    hm.drop_rows_from(row)
    hm.set_costs(np.zeros(hm.lp.num_cols))
    assert hm.solve().objective == 0
    hm.set_costs(hm.lp.column_cost())
    assert hm.solve().objective == pytest.approx(43_800)
