"""The data lifecycle (issue 21): chains of stages, the backbone between hubs, backup copies.

Hand instances: two clusters, e (east hub, province r1) and w (west hub, province r2), 100
installed racks each, PUE 1, 1 kW per rack, no capex/opex/carbon, so a rack-year costs
8760 kWh × the grid price: e 0.5 yuan/kWh → 4,380; w 0.1 → 876 (3,504 less). A stage handling
θ = 10 TB/yr per rack makes a TB/yr of it 438 at e and 87.6 at w: 350.4 cheaper in the west.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.tiny import solve_tiny

GAMMA = 8.0 / (8760 * 3600)  # Tbps of 1 TB/yr


def _solve(tmp_path, chains, sources, backbone=None, name="run"):
    root = tmp_path / name
    (root / "data").mkdir(parents=True)
    if chains is not None:
        cols = ["chain_id", "stage_id", "stage_order", "workload_id", "volume_ratio", "tb_per_rack_year", "copies",
                "stay_in_province", "unmet_yuan_per_tb"][:len(chains[0])]  # stay_in_province is optional: left out unless given
        pd.DataFrame(chains, columns=cols).to_csv(root / "data" / "chains.csv", index=False)
        pd.DataFrame(sources, columns=["chain_id", "region_id", "year", "tb_per_year"]).to_csv(
            root / "data" / "chain_sources.csv", index=False)
    if backbone is not None:
        pd.DataFrame([backbone], columns=["hub_a", "hub_b", "km", "capacity_tbps", "background_share", "max_use",
                                          "price_yuan_per_tb", "expansion_yuan_per_tbps_km"]).to_csv(
            root / "data" / "backbone.csv", index=False)
    return solve_tiny(root, {"e": dict(grid_price_yuan_per_kwh=0.5),
                             "w": dict(hub_id="h_west", region_id="r2", grid_price_yuan_per_kwh=0.1)},
                      {"r1": {}, "r2": {}}, {("r1", "w", 2026): 0.0})


TWO_STAGES = [("iot", "store", 1, "w", 1.0, 10.0, ""), ("iot", "analyse", 2, "w", 0.1, 10.0, "")]
IOT_500 = [("iot", "r1", 2026, 500.0)]


def _edge(price, capacity_tbps=1.0, expansion=""):
    return ("h_east", "h_west", 1000.0, capacity_tbps, 0.0, 1.0, price, expansion)


def test_without_chains_the_objective_is_unchanged(tmp_path):
    # a chain that collects nothing adds columns and rows but no cost: the same optimum to 1e-9
    base = _solve(tmp_path, None, None, name="none")
    empty = _solve(tmp_path, TWO_STAGES, [("iot", "r1", 2026, 0.0)], _edge(100.0), name="empty")
    assert empty.attrs["objective"] == pytest.approx(base.attrs["objective"], rel=1e-9, abs=1e-9)
    assert "chain_flow" not in str(base.attrs.get("manifest", ""))


def test_data_move_west_only_when_the_transfer_costs_less_than_the_rack_difference(tmp_path):
    base = _solve(tmp_path, None, None, name="none").attrs["objective"]
    # 100 yuan/TB < 350.4: the 500 TB are stored at w (500 × 100 + 50 racks × 876 = 93,800) and the
    # 50 TB analysed there too (5 racks × 876 = 4,380; shipping them back east would cost more): 98,180
    cheap = _solve(tmp_path, TWO_STAGES, IOT_500, _edge(100.0), name="cheap")
    assert cheap.attrs["objective"] - base == pytest.approx(98_180.0, rel=1e-9)
    assert float(cheap["chain_tb"].sel(stage="store", cluster="w").sum()) == pytest.approx(500.0)
    assert float(cheap["chain_racks"].sel(stage="analyse", cluster="w").sum()) == pytest.approx(5.0)
    assert float(cheap["cost"].sel(cost_term="chain_transfer")) == pytest.approx(50_000.0)  # 500 TB × 100
    assert float(cheap["cost"].sel(cost_term="chain_opex")) == 0.0  # no opex in the tiny data
    # 400 yuan/TB > 350.4: everything stays east, 55 racks × 4,380 = 240,900
    dear = _solve(tmp_path, TWO_STAGES, IOT_500, _edge(400.0), name="dear")
    assert dear.attrs["objective"] - base == pytest.approx(240_900.0, rel=1e-9)
    assert float(dear["chain_tb"].sel(cluster="w").sum()) == pytest.approx(0.0, abs=1e-6)
    assert float(dear["backbone_tb"].sum()) == pytest.approx(0.0, abs=1e-6)
    # one more TB/yr collected in r1 costs 438 + 0.1 × 438 = 481.8 east (the data-gravity price)
    assert float(dear["data_gravity_price"].sel(chain="iot", region="r1", year=2026)) == pytest.approx(481.8, rel=1e-6)


def test_a_binding_edge_and_its_shadow_price_against_a_finite_difference(tmp_path):
    # the edge carries 300 TB/yr: 300 TB are stored west, 200 east. One more TB/yr of capacity
    # moves one more TB west: 350.4 − 100 saved on storage, and its 0.1 TB analysed at w instead of
    # e saves 0.1 × 350.4 = 35.04 more: 285.44 yuan per TB/yr, i.e. 285.44 / γ per Tbps-year
    cap = 300 * GAMMA
    res = _solve(tmp_path, TWO_STAGES, IOT_500, _edge(100.0, cap), name="tight")
    assert float(res["backbone_tb"].sel(edge="h_east-h_west", year=2026)) == pytest.approx(300.0, rel=1e-6)
    assert float(res["backbone_use_share"].sum()) == pytest.approx(1.0, rel=1e-6)
    # without an expansion cost, backbone_expansion_limit keeps the edge at its capacity
    assert float(res["backbone_capacity"].sum()) == pytest.approx(cap, rel=1e-9)
    value = float(res["bandwidth_value"].sel(edge="h_east-h_west", year=2026))
    assert value == pytest.approx(285.44 / GAMMA, rel=1e-6)
    more = _solve(tmp_path, TWO_STAGES, IOT_500, _edge(100.0, cap + 10 * GAMMA), name="wider")
    assert res.attrs["objective"] - more.attrs["objective"] == pytest.approx(value * 10 * GAMMA, rel=1e-6)
    # expansion at 1e6 yuan per Tbps-km (1,000 km): one Tbps costs 1e9 < 285.44 / γ = 1.125e9 per year,
    # so the edge is widened until all 500 TB go west: 200 TB more, 200 γ Tbps
    built = _solve(tmp_path, TWO_STAGES, IOT_500, _edge(100.0, cap, 1e6), name="built")
    assert float(built["backbone_capacity"].sel(year=2026).sum()) == pytest.approx(500 * GAMMA, rel=1e-6)
    assert float(built["cost"].sel(cost_term="backbone_capex")) == pytest.approx(1e9 * 200 * GAMMA, rel=1e-6)


def test_a_backup_chain_places_its_copies_in_two_hubs(tmp_path):
    # two copies of the 100 TB (ratio 2), at most 1/2 of them in one hub: 100 TB at e (10 racks ×
    # 4,380 = 43,800) and 100 TB at w (10 racks × 876 + 100 TB × 100 = 18,760): 62,560, although
    # w alone would be cheaper (200 × (100 + 87.6) = 37,520)
    base = _solve(tmp_path, None, None, name="none").attrs["objective"]
    backup = [("backup", "copy", 1, "w", 2.0, 10.0, 2)]
    res = _solve(tmp_path, backup, [("backup", "r1", 2026, 100.0)], _edge(100.0), name="backup")
    assert res.attrs["objective"] - base == pytest.approx(62_560.0, rel=1e-9)
    np.testing.assert_allclose(res["chain_tb"].sel(stage="copy", year=2026).to_numpy(), [100.0, 100.0], rtol=1e-9)
    single = _solve(tmp_path, [("backup", "copy", 1, "w", 2.0, 10.0, 1)], [("backup", "r1", 2026, 100.0)],
                    _edge(100.0), name="single")
    assert single.attrs["objective"] - base == pytest.approx(37_520.0, rel=1e-9)


def test_the_families_apply_only_with_chains(tmp_path):
    from model.formulation import build_lp
    from model.inputs import build_inputs
    from model.inputs.dataset import load_dataset
    from model.inputs.scenario import scenario_from_dict
    _solve(tmp_path, TWO_STAGES, IOT_500, _edge(100.0), name="lp")
    lp = build_lp(build_inputs(scenario_from_dict({"name": "lp"}), load_dataset(tmp_path / "lp" / "data")))
    assert {"chain_source", "chain_stage", "chain_copies", "backbone_capacity"} <= {rb.name for rb in lp.rows}
    assert "backbone_expansion_limit" in {b.name for b in lp.bounds}
    assert {"chain_opex", "chain_transfer", "backbone_capex"} <= {c.name for c in lp.costs}
    # store at e or w from r1 (2 columns) and analyse from each to each (4): one year
    assert lp.variables["chain_flow"].size == 6 and lp.variables["chain_unmet"].size == 1 and lp.variables["backbone_build"].size == 1


def test_bad_lifecycle_input_names_file_field_and_problem(tmp_path):
    from model.errors import InputError
    with pytest.raises(InputError, match=r"chains.csv.*workload_id.*unknown id"):
        _solve(tmp_path, [("iot", "store", 1, "nope", 1.0, 10.0, "")], IOT_500, name="bad_w")
    with pytest.raises(InputError, match=r"backbone.csv.*hub_b.*unknown id"):
        _solve(tmp_path, TWO_STAGES, IOT_500, ("h_east", "h_mars", 1, 1, 0, 1, 1, ""), name="bad_hub")
    with pytest.raises(InputError, match=r"chains.csv.*stage_order.*no stage 1"):
        _solve(tmp_path, [("iot", "store", 2, "w", 1.0, 10.0, "")], IOT_500, name="bad_order")


def test_data_no_rack_takes_are_unmet_at_the_penalty(tmp_path):
    # 3,000 TB at θ = 10 need 300 racks; e and w hold 100 each: 1,000 TB stored at e (438,000),
    # 1,000 at w (87,600 + 100,000 transfer) and 1,000 TB unmet at 100,000 / 10 = 10,000 per TB (10,000,000)
    base = _solve(tmp_path, None, None, name="none").attrs["objective"]
    res = _solve(tmp_path, [("iot", "store", 1, "w", 1.0, 10.0, "")], [("iot", "r1", 2026, 3000.0)], _edge(100.0), name="full")
    assert float(res["chain_unmet_tb"].sel(chain="iot", region="r1", year=2026)) == pytest.approx(1000.0)
    assert float(res["cost"].sel(cost_term="chain_unmet_penalty")) == pytest.approx(10_000_000.0)
    assert res.attrs["objective"] - base == pytest.approx(10_625_600.0, rel=1e-9)
    assert float(res["data_gravity_price"].sel(chain="iot", region="r1", year=2026)) == pytest.approx(10_000.0, rel=1e-6)
    # the chain's own price, 500 yuan/TB: the 1,000 TB pay 500,000 instead
    own = _solve(tmp_path, [("iot", "store", 1, "w", 1.0, 10.0, "", "", 500.0)], [("iot", "r1", 2026, 3000.0)], _edge(100.0),
                 name="own_price")
    assert float(own["cost"].sel(cost_term="chain_unmet_penalty")) == pytest.approx(500_000.0)


def test_data_that_must_stay_in_their_province(tmp_path):
    # the cheap transfer would send r1's data west (98,180); kept in r1 they use e: 55 × 4,380 = 240,900.
    # r2 has w in its own province: its 500 TB stay there (55 × 876 = 48,180)
    base = _solve(tmp_path, None, None, name="none").attrs["objective"]
    local = [s + (1,) for s in TWO_STAGES]
    res = _solve(tmp_path, local, IOT_500, _edge(100.0), name="stay")
    assert res.attrs["objective"] - base == pytest.approx(240_900.0, rel=1e-9)
    assert float(res["backbone_tb"].sum()) == 0.0
    res2 = _solve(tmp_path, local, [("iot", "r2", 2026, 500.0)], _edge(100.0), name="stay_w")
    assert res2.attrs["objective"] - base == pytest.approx(48_180.0, rel=1e-9)
