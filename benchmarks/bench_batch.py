"""Batch benchmark (``make bench``): a 1,000-scenario national sweep end to end, and where the time goes.

1. In-process, serial, on the reference scenario: scenarios per second solved **cold** (a fresh
   ``Planner`` each: build + hand-off + solve + results) and **warm** (one ``Planner``: numbers
   pushed into the compiled HiGHS model, re-solved from the previous basis).
2. The same warm sequence in **raw highspy**: the LP written by ``Planner.solve(write_model=...)``
   (MPS) loaded into ``highspy.Highs``; for each scenario only the changed column costs and row
   bounds are set directly, then a warm ``run()``. Reported: the ratio of our warm per-scenario
   time (whole ``Planner.solve``: inputs, LP blocks, update, solve, results) to raw highspy, and
   the same objective to 1e-7.
3. ``hubplan sweep`` over carbon price × demand scale × electricity price scale (10 × 10 × 10 =
   1,000 scenarios) on a local Dask cluster (2 worker processes), timed as a subprocess from
   start to exit. Lean outputs: per scenario summary.json, scenario.yaml, run.json and
   arrays.npz (DIR/scenarios/<hash>/), one row in index.csv / index.parquet / summary.csv, and
   the scenario slice of combined.nc; no per-scenario Excel, NetCDF or HTML. Then the same
   command again (everything is skipped as done).

Target on the project's 2-core machine: ≤ 60 s for step 3.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.inputs.scenario import apply_changes, load_scenario  # noqa: E402
from model.run import Planner  # noqa: E402

REFERENCE = ROOT / "data" / "scenarios" / "reference.yaml"
CARBON = [0, 50, 100, 150, 200, 250, 300, 400, 500, 600]
DEMAND = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]
ELEC = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]
TARGET_S = 60.0


def variants(n: int):
    base = load_scenario(REFERENCE)
    rng = np.random.default_rng(1)
    return [apply_changes(base, {"carbon_price_yuan_per_t": float(rng.choice(CARBON)),
                                 "demand.scale": float(rng.choice(DEMAND)),
                                 "electricity_price_scale": float(rng.choice(ELEC))}) for _ in range(n)]


def cold_vs_warm(n_cold: int = 5, n_warm: int = 100) -> dict:
    scs = variants(n_warm)
    Planner().solve(scs[0])  # imports and first-call costs out of the way
    t = time.perf_counter()
    for sc in scs[:n_cold]:
        Planner().solve(sc)
    cold = (time.perf_counter() - t) / n_cold
    p = Planner()
    p.solve(scs[0])
    t = time.perf_counter()
    objs = [float(p.solve(sc).attrs["objective"]) for sc in scs]
    warm = (time.perf_counter() - t) / n_warm
    return {"cold_s": cold, "warm_s": warm, "objectives": objs, "scenarios": scs}


def raw_highspy(scs, objectives) -> dict:
    """Re-solve the same sequence by changing HiGHS's costs and row bounds directly."""
    import highspy

    p = Planner()
    with tempfile.TemporaryDirectory() as tmp:
        mps = str(Path(tmp) / "reference.mps")
        p.solve(load_scenario(REFERENCE), write_model=mps)
        # the exact numbers our warm path hands HiGHS for each scenario (HiGHS column/row order)
        costs, lows, ups, ours_solve = [], [], [], []
        for sc in scs:
            res = p.solve(sc)
            lp = p.model.highs.getLp()
            costs.append(np.array(lp.col_cost_))
            lows.append(np.array(lp.row_lower_))
            ups.append(np.array(lp.row_upper_))
            ours_solve.append(json.loads(res.attrs["manifest"])["timings"]["solve_s"])
        # MPS has no free rows (HiGHS reads an unbounded row back as an extra objective row and
        # drops it): map ours onto the MPS rows by leaving the free ones out
        keep = ~(np.isinf(lows[0]) & (lows[0] < 0) & np.isinf(ups[0]) & (ups[0] > 0))
        lows, ups = [x[keep] for x in lows], [x[keep] for x in ups]
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.readModel(mps)
        h.run()
        lp0 = h.getLp()
        cost, lo, up = np.array(lp0.col_cost_), np.array(lp0.row_lower_), np.array(lp0.row_upper_)
        objs, t_total = [], 0.0
        for c, lower, u in zip(costs, lows, ups):
            t = time.perf_counter()
            ci = np.flatnonzero(c != cost)
            if ci.size:
                h.changeColsCost(ci.size, ci.astype(np.int32), c[ci])
            ri = np.flatnonzero((lower != lo) | (u != up))
            if ri.size:
                h.changeRowsBounds(ri.size, ri.astype(np.int32), lower[ri], u[ri])
            h.run()
            t_total += time.perf_counter() - t
            objs.append(h.getInfo().objective_function_value)
            cost, lo, up = c, lower, u
    rel = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(objs, objectives))
    return {"raw_s": t_total / len(scs), "ours_solve_s": float(np.mean(ours_solve)), "max_rel_diff": rel}


