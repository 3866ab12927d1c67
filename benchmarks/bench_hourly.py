"""Hourly-model benchmark (``make bench``): representative-day count vs accuracy and time, and the
pipeline against HiGHS alone at the default count and at 2× it.

    python benchmarks/bench_hourly.py [--days 4 8 12 24] [--reference 48] [--out FILE.json]

1. Accuracy: the reference scenario at ``resolution: hourly`` for each count, against the run at
   ``--reference`` days (default 24; ``--reference full_year --reference-method ipm`` for the full
   year, far heavier): objective and horizon emissions, relative difference; the annual resolution
   beside them.
2. For the default count and 2× it, in fresh processes: columns, rows, build / hand-off / solve
   times from the manifest, and HiGHS alone on the written MPS (readModel + run, same options).
3. Warm re-solve after a carbon-price change at the default count: one Planner solves the
   hourly reference, then the same with carbon at 300 yuan/t (HiGHS updated in place); against
   raw highspy on the MPS: run, change the same costs, run again (timed).

Each step runs in its own process (no fork after a solve). Figures are recorded in
docs/performance.md ("Hourly resolution").
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent / "data" / "scenarios" / "reference.yaml"
MARK = "BENCH-RESULT "
WARM_CARBON_PRICE = 300.0


def _child_solve(days: str, method: str, mps: str) -> dict:
    import time

    from model.inputs.scenario import apply_changes, load_scenario
    from model.reports import summary
    from model.run import Planner

    changes = {"solver.method": method}
    if days != "annual":
        changes.update({"resolution": "hourly", "hourly.representative_days": days if days == "full_year" else int(days)})
    sc = apply_changes(load_scenario(REFERENCE), changes)
    t = time.perf_counter()
    res = Planner().solve(sc, write_model=mps or None)
    wall = time.perf_counter() - t
    s = summary(res)
    man = json.loads(res.attrs["manifest"])
    return {"days": days, "status": s["status"], "objective": s["objective"], "emissions_t": s["emissions_tco2"],
            "cfe": s["kpis"].get("green_cfe_score"), "volume": s["kpis"].get("green_volume_score"),
            "sizes": man["sizes"], "timings": man["timings"], "wall_s": wall,
            "rep_day_rmse": res.attrs.get("rep_day_rmse")}


def _child_highs(mps: str) -> dict:
    import time

    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    t = time.perf_counter()
    h.readModel(mps)
    h.run()
    return {"highs_s": time.perf_counter() - t, "objective": h.getInfo().objective_function_value}


def _child_warm(days: str, mps: str) -> dict:
    import time

    import highspy
    import numpy as np

    from model.inputs.scenario import apply_changes, load_scenario
    from model.run import Planner

    base = apply_changes(load_scenario(REFERENCE), {"resolution": "hourly", "hourly.representative_days": int(days)})
    p = Planner()
    p.solve(base, write_model=mps)
    t = time.perf_counter()
    res = p.solve(apply_changes(base, {"carbon_price_yuan_per_t": WARM_CARBON_PRICE}))
    ours = time.perf_counter() - t
    man = json.loads(res.attrs["manifest"])
    # raw highspy: the same LP from the MPS, then the same cost change (the columns whose cost the
    # Planner changed, in HiGHS's column order), warm
    hm = p.model
    cost = hm.lp.column_cost()
    present = hm.col_of >= 0
    cols, new = hm.col_of[present].astype(np.int32), cost[present]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.readModel(mps)
    h.run()
    old = np.asarray(h.getLp().col_cost_)[cols]
    changed = np.flatnonzero(old != new)
    t = time.perf_counter()
    h.changeColsCost(changed.size, cols[changed], new[changed])
    h.run()
    raw = time.perf_counter() - t
    return {"ours_warm_s": ours, "raw_warm_s": raw, "warm": man["warm_start"], "ours_objective": man["objective"],
            "raw_objective": h.getInfo().objective_function_value}


def _run(kind: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith(MARK))
    return json.loads(line[len(MARK):])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", nargs="+", default=["4", "8", "12", "16"])
    ap.add_argument("--reference", default="24")
    ap.add_argument("--reference-method", default="choose", help="HiGHS method of the reference run (ipm for full_year)")
    ap.add_argument("--default", default="8")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        fn = {"solve": _child_solve, "highs": _child_highs, "warm": _child_warm}[kind]
        print(MARK + json.dumps(fn(*rest)))
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench_hourly_"))
    ref = _run("solve", args.reference, args.reference_method, "")
    annual = _run("solve", "annual", "choose", "")
    rows = []
    for d in args.days:
        mps = str(tmp / f"h{d}.mps")
        r = _run("solve", d, "choose", mps)
        r["highs_alone"] = _run("highs", mps)["highs_s"]
        r["objective_vs_ref"] = r["objective"] / ref["objective"] - 1
        r["emissions_vs_ref"] = r["emissions_t"] / ref["emissions_t"] - 1
        rows.append(r)
    warm = _run("warm", args.default, str(tmp / "warm.mps"))
    report = {"reference": ref, "annual": annual, "rows": rows, "warm": warm}
    print(f"reference {args.reference} days: objective {ref['objective']:.6e}, emissions {ref['emissions_t'] / 1e6:.2f} Mt, "
          f"solve {ref['timings']['solve_s']:.1f} s; annual: objective {annual['objective']:.6e}, "
          f"emissions {annual['emissions_t'] / 1e6:.2f} Mt")
    print("days | cols | rows | build s | hand-off s | solve s | total s | HiGHS alone s | ratio | Δobj | Δemis | CFE | volume | rmse")
    for r in rows:
        t = r["timings"]
        print(f"{r['days']} | {r['sizes']['columns']:,} | {r['sizes']['rows']:,} | {t['build_s']:.2f} | {t['handoff_s']:.2f} | "
              f"{t['solve_s']:.2f} | {t['total_s']:.2f} | {r['highs_alone']:.2f} | {t['total_s'] / r['highs_alone']:.2f} | "
              f"{r['objective_vs_ref']:+.4%} | {r['emissions_vs_ref']:+.3%} | {r['cfe']:.3f} | {r['volume']:.3f} | {r['rep_day_rmse']:.3f}")
    print(f"warm re-solve (carbon {WARM_CARBON_PRICE:g} yuan/t, {args.default} days): ours {warm['ours_warm_s']:.2f} s "
          f"(warm={warm['warm']}), raw highspy {warm['raw_warm_s']:.2f} s, ratio {warm['ours_warm_s'] / warm['raw_warm_s']:.2f}; "
          f"objectives {warm['ours_objective']:.6e} / {warm['raw_objective']:.6e}")
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
