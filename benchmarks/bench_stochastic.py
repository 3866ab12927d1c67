"""Extensive form of the two-stage problem with 10, 30 and 100 national futures (LHS over the
AI-training growth 0.25–0.60 and the carbon price 60–200 yuan/t): size, our build + hand-off +
solve time, HiGHS alone on the written MPS, growth with the number of futures.

    .venv/bin/python benchmarks/bench_stochastic.py [N ...]     (default 10 30 100)
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import highspy

from model.solve import HighsModel
from model.studies.stochastic import extensive_form, futures_from_dict
from model.studies.stochastic.twostage import future_programs

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "scenarios"


def case(n: int) -> dict:
    fs = futures_from_dict({"base": "reference.yaml", "generate": {
        "method": "lhs", "n": n, "seed": 1,
        "ranges": {"demand.class_growth.ai_training": [0.25, 0.60], "carbon_price_yuan_per_t": [60, 200]}}},
        "<bench>", REFERENCE)
    t0 = time.perf_counter()
    _, lps = future_programs(fs)
    ef = extensive_form(lps, [f.probability for f in fs])
    t1 = time.perf_counter()
    m = HighsModel(ef, fs[0].scenario.solver)
    t2 = time.perf_counter()
    sol = m.solve()
    ours = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        mps = Path(d) / "ef.mps"
        m.write_model(str(mps))
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        a = time.perf_counter()
        h.readModel(str(mps))
        h.run()
        alone = time.perf_counter() - a
        obj_alone = h.getInfo().objective_function_value
    return {"futures": n, "columns": ef.num_cols, "rows": sum(rb.size for rb in ef.rows),
            "inputs+blocks_s": t1 - t0, "handoff_s": t2 - t1, "solve_s": sol.timings["solve_s"],
            "total_s": ours, "highs_alone_s": alone, "ratio": ours / alone,
            "objective_gap": abs(sol.objective - obj_alone) / abs(obj_alone)}


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [10, 30, 100]
    print("| futures | columns | rows | inputs + blocks | hand-off | solve | total | HiGHS alone (read + run) | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        r = case(n)
        print(f"| {r['futures']} | {r['columns']:,} | {r['rows']:,} | {r['inputs+blocks_s']:.2f} s | {r['handoff_s']:.2f} s | "
              f"{r['solve_s']:.2f} s | **{r['total_s']:.2f} s** | {r['highs_alone_s']:.2f} s | {r['ratio']:.2f}× |",
              flush=True)
        assert r["objective_gap"] < 1e-6, r