def sweep_end_to_end() -> dict:
    hubplan = str(Path(sys.executable).with_name("hubplan"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sweep"
        cmd = [hubplan, "sweep", str(REFERENCE), "--set", "carbon_price_yuan_per_t=" + ",".join(map(str, CARBON)),
               "--set", "demand.scale=" + ",".join(map(str, DEMAND)),
               "--set", "electricity_price_scale=" + ",".join(map(str, ELEC)),
               "--out", str(out), "--workers", "2", "--quiet"]
        load0 = os.getloadavg()[0]
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)  # client + workers
        load1 = os.getloadavg()[0]
        if run.returncode != 0:
            raise SystemExit(f"sweep failed ({run.returncode}):\n{run.stderr[-3000:]}")
        doc = json.loads((out / "batch.json").read_text())
        t = time.perf_counter()
        again = subprocess.run(cmd, capture_output=True, text=True)
        wall_again = time.perf_counter() - t
        doc2 = json.loads((out / "batch.json").read_text())
        import xarray as xr

        with xr.open_dataset(out / "combined.nc", engine="h5netcdf") as comb:
            sizes = dict(comb.sizes)
        size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
        comb_mb = (out / "combined.nc").stat().st_size / 1e6
    return {"wall_s": wall, "cpu_s": cpu, "load": (load0, load1), "batch": doc, "rerun_s": wall_again, "rerun_reused": doc2["reused"],
            "rerun_rc": again.returncode, "combined_sizes": sizes, "folder_mb": size_mb, "combined_mb": comb_mb}


def main() -> None:
    print(f"bench_batch: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    cw = cold_vs_warm()
    print(f"in-process, serial, reference: cold {1 / cw['cold_s']:.2f} scenarios/s ({cw['cold_s'] * 1000:.0f} ms each), "
          f"warm {1 / cw['warm_s']:.1f} scenarios/s ({cw['warm_s'] * 1000:.0f} ms each), "
          f"warm/cold speed-up {cw['cold_s'] / cw['warm_s']:.1f}x")
    raw = raw_highspy(cw["scenarios"], cw["objectives"])
    print(f"raw highspy warm re-solve of the same LP sequence: {raw['raw_s'] * 1000:.1f} ms each "
          f"(our HiGHS run inside that: {raw['ours_solve_s'] * 1000:.1f} ms); "
          f"ratio ours (whole Planner.solve) / raw = {cw['warm_s'] / raw['raw_s']:.1f}x; "
          f"max relative objective difference {raw['max_rel_diff']:.1e}")
    e2e = sweep_end_to_end()
    b = e2e["batch"]
    print(f"hubplan sweep, {b['scenarios']} scenarios, 2 workers, lean outputs: {e2e['wall_s']:.1f} s end to end "
          f"({b['scenarios'] / e2e['wall_s']:.1f} scenarios/s; target ≤ {TARGET_S:.0f} s: "
          f"{'met' if e2e['wall_s'] <= TARGET_S else 'NOT met'}); {b['ok']} ok, {b['failed']} failed; "
          f"{b['warm']} warm and {b['cold']} cold solves; mean Planner.solve warm "
          f"{(b['mean_total_s_warm'] or 0) * 1000:.0f} ms, cold {(b['mean_total_s_cold'] or 0) * 1000:.0f} ms")
    print(f"  CPU time of the sweep (client + workers): {e2e['cpu_s']:.1f} s = {e2e['cpu_s'] / 2:.1f} s on 2 idle cores; "
          f"load average before/after {e2e['load'][0]:.2f}/{e2e['load'][1]:.2f} (other processes share the cores)")
    print(f"  combined.nc {e2e['combined_sizes']} ({e2e['combined_mb']:.1f} MB); folder {e2e['folder_mb']:.0f} MB")
    print(f"  re-run of the same command: {e2e['rerun_s']:.1f} s, {e2e['rerun_reused']} scenarios skipped as done")


if __name__ == "__main__":
    main()
