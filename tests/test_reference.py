"""The reference scenario, checked from the written results (summary.json, allocation.csv,
results.nc, report.xlsx) as a planner would receive them, not from model internals."""
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.reports.files import read_results

TOL = 1e-5


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("reference")
    r = CliRunner().invoke(app, ["solve", "data/scenarios/reference.yaml", "--out", str(d), "--quiet",
                                 "--write-model", str(d / "model.mps")])
    assert r.exit_code == 0, r.output
    return d


@pytest.fixture(scope="module")
def res(out):
    return read_results(out / "results.nc")


@pytest.fixture(scope="module")
def summary(out):
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_summary_has_the_documented_fields(summary):
    for key in ("status", "objective", "costs", "emissions_tco2", "unmet", "timings", "scenario_hash", "versions"):
        assert key in summary
    assert summary["status"] == "optimal"
    assert set(summary["timings"]) >= {"build_s", "solve_s", "total_s"}
    assert {"total_rack_years", "by_reason"} <= set(summary["unmet"])
    assert summary["versions"]["highspy"] and summary["versions"]["pyomo"]


def test_cost_terms_add_up_to_the_objective(summary, res):
    assert sum(summary["costs"].values()) == pytest.approx(summary["objective"], rel=1e-9)
    assert float(res["cost"].sum()) == pytest.approx(summary["objective"], rel=1e-9)


def test_every_allocation_respects_its_latency_bound(out):
    alloc = pd.read_csv(out / "allocation.csv")
    bounds = pd.read_csv("data/workloads.csv").set_index("workload_id")["latency_bound_ms"]
    b = alloc["workload"].map(bounds)
    assert len(alloc) > 0
    assert (b.isna() | (alloc["latency_ms"] <= b + 1e-9)).all()
    assert alloc["racks"].gt(0).all()
    assert set(alloc.columns[:7]) == {"region", "workload", "cluster", "hub", "year", "racks", "latency_ms"}


def test_allocation_csv_matches_results_nc(out, res):
    alloc = pd.read_csv(out / "allocation.csv")
    assert alloc["racks"].sum() == pytest.approx(float(res["allocation"].sum()), rel=1e-9)


def test_demand_is_served_or_reported_unmet(res):
    served = res["allocation"].sum("cluster")
    np.testing.assert_allclose((served + res["unmet"]).values, res["demand"].values, atol=TOL, rtol=1e-9)
    reasons = res["unmet_reason"].values
    assert ((res["unmet"].values > 1e-6) == (reasons != "")).all()


def test_capacity_build_and_power_limits_hold(res):
    cap = res["installed_racks"] + res["build"].cumsum("year")
    assert (res["load"] <= res["available"] * cap * (1 + 1e-9) + TOL).all()
    assert (res["build"] <= res["build_limit_racks_per_year"] + TOL).all()
    assert (res["build"].sum("year") <= res["planned_racks"] - res["installed_racks"] + TOL).all()
    facility = res["pue"] * (res["allocation"] * res["kw_per_rack"]).sum(("region", "workload")) / 1000
    np.testing.assert_allclose(facility.values, res["facility_power_mw"].values, rtol=1e-7, atol=1e-6)
    assert (res["grid_mw"] <= res["grid_limit_mw"] + TOL).all()
    assert (res["green_mw"] <= res["green_avail_mw"] + TOL).all()


def test_unmet_only_where_no_cluster_is_close_enough(summary, res):
    """On the reference data every unmet rack is real-time work of a region with no cluster within 5 ms."""
    assert set(summary["unmet"]["by_reason"]) == {"no admissible cluster within the latency bound"}
    unmet_regions = set(res["region"].values[(res["unmet"].sum(("workload", "year")) > 1e-6).values])
    assert "xinjiang" in unmet_regions and "beijing" not in unmet_regions


def test_results_nc_is_self_describing(res, summary):
    man = json.loads(res.attrs["manifest"])
    assert man["scenario_hash"] == summary["scenario_hash"]
    assert man["status"] == "optimal" and man["solver_options"]["threads"] == 1
    assert {"build_s", "solve_s", "total_s"} <= set(man["timings"])
    for v in ("demand", "latency_ms", "pue", "allocation", "unmet", "emissions_t", "cost"):
        assert v in res
    assert "张家口集群" in set(res["cluster_name_zh"].values)


def test_excel_report_has_bilingual_sheets(out):
    sheets = pd.read_excel(out / "report.xlsx", sheet_name=None)
    assert {"Summary 摘要", "Allocation 分配", "Clusters 集群", "Manifest"} <= set(sheets)
    assert "张家口集群 Zhangjiakou" in set(sheets["Allocation 分配"]["集群 Cluster"])


def test_mps_round_trip_with_highs_alone(out, summary):
    import highspy
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(out / "model.mps"))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(summary["objective"], rel=1e-7)
