"""The app's lever → KPIs (issue 23, target ≤ 0.15 s): in a Streamlit AppTest of the real app.py,
after a first solve, N carbon-price edits; each timed from the edit to the edited scenario's
headline KPIs on the page — the Scenario tab's cards answered at once (model/app/quick.py), or,
in a tree without them (``--tree`` of an earlier commit), the lever's rerun plus Solve's rerun
until the cards above the tabs show the new result. Wall and CPU time (``time.process_time``: the
script runs in AppTest's thread of this process), medians; beside them, in the same process, the
model's floor: ``Planner.answer(sc).headline()`` alone over the same carbon prices, and a rerun of
the page with nothing changed (what Streamlit and the page's widgets cost on every run).

    .venv/bin/python benchmarks/bench_app.py [--edits 12] [--tree DIR]

AppTest runs the whole script on every interaction; in a browser a lever's edit re-runs only the
editor fragment (``editor.editor_view``), so the AppTest figure is an upper bound.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(fn) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def bench_app(tree: Path, prices: list[float]) -> dict:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(tree / "app.py"), default_timeout=120)
    at.run()
    at.button(key="solve").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    idle = [timed(at.run) for _ in range(len(prices))]
    edits, answers, shown = [], [], None
    for p in prices:
        def edit(p=p) -> None:
            at.number_input(key="lv.carbon_price_yuan_per_t").set_value(p).run()
            if not any(m for m in at.tabs[0].metric):  # no answer at once: Solve, as a planner would
                at.button(key="solve").click().run()
        w, c = timed(edit)
        assert not at.exception and not at.error, [e.value for e in at.error]
        quick = at.session_state["quick"] if "quick" in at.session_state else None
        cards = at.tabs[0].metric if quick else at.metric
        assert cards[0].value != shown, "the KPIs did not change with the carbon price"
        shown = cards[0].value
        edits.append((w, c))
        if quick:
            answers.append(quick["seconds"])
    return {"how": "answered at once" if answers else "edit + Solve", "idle": idle, "edits": edits, "answers": answers}


def bench_model(prices: list[float]) -> list[tuple[float, float]]:
    from model.inputs import sources
    from model.inputs.scenario import apply_changes
    from model.run import Planner

    sc = sources.load_bundled("reference")
    planner = Planner()
    planner.solve(sc)
    out = []
    for p in prices:
        edited = apply_changes(sc, {"carbon_price_yuan_per_t": p})
        out.append(timed(lambda edited=edited: planner.answer(edited).headline()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edits", type=int, default=12)
    ap.add_argument("--tree", type=Path, default=ROOT, help="the tree whose app.py (and model/) to run")
    args = ap.parse_args()
    tree = args.tree.resolve()
    sys.path.insert(0, str(tree))  # its model/ package, for an earlier commit's tree
    prices = [110.0 + 7 * i for i in range(args.edits)]
    app = bench_app(tree, prices)
    floor = bench_model(prices)
    w, c = zip(*app["edits"])
    iw, ic = zip(*app["idle"])
    fw, fc = zip(*floor)
    print(f"tree {tree} · {args.edits} carbon-price edits after a first solve · load {os.getloadavg()[0]:.1f}")
    print(f"edit → headline KPIs ({app['how']}): wall {med(w):.3f} s, CPU {med(c):.3f} s (medians; "
          f"wall min {min(w):.3f}, max {max(w):.3f})")
    if app["answers"]:
        print(f"  of which the warm answer in the lever's callback: {med(app['answers']):.3f} s wall")
    print(f"rerun with nothing changed: wall {med(iw):.3f} s, CPU {med(ic):.3f} s")
    print(f"model floor, Planner.answer(sc).headline(): wall {med(fw):.3f} s, CPU {med(fc):.3f} s")


if __name__ == "__main__":
    main()
