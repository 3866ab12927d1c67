"""Batch benchmark (``make bench``): a 1,000-scenario national sweep end to end, and where the time goes.

1. In-process, serial, on the reference scenario: scenarios per second solved **cold** (a fresh
   ``Planner`` each: build + hand-off + solve + results), **warm** (one ``Planner``: numbers
   pushed into the compiled HiGHS model, re-solved from the previous basis, results Dataset built)
   and **warm answers** (``Planner.answer(sc).headline()``: the warm levers' inputs laid over the
   earlier ones, only the LP families that read them rebuilt, KPIs from the solution arrays).
2. The same warm sequence in **raw highspy**: the LP written by ``Planner.solve(write_model=...)``
   (MPS) loaded into ``highspy.Highs``; for each scenario only the changed column costs and row
   bounds are set directly, then a warm ``run()``. Reported: the ratio of our warm per-scenario
   time (``Planner.solve``, and ``Planner.answer`` + headline) to raw highspy, CPU time, and the
   same objective to 1e-7.
3. ``hubplan sweep`` over carbon price × demand scale × electricity price scale (``--n`` points of
   the 10 × 10 × 10 grid) with ``--outputs kpis`` (run.json per scenario, the headline KPIs;
   combined.nc of scalar KPIs) on a local Dask cluster of 1 and of 2 worker processes, timed as a
   subprocess from start to exit (CPU of the command and its workers beside wall, load average
   before/after), against one process answering the same points warm in a loop, in the order the
   sweep solves them (``sweep_order``) and in grid order; then the 2-worker command again
   (everything is skipped as done). Simplex iterations per scenario for each, and raw highspy
   (dual simplex, HiGHS's defaults) on the same sequence of changes.

Targets (issue 23): ≥ 50 scenarios/s on 2 cores; 2 workers ≥ 1.6× one process.
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

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads, as model/__init__.py does
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.inputs.scenario import apply_changes, load_scenario  # noqa: E402
from model.run import Planner  # noqa: E402

REFERENCE = ROOT / "data" / "scenarios" / "reference.yaml"
CARBON = [0, 50, 100, 150, 200, 250, 300, 400, 500, 600]
DEMAND = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]
ELEC = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]
TARGET_RATE = 50.0  # scenarios/s, national, 2 cores


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
    t, c = time.perf_counter(), time.process_time()
    objs = [float(p.solve(sc).attrs["objective"]) for sc in scs]
    warm, warm_cpu = (time.perf_counter() - t) / n_warm, (time.process_time() - c) / n_warm
    p = Planner()
    p.solve(scs[0])
    t, c = time.perf_counter(), time.process_time()
    answers = []
    for sc in scs:
        answers.append(p.answer(sc))
        answers[-1].headline()
    answer, answer_cpu = (time.perf_counter() - t) / n_warm, (time.process_time() - c) / n_warm
    assert max(abs(a.objective - o) / abs(o) for a, o in zip(answers, objs)) < 1e-7
    return {"cold_s": cold, "warm_s": warm, "warm_cpu_s": warm_cpu, "answer_s": answer, "answer_cpu_s": answer_cpu,
            "objectives": objs, "scenarios": scs}


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
        objs, t_total, c_total = [], 0.0, 0.0
        for c, lower, u in zip(costs, lows, ups):
            t, cpu = time.perf_counter(), time.process_time()
            ci = np.flatnonzero(c != cost)
            if ci.size:
                h.changeColsCost(ci.size, ci.astype(np.int32), c[ci])
            ri = np.flatnonzero((lower != lo) | (u != up))
            if ri.size:
                h.changeRowsBounds(ri.size, ri.astype(np.int32), lower[ri], u[ri])
            h.run()
            t_total += time.perf_counter() - t
            c_total += time.process_time() - cpu
            objs.append(h.getInfo().objective_function_value)
            cost, lo, up = c, lower, u
    rel = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(objs, objectives))
    return {"raw_s": t_total / len(scs), "raw_cpu_s": c_total / len(scs), "ours_solve_s": float(np.mean(ours_solve)), "max_rel_diff": rel}


GRID = ["--set", "carbon_price_yuan_per_t=" + ",".join(map(str, CARBON)), "--set", "demand.scale=" + ",".join(map(str, DEMAND)),
        "--set", "electricity_price_scale=" + ",".join(map(str, ELEC))]


def grid_points(n: int):
    from model.studies.sweep import expand

    return expand(REFERENCE, GRID[1::2])[:n]


def one_process(n: int, order: str = "sweep") -> dict:
    """One process, one Planner, the sweep's points warm: answers and headline KPIs, in the order
    the sweep solves them (``sweep_order``) or in grid order."""
    from model.studies.batch.jobs import make_jobs, sweep_order

    points = grid_points(n)
    if order == "sweep":
        by_name = {p.name: p for p in points}
        points = [by_name[j.name] for j in sweep_order(make_jobs(points))]
    load0 = os.getloadavg()[0]
    t, c = time.perf_counter(), time.process_time()
    p, iterations, primal = Planner(), 0, 0
    for pt in points:
        a = p.answer(pt.scenario.single_threaded())
        a.headline()
        iterations += a.solution.iterations
        primal += a.solution.primal
    return {"wall_s": time.perf_counter() - t, "cpu_s": time.process_time() - c, "n": len(points),
            "iterations": iterations / len(points), "primal": primal, "load": (load0, os.getloadavg()[0]),
            "points": points}


def raw_sweep(points, n: int = 200) -> dict:
    """Raw highspy on the first ``n`` of the same points: the costs, column and row bounds our warm
    path hands HiGHS for each (read back with ``getLp``), set directly into one ``Highs`` loaded
    with the first, each re-solved warm with HiGHS's defaults (dual simplex)."""
    import highspy

    p = Planner()
    seq = []
    for pt in points[:n]:
        p.answer(pt.scenario.single_threaded())
        lp = p.model.highs.getLp()
        seq.append((np.array(lp.col_cost_), np.array(lp.col_upper_), np.array(lp.row_lower_), np.array(lp.row_upper_), lp))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.passModel(seq[0][4])
    h.run()
    cost, up, lo, hi = seq[0][:4]
    t, c, iterations = time.perf_counter(), time.process_time(), 0
    for cst, u, low, high, _ in seq[1:]:
        i = np.flatnonzero(cst != cost).astype(np.int32)
        if i.size:
            h.changeColsCost(i.size, i, cst[i])
        i = np.flatnonzero(u != up).astype(np.int32)
        if i.size:
            h.changeColsBounds(i.size, i, np.zeros(i.size), u[i])
        i = np.flatnonzero((low != lo) | (high != hi)).astype(np.int32)
        if i.size:
            h.changeRowsBounds(i.size, i, low[i], high[i])
        h.run()
        iterations += h.getInfo().simplex_iteration_count
        cost, up, lo, hi = cst, u, low, high
    m = len(seq) - 1
    return {"n": m, "wall_s": time.perf_counter() - t, "cpu_s": time.process_time() - c, "iterations": iterations / m}


