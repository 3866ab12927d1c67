"""A cut in transfer fees against an electricity subsidy in the west of the same public cost
(model/studies/fee_cut.py), on a hand instance.

Clusters e (east hub, province r1, 0.5 yuan/kWh) and w (west hub, r2, 0.3), PUE 1, 1 kW per rack,
no capex, opex or carbon price, one year undiscounted: a rack-year costs 4,380 at e and 2,628 at w.
r2 uses 200 racks at w (525,600). r1 collects 500 TB of one chain stored at θ = 10 TB per rack:
50 racks, 219,000 at e or 131,400 at w plus the transfer, 300 yuan/TB (150,000) — so they stay east
(the racks save 87,600, less than the fee).
- fee cut 50 %: 150 yuan/TB (75,000 < 87,600): the 500 TB go west; the fee given up is 75,000.
- subsidy of 75,000 on w's 200 × 8,760 = 1,752,000 kWh: σ = 0.042808 yuan/kWh. A stored TB at w then
  costs 876 × 0.257192 + 300 = 525.3 > 438 at e: the data stay east and w's energy is unchanged.
"""
from __future__ import annotations

import pandas as pd
import pytest
from tiny import scenario_file, write_dataset

from model.inputs.scenario import load_scenario
from model.studies.fee_cut import fee_cut_vs_subsidy


def test_the_fee_cut_moves_the_data_west_and_a_subsidy_of_equal_cost_does_not(tmp_path):
    ds = write_dataset(tmp_path / "data", {"e": dict(grid_price_yuan_per_kwh=0.5),
                                           "w": dict(hub_id="h_west", region_id="r2", grid_price_yuan_per_kwh=0.3,
                                                     installed_racks=250.0, planned_racks=250.0)},
                       {"r1": {}, "r2": {}}, {("r2", "w", 2026): 200.0})
    pd.DataFrame([("iot", "store", 1, "w", 1.0, 10.0)], columns=["chain_id", "stage_id", "stage_order", "workload_id",
                                                                 "volume_ratio", "tb_per_rack_year"]).to_csv(ds / "chains.csv", index=False)
    pd.DataFrame([("iot", "r1", 2026, 500.0)], columns=["chain_id", "region_id", "year", "tb_per_year"]).to_csv(
        ds / "chain_sources.csv", index=False)
    pd.DataFrame([("h_east", "h_west", 1000.0, 1.0, 0.0, 1.0, 300.0, "")],
                 columns=["hub_a", "hub_b", "km", "capacity_tbps", "background_share", "max_use", "price_yuan_per_tb",
                          "expansion_yuan_per_tbps_km"]).to_csv(ds / "backbone.csv", index=False)
    df = fee_cut_vs_subsidy(load_scenario(scenario_file(tmp_path, ds))).set_index("case")
    base, cut, sub = df.loc["base"], df.loc["fee cut 50%"], df.loc["west electricity subsidy"]
    assert base.western_storage_share == 0.0 and cut.western_storage_share == pytest.approx(1.0)
    assert sub.western_storage_share == 0.0
    assert base.objective_yuan == pytest.approx(525_600 + 219_000)
    assert cut.backbone_tb == pytest.approx(500.0) and sub.backbone_tb == 0.0
    assert cut.public_cost_yuan == pytest.approx(75_000) and sub.public_cost_yuan == pytest.approx(75_000)
    assert sub.west_subsidy_yuan_per_kwh == pytest.approx(75_000 / 1_752_000)
    # the planner pays 75,000 less under the subsidy; counted once, the subsidy changes nothing real,
    # while the fee cut moves data that cost 131,400 + 150,000 at the full fee instead of 219,000
    assert sub.objective_yuan == pytest.approx(525_600 + 219_000 - 75_000)
    assert sub.system_cost_yuan == pytest.approx(base.objective_yuan)
    assert cut.system_cost_yuan == pytest.approx(525_600 + 131_400 + 150_000)


def test_bad_requests_name_the_problem(tmp_path):
    from model.errors import InputError
    from model.inputs.sources import load_bundled
    with pytest.raises(InputError, match=r"--cut.*must be a share of the fee in \(0, 1\)"):
        fee_cut_vs_subsidy(load_bundled("data_lifecycle"), cut=1.0)
    ds = write_dataset(tmp_path / "data", {"e": {}}, {"r1": {}}, {("r1", "w", 2026): 1.0})
    with pytest.raises(InputError, match=r"lifecycle.*the scenario has no backbone"):
        fee_cut_vs_subsidy(load_scenario(scenario_file(tmp_path, ds)))
