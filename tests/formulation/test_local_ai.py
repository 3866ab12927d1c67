"""AI work in the provinces' own stock runs only on its AI-fitted share (families local_ai_capacity and
local_general_capacity, settings.yaml local_ai_share). Defaults of tiny.py: PUE 1, 1 kW per rack, no
discounting. The own stock here costs 8760 kWh × 0.05 yuan = 438 a rack-year, a cluster rack 876."""
import pytest
from tiny import solve_tiny

from model.results import REASON_CAPACITY

AI = {"ai": {"physical_rack_kw": 20.0}, "w": {}}  # 20 kW physical racks: an AI class
CLUSTER = {"k": {"installed_racks": 100.0, "installed_ai_racks": 20.0}}  # 20 AI racks, no builds
STOCK = {"opex_yuan_per_rack_year": 0.0, "grid_price_yuan_per_kwh": 0.05}  # 100 racks (tiny.LOCAL)


def solve(tmp_path, demand, settings=None, regions=None, local=None):
    return solve_tiny(tmp_path, CLUSTER, regions or {"r1": {}}, demand, AI, settings, local=local or {"r1": STOCK})


def test_ai_training_uses_only_the_ai_fitted_share_of_the_own_stock(tmp_path):
    # r1's own stock: 100 racks, a = 0.2 of them fitted for AI. 50 racks of AI training: 20 in the own stock
    # (local_ai_capacity: 0.2 × 100), 20 on the cluster's AI racks, 10 unmet at 100,000.
    # Objective 20 × 438 + 20 × 876 + 10 × 100,000 = 8,760 + 17,520 + 1,000,000 = 1,026,280
    res = solve(tmp_path, {("r1", "ai", 2026): 50.0}, {"local_ai_share": 0.2})
    assert float(res["local_served"].sel(region="r1", workload="ai", year=2026)) == pytest.approx(20.0)
    assert float(res["served"].sel(region="r1", workload="ai", year=2026)) == pytest.approx(20.0)
    assert float(res["unmet"].sum()) == pytest.approx(10.0)
    assert res.attrs["objective"] == pytest.approx(1_026_280.0, rel=1e-9)
    # the 80 racks left idle are not fitted for AI: the unmet work's reason is capacity, not cost
    assert str(res["unmet_reason"].sel(region="r1", workload="ai", year=2026).item()) == REASON_CAPACITY
    # without the share (a dataset that leaves local_ai_share out) any rack takes AI work: 50 × 438 = 21,900
    old = solve(tmp_path / "old", {("r1", "ai", 2026): 50.0})
    assert float(old["local_served"].sum()) == pytest.approx(50.0)
    assert old.attrs["objective"] == pytest.approx(21_900.0, rel=1e-9)


def test_another_provinces_ai_work_counts_against_the_hosts_share(tmp_path):
    # r2 has no stock and sends its AI training to r1's (the national market; no transport cost here).
    # 15 + 15 racks of AI training, r1's AI-fitted share 0.2 × 100 = 20, the cluster's 20 AI racks
    # and the 30 own-stock racks take all 30: own stock 20 (438 each), cluster 10 (876 each):
    # 8,760 + 8,760 = 17,520. With a = 0.05 the own stock takes 5, the cluster 20, 5 unmet:
    # 5 × 438 + 20 × 876 + 5 × 100,000 = 2,190 + 17,520 + 500,000 = 519,710
    demand = {("r1", "ai", 2026): 15.0, ("r2", "ai", 2026): 15.0}
    regions = {"r1": {}, "r2": {"lat": 31.0}}
    local = {"r1": STOCK, "r2": {"existing_racks": 0.0}}
    res = solve(tmp_path, demand, {"local_ai_share": 0.2}, regions, local)
    assert float(res["local_served"].sum()) == pytest.approx(20.0)
    assert res.attrs["objective"] == pytest.approx(17_520.0, rel=1e-9)
    tight = solve(tmp_path / "tight", demand, {"local_ai_share": 0.05}, regions, local)
    assert float(tight["local_served"].sum()) == pytest.approx(5.0)
    assert float(tight["remote_served"].sum()) <= 5.0 + 1e-6
    assert float(tight["unmet"].sum()) == pytest.approx(5.0)
    assert tight.attrs["objective"] == pytest.approx(519_710.0, rel=1e-9)


def test_reserved_ai_racks_of_the_own_stock_host_ai_work_only(tmp_path):
    # 10 racks of AI training, 90 of general work; the own stock's 100 racks, a = 0.2.
    # ai_racks_reserved: general work has the other 80 (local_general_capacity), the 10 more go to the
    # cluster's 80 general racks: 90 × 438 + 10 × 876 = 39,420 + 8,760 = 48,180.
    # Not reserved: the 10 AI-fitted racks the AI work leaves take general work: 100 × 438 = 43,800
    demand = {("r1", "ai", 2026): 10.0, ("r1", "w", 2026): 90.0}
    res = solve(tmp_path, demand, {"local_ai_share": 0.2, "ai_racks_reserved": 1})
    assert float(res["local_served"].sel(region="r1", workload="w", year=2026)) == pytest.approx(80.0)
    assert float(res["served"].sel(region="r1", workload="w", year=2026)) == pytest.approx(10.0)
    assert res.attrs["objective"] == pytest.approx(48_180.0, rel=1e-9)
    shared = solve(tmp_path / "shared", demand, {"local_ai_share": 0.2})
    assert float(shared["local_served"].sum()) == pytest.approx(100.0)
    assert shared.attrs["objective"] == pytest.approx(43_800.0, rel=1e-9)


def test_a_share_out_of_range_is_one_message(tmp_path):
    from model.errors import InputError
    with pytest.raises(InputError, match="local_ai_share"):
        solve(tmp_path, {("r1", "ai", 2026): 1.0}, {"local_ai_share": 1.5})


def test_a_scenario_sets_the_share_over_the_datasets(tmp_path):
    # the first instance above with a = 0.2 set by the scenario (local_ai_share), over a dataset that
    # leaves it out and over one that says 0.05: 20 own-stock, 20 cluster, 10 unmet = 1,026,280 both times
    demand = {("r1", "ai", 2026): 50.0}
    for name, settings in (("absent", None), ("other", {"local_ai_share": 0.05})):
        res = solve_tiny(tmp_path / name, CLUSTER, {"r1": {}}, demand, AI, settings, local={"r1": STOCK},
                         scenario={"local_ai_share": 0.2})
        assert float(res["local_ai_share"].sel(region="r1")) == 0.2
        assert res.attrs["objective"] == pytest.approx(1_026_280.0, rel=1e-9)
