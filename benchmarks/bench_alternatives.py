"""Near-optimal ranges of the whole catalogue on the reference (default slack 1 %): our study
(``near_optimal``: budget row, objective swaps, Dinkelbach for shares, cheapest plan at each end)
against the same warm re-solves done by raw highspy alone.

Every call our study makes to HiGHS that changes the model (column costs, a row added or deleted,
an option) and every ``run`` is recorded; the sequence is then replayed on a fresh highspy instance that read
the written MPS of the same model — HiGHS alone, warm from one solve to the next, none of our
Python around it. Reported: both walls, their ratio (target ≤ 1.5×), the solves, and that both
reach the same objective at every solve.

    .venv/bin/python benchmarks/bench_alternatives.py [--slack 0.01]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np

from model.inputs.scenario import load_scenario
from model.run import Planner
from model.studies.alternatives import near_optimal

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ("changeColsCost", "addRow", "deleteRows", "setOptionValue", "run")


class Recorder:
    """Passes every call to the HiGHS instance; keeps the model-changing ones and each run."""

    def __init__(self, h: highspy.Highs):
        self._h, self.calls, self.objectives = h, [], []

    def __getattr__(self, name):
        fn = getattr(self._h, name)
        if name not in RECORDED:
            return fn

        def call(*args):
            self.calls.append((name, tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)))
            out = fn(*args)
            if name == "run":
                self.objectives.append(self._h.getInfo().objective_function_value)
            return out
        return call


def main(slack: float) -> None:
    sc = load_scenario(ROOT / "data" / "scenarios" / "reference.yaml")
    planner = Planner()
    planner.solve(sc)
    hm = planner.model
    with tempfile.TemporaryDirectory() as d:
        mps = Path(d) / "reference.mps"
        hm.write_model(str(mps))
        rows_before = hm.highs.getNumRow()
        rec = Recorder(hm.highs)
        hm.highs = rec
        t0 = time.perf_counter()
        study = near_optimal(sc, slack, planner=planner)
        ours_total = time.perf_counter() - t0
        hm.highs = rec._h
        # our range phase starts when the study switches to primal simplex and adds the budget row
        first = next(i for i, (n, a) in enumerate(rec.calls) if n == "setOptionValue" and a[0] == "simplex_strategy")
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(mps))
        for name, value in (("threads", 1), ("random_seed", 0), ("solver", "choose")):
            h.setOptionValue(name, value)
        h.run()
        # the MPS leaves out free rows (the carbon budget without a cap): row positions shift
        shift = h.getNumRow() - rows_before
        objectives, t_run = [], 0.0
        a = time.perf_counter()
        for name, args in rec.calls[first:]:
            if name == "run":
                r0 = time.perf_counter()
                h.run()
                t_run += time.perf_counter() - r0
                objectives.append(h.getInfo().objective_function_value)
            elif name == "deleteRows":
                h.deleteRows(args[0], (args[1] + shift).astype(np.int32))
            else:
                getattr(h, name)(*args)
        alone = time.perf_counter() - a
    ours = study.timings["ranges_s"] + study.timings.get("spores_s", 0.0)
    ours_obj = np.array(rec.objectives[-len(objectives):])
    diff = ~np.isclose(ours_obj, objectives, rtol=1e-6, atol=1e-3)
    same = f"{int((~diff).sum())} of {diff.size}" + (f" (first differing: solve {int(np.argmax(diff))}, {ours_obj[diff][:3]} vs "
                                                    f"{np.asarray(objectives)[diff][:3]})" if diff.any() else "")
    print(f"reference, slack {slack:g}: {len(study.aggs)} aggregates, {len(objectives)} warm re-solves")
    print(f"  ours: optimum {study.timings['optimum_s']:.2f} s, ranges {ours:.2f} s (total {ours_total:.2f} s)")
    print(f"  raw highspy replay: {alone:.2f} s ({t_run:.2f} s inside run)")
    print(f"  ratio ours / HiGHS alone: {ours / alone:.2f}x (target <= 1.5x); same objective at every solve: {same}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--slack", type=float, default=0.01)
    main(p.parse_args().slack)
