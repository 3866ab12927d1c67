"""Cost–carbon frontier: hand-checked slope, monotone on the reference, CLI output."""
import numpy as np
from tiny import scenario_file, write_dataset
from typer.testing import CliRunner

from model.cli import app
from model.inputs.scenario import load_scenario
from model.studies.frontier import cost_carbon_frontier

Y = 2026


def test_frontier_on_a_hand_instance(tmp_path):
    """a: 0.1 yuan/kWh at 0.9 t/MWh; b: 0.3 yuan/kWh at 0.1 t/MWh; 10 racks of 1 kW, room for all at
    either. Least cost: all at a, 10·8.76·0.9 = 78.84 t, 8 760 yuan. Least carbon: all at b, 8.76 t.
    Moving a rack from a to b costs 0.2·8 760 = 1 752 yuan and saves 8.76·0.8 = 7.008 t: the
    frontier is a line with slope 250 yuan/t, and 250 is the abatement cost at every inner point."""
    ds = write_dataset(tmp_path / "d", clusters={"a": {"region_id": "dirty"}, "b": {"region_id": "clean",
                                                                                   "grid_price_yuan_per_kwh": 0.3}},
                       regions={"dirty": {"co2_t_per_mwh": 0.9}, "clean": {"co2_t_per_mwh": 0.1}},
                       demand={("dirty", "w", Y): 10})
    df = cost_carbon_frontier(load_scenario(scenario_file(tmp_path, ds)), points=5)
    assert (df["status"] == "optimal").all()
    np.testing.assert_allclose(df["emissions_t"], np.linspace(78.84, 8.76, 5), rtol=1e-6)
    np.testing.assert_allclose(df["objective"], 8760 + 250 * (78.84 - df["emissions_t"]), rtol=1e-6)
    np.testing.assert_allclose(df["abatement_cost_yuan_per_t"].iloc[1:-1], 250, rtol=1e-6)
    assert df["cost_carbon"].eq(0).all()


def test_reference_frontier_is_monotone():
    df = cost_carbon_frontier(load_scenario("data/scenarios/reference.yaml"), points=4)
    assert (df["status"] == "optimal").all()
    assert df["emissions_t"].is_monotonic_decreasing
    assert np.all(np.diff(df["objective"]) >= -1e-6 * df["objective"].iloc[0])
    assert df["abatement_cost_yuan_per_t"].iloc[1:].is_monotonic_increasing


def test_frontier_cli(tmp_path):
    r = CliRunner().invoke(app, ["frontier", "data/scenarios/reference.yaml", "--points", "3", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "frontier.csv").exists()
    html = (tmp_path / "frontier.html").read_text(encoding="utf-8")
    assert "Cost" in html and 'src="http' not in html  # plotly.js embedded: the file works offline
    bad = CliRunner().invoke(app, ["frontier", "data/scenarios/reference.yaml", "--points", "1", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "points" in bad.stderr
