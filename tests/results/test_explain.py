"""Strict mode on an infeasible scenario names exactly the conflicting constraints."""
from tiny import scenario_file, solve_tiny, write_dataset
from typer.testing import CliRunner

from model.cli import app
from model.reports import summary

Y = 2026


def test_strict_mode_names_the_conflict(tmp_path):
    """Cluster a holds 100 racks and may not build (limit 0); r1 needs 150 in strict mode. The IIS is
    exactly: demand_balance[r1, w, 2026], unmet_allowance[r1, w, 2026], cluster_capacity[a, 2026]
    and build_limit[a, 2026] (lifting either of the last two would resolve it)."""
    res = solve_tiny(tmp_path, clusters={"a": {}}, regions={"r1": {}}, demand={("r1", "w", Y): 150},
                     scenario={"policy": {"allow_unmet": False}})
    s = summary(res)
    assert s["status"] == "infeasible"
    got = {(c["constraint"], tuple(c["index"].values())) for c in s["conflicts"]}
    assert got == {("demand_balance", ("r1", "w", Y)), ("unmet_allowance", ("r1", "w", Y)),
                   ("cluster_capacity", ("a", Y)), ("build_limit", ("a", Y))}
    texts = " | ".join(c["text"] for c in s["conflicts"])
    assert "a集群 (a)" in texts and "r1省 (r1)" in texts
    # the 中文 mode's sentence: the family's label, its index in 中文, the side of the limit
    zh = {c["constraint"]: c["text_zh"] for c in s["conflicts"]}
    assert zh["cluster_capacity"] == "集群容量（a集群，2026 年）上限"
    assert zh["build_limit"] == "年建设上限（a集群，2026 年）上限"


def test_strict_mode_power_conflict(tmp_path):
    """Capacity is ample but the grid limit (0.05 MW = 50 racks of 1 kW) is not; no green power."""
    res = solve_tiny(tmp_path, clusters={"a": {"installed_racks": 1000, "planned_racks": 1000, "grid_limit_mw": 0.05}},
                     regions={"r1": {}}, demand={("r1", "w", Y): 80}, scenario={"policy": {"allow_unmet": False}})
    got = {c["constraint"] for c in summary(res)["conflicts"]}
    assert got == {"demand_balance", "unmet_allowance", "power_balance", "grid_connection_limit", "green_availability"}


def test_cli_reports_conflicts_and_exits_1(tmp_path):
    ds = write_dataset(tmp_path / "data", clusters={"a": {}}, regions={"r1": {}}, demand={("r1", "w", Y): 150})
    sc = scenario_file(tmp_path, ds, {"policy": {"allow_unmet": False}})
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(tmp_path / "out"), "--quiet"])
    assert r.exit_code == 1
    assert "infeasible" in r.stderr and "cluster_capacity" in r.stderr and "capacity of a集群 (a) in 2026" in r.stderr
