"""Stored data as a stock (issue 21, 东数西存): a stage with a retention time keeps the data that
arrive in a year where they arrived for R years, one rack per κ TB held.

Hand instance (as tests/formulation/test_lifecycle.py): clusters e (east hub, r1, 0.5 yuan/kWh) and w (west
hub, r2, 0.1), 100 racks each, PUE 1, 1 kW per rack, no capex/opex/carbon, no discounting: a
rack-year costs 4,380 at e and 876 at w. Years 2026-2027; r1 collects 500 TB in 2026 only; the edge
between the hubs costs 250 yuan/TB. A rack holds κ = 20 TB.
- Kept one year (θ = 20 TB/yr per rack, no retention time): a TB costs 4,380/20 = 219 at e against
  876/20 + 250 = 293.8 at w: stored east, 500 × 219 = 109,500; 25 racks at e in 2026 only.
- Kept two years (R = 2): 2 × 219 = 438 at e against 2 × 43.8 + 250 = 337.6 at w: stored west,
  500 × 337.6 = 168,800; 25 racks at w in 2026 and again in 2027 (the 2026 data, still held).
- A second stage "train" (θ = 10 TB/yr per rack: 438 per TB at e, 87.6 at w) that reads all it
  holds each year (reads_stock, ratio 1) trains on the 500 TB in 2026 and again in 2027 where they
  are: stored and trained at w, 168,800 + 2 × 500 × 87.6 = 256,400 (storing east would cost
  219,000 + 2 × 500 × min(438, 250 + 87.6) = 556,600). Reading only the year's arrivals: 212,600.
"""
from __future__ import annotations

import pandas as pd
import pytest
from tiny import solve_tiny

YEARS = [2026, 2027]


def _solve(tmp_path, stage: dict, name: str, with_chain: bool = True, train: dict | None = None):
    root = tmp_path / name
    (root / "data").mkdir(parents=True)
    if with_chain:
        rows = [{"chain_id": "archive", "stage_id": "store", "stage_order": 1, "workload_id": "w", "volume_ratio": 1.0, **stage}]
        if train is not None:
            rows.append({"chain_id": "archive", "stage_id": "train", "stage_order": 2, "workload_id": "w", "volume_ratio": 1.0,
                         **train})
        pd.DataFrame(rows).to_csv(root / "data" / "chains.csv", index=False)
        pd.DataFrame([("archive", "r1", 2026, 500.0), ("archive", "r1", 2027, 0.0)],
                     columns=["chain_id", "region_id", "year", "tb_per_year"]).to_csv(root / "data" / "chain_sources.csv", index=False)
        pd.DataFrame([("h_east", "h_west", 1000.0, 1.0, 0.0, 1.0, 250.0, "")],
                     columns=["hub_a", "hub_b", "km", "capacity_tbps", "background_share", "max_use", "price_yuan_per_tb",
                              "expansion_yuan_per_tbps_km"]).to_csv(root / "data" / "backbone.csv", index=False)
    return solve_tiny(root, {"e": dict(grid_price_yuan_per_kwh=0.5),
                             "w": dict(hub_id="h_west", region_id="r2", grid_price_yuan_per_kwh=0.1)},
                      {"r1": {}, "r2": {}}, {("r1", "w", y): 0.0 for y in YEARS}, settings={"years": YEARS})


def test_data_kept_longer_are_stored_where_racks_are_cheap(tmp_path):
    base = _solve(tmp_path, {}, "none", with_chain=False).attrs["objective"]
    one = _solve(tmp_path, {"tb_per_rack_year": 20.0}, "one_year")
    assert one.attrs["objective"] - base == pytest.approx(109_500.0, rel=1e-9)
    assert one["chain_racks"].sel(stage="store", cluster="e").values.tolist() == pytest.approx([25.0, 0.0])
    assert float(one["backbone_tb"].sum()) == 0.0
    two = _solve(tmp_path, {"tb_per_rack_year": 20.0, "retention_years": 2, "tb_per_rack": 20.0}, "two_years")
    assert two.attrs["objective"] - base == pytest.approx(168_800.0, rel=1e-9)
    assert two["chain_racks"].sel(stage="store", cluster="w").values.tolist() == pytest.approx([25.0, 25.0])
    assert two["chain_stock_tb"].sel(stage="store", cluster="w").values.tolist() == pytest.approx([500.0, 500.0])
    assert float(two["backbone_tb"].sel(year=2026).sum()) == pytest.approx(500.0)
    # the stock's power is the cluster's: 25 racks × 1 kW at w in 2027 with nothing arriving that year
    assert float(two["energy_mwh"].sel(cluster="w", year=2027)) == pytest.approx(25 * 8.76, rel=1e-9)


def test_a_stage_that_reads_the_stock_reads_it_every_year_where_it_is(tmp_path):
    base = _solve(tmp_path, {}, "none", with_chain=False).attrs["objective"]
    store = {"tb_per_rack_year": 20.0, "retention_years": 2, "tb_per_rack": 20.0}
    for reads, want, train_2027 in ((1, 256_400.0, 500.0), (0, 212_600.0, 0.0)):
        name = f"reads{reads}"
        res = _solve(tmp_path, store, name, train={"tb_per_rack_year": 10.0, "reads_stock": reads})
        assert res.attrs["objective"] - base == pytest.approx(want, rel=1e-9), name
        assert res["chain_tb"].sel(stage="train", cluster="w").values.tolist() == pytest.approx([500.0, train_2027])
        assert float(res["chain_tb"].sel(stage="train", cluster="e").sum()) == pytest.approx(0.0, abs=1e-6)


def test_a_retention_time_needs_the_tb_a_rack_holds(tmp_path):
    from model.errors import InputError
    with pytest.raises(InputError, match=r"chains.csv.*tb_per_rack.*stage store: needed where retention_years is given"):
        _solve(tmp_path, {"tb_per_rack_year": 20.0, "retention_years": 2}, "no_kappa")


def test_results_nc_carries_every_input_the_lifecycle_families_use(tmp_path):
    # the LP built again from the inputs read back from results.nc alone has the same optimum
    from model.formulation import build_lp
    from model.inputs.scenario import scenario_from_dict
    from model.reports.files import read_results, write_outputs
    from model.solve import HighsModel

    res = _solve(tmp_path, {"tb_per_rack_year": 20.0, "retention_years": 2, "tb_per_rack": 20.0}, "two_years")
    back = read_results(write_outputs(res, tmp_path / "out")["results.nc"])
    sol = HighsModel(build_lp(back), scenario_from_dict({"name": "t"}).solver).solve()
    assert sol.objective == pytest.approx(res.attrs["objective"], rel=1e-9)
