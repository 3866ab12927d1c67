"""A value of lost load per work class (issue 18's knife edge): when racks are short, the class whose
unserved rack-year loses the most is served first, and the scenario's unmet penalty scales every
class alike. Hand instances (tests/tiny.py: 1 kW racks, PUE 1, 0.1 yuan/kWh, no discounting, no
carbon price, settings.yaml's penalty V₀ = 100,000), optima worked out in the comments."""
import pytest
from tiny import solve_tiny

from model.reports import summary

Y = 2026
CLUSTER = {"a": {"installed_racks": 10, "planned_racks": 10}}  # no builds (build limit 0)
DEMAND = {("r1", "lo", Y): 5, ("r1", "hi", Y): 6}  # 11 racks of work on 10 racks: one rack short


def _solve(tmp_path, lo: float, hi: float, scenario: dict | None = None):
    return solve_tiny(tmp_path, CLUSTER, {"r1": {}}, DEMAND,
                      {"lo": {"unmet_value_yuan_per_rack_year": lo}, "hi": {"unmet_value_yuan_per_rack_year": hi}},
                      scenario=scenario)


def unmet(res, w):
    return float(res["unmet"].sel(region="r1", workload=w, year=Y))


def test_the_class_with_the_higher_value_is_served(tmp_path):
    """lo is worth 50,000 a rack-year unserved, hi 150,000 (λ = 0.5 and 1.5 of V₀). Serving a rack
    costs 8760 × 0.1 = 876 whatever its class, so the 10 racks serve all 6 of hi and 4 of lo; one lo
    rack is unmet. Objective = 10 × 876 + 1 × 100,000 × 0.5 = 8,760 + 50,000 = 58,760. Leaving an hi
    rack unserved instead would cost 150,000 − 50,000 = 100,000 more."""
    res = _solve(tmp_path, 50_000, 150_000)
    s = summary(res)
    assert s["objective"] == pytest.approx(58_760, rel=1e-9)
    assert s["costs"]["unmet_penalty"] == pytest.approx(50_000, rel=1e-9)
    assert unmet(res, "lo") == pytest.approx(1, abs=1e-6) and unmet(res, "hi") == pytest.approx(0, abs=1e-6)
    assert res["unmet_value_ratio"].sel(workload=["lo", "hi"]).values.tolist() == pytest.approx([0.5, 1.5])


def test_swapping_the_values_swaps_the_class_left_unserved(tmp_path):
    """hi now 40,000, lo 120,000: one hi rack unmet. Objective = 8,760 + 40,000 = 48,760."""
    res = _solve(tmp_path, 120_000, 40_000)
    assert summary(res)["objective"] == pytest.approx(48_760, rel=1e-9)
    assert unmet(res, "hi") == pytest.approx(1, abs=1e-6) and unmet(res, "lo") == pytest.approx(0, abs=1e-6)


def test_the_scenario_penalty_scales_every_class_alike(tmp_path):
    """The scenario sets V = 300,000 = 3 × V₀: lo's penalty is 3 × 50,000 = 150,000, hi's 450,000;
    still one lo rack unmet. Objective = 8,760 + 150,000 = 158,760."""
    res = _solve(tmp_path, 50_000, 150_000, {"unmet_penalty_yuan_per_rack_year": 300_000})
    assert summary(res)["objective"] == pytest.approx(158_760, rel=1e-9)
    assert unmet(res, "lo") == pytest.approx(1, abs=1e-6)


def test_a_class_without_a_value_is_priced_at_the_penalty(tmp_path):
    """workloads.csv leaves the column empty (every test dataset but the bundled one): λ = 1, the
    penalty is V itself. Only "w", 11 racks of demand on 10: objective = 8,760 + 100,000."""
    res = solve_tiny(tmp_path, CLUSTER, {"r1": {}}, {("r1", "w", Y): 11})
    assert summary(res)["objective"] == pytest.approx(108_760, rel=1e-9)
    assert float(res["unmet_value_ratio"].sel(workload="w")) == 1.0