def sweep_end_to_end(n: int, workers: int, rerun: bool = False) -> dict:
    """``hubplan sweep`` over the first ``n`` grid points (a ``--set`` list cut to fit), as a subprocess."""
    import pandas as pd

    hubplan = str(Path(sys.executable).with_name("hubplan"))
    carbon = CARBON[:max(1, -(-n // (len(DEMAND) * len(ELEC))))]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sweep"
        cmd = [hubplan, "sweep", str(REFERENCE), "--set", "carbon_price_yuan_per_t=" + ",".join(map(str, carbon)), *GRID[2:],
               "--out", str(out), "--workers", str(workers), "--outputs", "kpis", "--quiet"]
        load0 = os.getloadavg()[0]
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)  # client + workers
        if run.returncode != 0:
            raise SystemExit(f"sweep failed ({run.returncode}):\n{run.stderr[-3000:]}")
        doc = json.loads((out / "batch.json").read_text())
        out_doc = {"wall_s": wall, "cpu_s": cpu, "load": (load0, os.getloadavg()[0]), "batch": doc,
                   "iterations": float(pd.read_csv(out / "index.csv")["iterations"].mean())}
        if rerun:
            t = time.perf_counter()
            again = subprocess.run(cmd, capture_output=True, text=True)
            out_doc.update(rerun_s=time.perf_counter() - t, rerun_rc=again.returncode,
                           rerun_reused=json.loads((out / "batch.json").read_text())["reused"])
    return out_doc


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="sweep points (of the 10 × 10 × 10 grid)")
    ap.add_argument("--sweep-only", action="store_true", help="skip the random lever changes (steps 1 and 2)")
    a = ap.parse_args()
    print(f"bench_batch: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    if not a.sweep_only:
        random_changes()
    sweep(a.n)


def random_changes() -> None:
    cw = cold_vs_warm()
    raw = raw_highspy(cw["scenarios"], cw["objectives"])
    print(f"in-process, serial, reference (100 random lever changes): cold {1 / cw['cold_s']:.2f} scenarios/s; "
          f"warm solve (results Dataset) {1 / cw['warm_s']:.1f}/s; warm answer + headline {1 / cw['answer_s']:.1f}/s")
    print(f"raw highspy warm re-solve of the same LP sequence: {raw['raw_s'] * 1000:.1f} ms wall, "
          f"{raw['raw_cpu_s'] * 1000:.1f} ms CPU each; max relative objective difference {raw['max_rel_diff']:.1e}")
    print(f"  ours / raw, CPU: warm solve {cw['warm_cpu_s'] / raw['raw_cpu_s']:.2f}x, warm answer "
          f"{cw['answer_cpu_s'] / raw['raw_cpu_s']:.2f}x (target ≤ 2x); wall {cw['warm_s'] / raw['raw_s']:.2f}x, "
          f"{cw['answer_s'] / raw['raw_s']:.2f}x")


def sweep(n: int) -> None:
    one = one_process(n)
    rate1 = one["n"] / one["wall_s"]
    for label, run in (("in sweep order", one), ("in grid order", one_process(n, order="grid"))):
        print(f"one process, {run['n']} grid points warm (answers) {label}: {run['n'] / run['wall_s']:.1f} scenarios/s "
              f"({run['wall_s']:.1f} s, CPU {run['cpu_s']:.1f} s = {1000 * run['cpu_s'] / run['n']:.1f} ms per scenario); "
              f"{run['iterations']:.0f} simplex iterations per scenario, {run['primal']} by primal simplex; "
              f"load average {run['load'][0]:.2f}/{run['load'][1]:.2f}")
    raw = raw_sweep(one["points"])
    print(f"raw highspy (dual simplex) on the first {raw['n'] + 1} points in sweep order: {raw['n'] / raw['wall_s']:.1f} scenarios/s, "
          f"CPU {1000 * raw['cpu_s'] / raw['n']:.1f} ms per scenario, {raw['iterations']:.0f} iterations per scenario")
    for workers in (1, 2):
        e2e = sweep_end_to_end(n, workers, rerun=workers == 2)
        b = e2e["batch"]
        rate = b["scenarios"] / e2e["wall_s"]
        print(f"hubplan sweep --outputs kpis, {b['scenarios']} scenarios, {workers} worker(s): {e2e['wall_s']:.1f} s end to end, "
              f"{rate:.1f} scenarios/s = {rate / rate1:.2f}x one process (target ≥ 1.6x with 2; ≥ {TARGET_RATE:g}/s); "
              f"{b['ok']} ok, {b['warm']} warm, {b['cold']} cold, {e2e['iterations']:.0f} iterations per scenario; "
              f"CPU {e2e['cpu_s']:.1f} s (command and workers) = {1000 * e2e['cpu_s'] / b['scenarios']:.1f} ms per scenario; "
              f"load average {e2e['load'][0]:.2f}/{e2e['load'][1]:.2f}")
        if "rerun_s" in e2e:
            print(f"  re-run of the same command: {e2e['rerun_s']:.1f} s, {e2e['rerun_reused']} scenarios skipped as done")


if __name__ == "__main__":
    main()
