"""Batch runs and sweeps on Dask distributed: many scenarios, one results folder.

Layout of a batch folder ``DIR``::

    DIR/scenarios/<scenario_hash>/   one folder per scenario, published atomically (built in a
                                     temporary folder, then renamed), so a complete folder is the
                                     done marker:
        run.json                     status, error, KPIs, worker, warm/cold start, timings
        arrays.npz                   the decision/KPI arrays that go into combined.nc
        scenario.yaml                the scenario as solved
        summary.json, allocation.csv, results.nc, report.xlsx [, report.html]
                                     only with ``outputs="full"`` (``model.reports.files.write_outputs``)
    DIR/index.csv (+ index.parquet)  every scenario: name, hash, swept levers, status, error,
                                     objective, KPIs, timings, reused (skipped as already done)
    DIR/summary.csv                  the solved scenarios' KPIs with their levers
    DIR/combined.nc                  decision/KPI variables of the solved scenarios along a
                                     ``scenario`` dimension, swept levers as coordinates
    DIR/batch.json                   counts, wall time, throughput, cold/warm solves

Execution: the client sends scenario *descriptions* (plain dicts) to Dask workers, never built
models. Each worker process keeps one ``Planner`` (a module global created lazily in the worker),
so consecutive scenarios that only change numbers are pushed into the compiled HiGHS model and
re-solved warm. Scenarios are grouped by what decides the model's structure (dataset, latency
matrix, latency bounds); inside a group the scenarios are solved in a reflected order of their
lever values (``sweep_order``: in a grid, one lever moves one step from one scenario to the next)
and cut into one contiguous stream per worker, sent in chunks with the worker as a loose
preference (``streams_for``), so a worker's consecutive solves share the structure and start warm
from a neighbouring optimum; an idle worker takes over chunks of a busy one.
Workers use the spawn start method (never fork a process whose HiGHS has solved) and HiGHS
``threads=1``. Workers
write each scenario's folder themselves, so with ``--scheduler`` they must see ``DIR`` at the
same path (same machine or a shared filesystem).

Failures never stop a batch: a file in the list that is not a valid scenario (recorded with status
"invalid" and its one-line message, never sent to a worker), an input error, a non-optimal status (e.g. infeasible in strict
mode) or a crashed worker is recorded in the scenario's ``run.json`` and in the index. A chunk
whose worker died is retried by Dask; if it keeps killing workers its scenarios are resubmitted
one by one, and the one that still kills its worker is recorded as crashed. Re-running the same
command skips every scenario whose folder is complete and retries the failed ones.
"""
from __future__ import annotations

from .execute import BatchResult, default_workers, open_client, run_batch
from .jobs import Job, Rejected, chunks_for, make_jobs, streams_for, sweep_order
from .store import combine, is_done, read_arrays, result_arrays
from .worker import run_chunk, run_one, worker_planner

__all__ = ["BatchResult", "Job", "Rejected", "chunks_for", "combine", "default_workers", "is_done", "make_jobs", "open_client",
           "read_arrays", "result_arrays", "run_batch", "run_chunk", "run_one", "streams_for", "sweep_order", "worker_planner"]
