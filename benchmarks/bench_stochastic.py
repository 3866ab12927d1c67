"""Extensive form of the two-stage problem with 10, 30 and 100 national futures (LHS over the
AI-training growth 0.25–0.60 and the carbon price 60–200 yuan/t): size, our build + hand-off +
solve time, HiGHS alone on the written MPS, growth with the number of futures. Then progressive
hedging (mpi-sppy, one rank) on the 5 AI-demand futures: time and gap of its plan against the
extensive form after a fixed number of iterations.

    .venv/bin/python benchmarks/bench_stochastic.py [--futures N ...] [--ph-iterations K]
      (defaults 10 30 100 and K = 5; K = 0 skips PH)
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import highspy

from model.solve import HighsModel
from model.studies.stochastic import extensive_form, futures_from_dict
from model.studies.stochastic.twostage import future_programs

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "scenarios"
AI_FUTURES = ROOT / "data" / "futures" / "ai_demand.yaml"


def case(n: int) -> dict:
    fs = futures_from_dict({"base": "reference.yaml", "generate": {
        "method": "lhs", "n": n, "seed": 1,
        "ranges": {"demand.class_growth.ai_training": [0.25, 0.60], "carbon_price_yuan_per_t": [60, 200]}}},
        "<bench>", REFERENCE)
    t0, c0 = time.perf_counter(), time.process_time()
    _, lps = future_programs(fs)
    ef = extensive_form(lps, [f.probability for f in fs])
    t1 = time.perf_counter()
    m = HighsModel(ef, fs[0].scenario.solver)
    t2 = time.perf_counter()
    sol = m.solve()
    ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    with tempfile.TemporaryDirectory() as d:
        mps = Path(d) / "ef.mps"
        m.write_model(str(mps))
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        a, ac = time.perf_counter(), time.process_time()
        h.readModel(str(mps))
        h.run()
        alone, alone_cpu = time.perf_counter() - a, time.process_time() - ac
        obj_alone = h.getInfo().objective_function_value
    return {"futures": n, "columns": ef.num_cols, "rows": sum(rb.size for rb in ef.rows),
            "inputs+blocks_s": t1 - t0, "handoff_s": t2 - t1, "solve_s": sol.timings["solve_s"],
            "total_s": ours, "highs_alone_s": alone, "ratio": ours / alone, "cpu_ratio": ours_cpu / alone_cpu,
            "objective_gap": abs(sol.objective - obj_alone) / abs(obj_alone)}


def ph_case(iterations: int) -> dict:
    from model.studies.stochastic.ph import cross_check
    return cross_check(AI_FUTURES, max_iterations=iterations, convergence=0.0)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--futures", type=int, nargs="*", default=[10, 30, 100])
    ap.add_argument("--ph-iterations", type=int, default=5)
    args = ap.parse_args()
    print("| futures | columns | rows | inputs + blocks | hand-off | solve | total | HiGHS alone (read + run) | ratio | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.futures:
        r = case(n)
        print(f"| {r['futures']} | {r['columns']:,} | {r['rows']:,} | {r['inputs+blocks_s']:.2f} s | {r['handoff_s']:.2f} s | "
              f"{r['solve_s']:.2f} s | **{r['total_s']:.2f} s** | {r['highs_alone_s']:.2f} s | {r['ratio']:.2f}× | {r['cpu_ratio']:.2f}× |",
              flush=True)
        assert r["objective_gap"] < 1e-6, r
    if args.ph_iterations:
        r = ph_case(args.ph_iterations)
        print(f"\nPH, 5 AI-demand futures, {r['iterations']} iterations: {r['ph_s']:.1f} s "
              f"(extensive form {r['extensive_form_s']:.2f} s); PH plan's expected cost "
              f"{r['ph_plan_expected_cost'] / 1e8:,.2f} 亿元 vs RP {r['RP'] / 1e8:,.2f} 亿元: gap {100 * r['gap']:.3f} %; "
              f"trivial bound vs WS {r['bound_vs_WS']:.1e}", flush=True)
