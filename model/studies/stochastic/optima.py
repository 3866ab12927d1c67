"""Each future's own optimum (wait-and-see) through the batch machinery (``model.studies.batch``):
one scenario folder per future in ``DIR/optima`` (results.nc, report.xlsx, summary.json of the
future planned alone), solved on Dask workers (local, or a cluster with ``--scheduler``), read
back from ``combined.nc``. Without it the own optima are solved in process, warm, one after another
(``twostage.evaluate_plan``); the two agree (tests/studies/test_stochastic.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ...errors import InputError
from ..batch import run_batch
from .futures import Future
from .twostage import FIRST_STAGE, Outcome


def own_optima_by_batch(futures: list[Future], out: str | Path, workers: int | None = None,
                        scheduler: str | None = None, progress: bool = False) -> list[Outcome]:
    res = run_batch([(f.name, f.scenario, {}) for f in futures], out, workers=workers, scheduler=scheduler,
                    outputs="full", html=False, progress=progress, command="hubplan stochastic (own optima)")
    if len(res.failed):  # one line naming the future, like the in-process path (twostage.solve_stochastic)
        row = res.failed.iloc[0]
        raise InputError(futures[0].source, f"futures.{row['name']}", f"its own optimum failed: {row['error']}")
    with xr.open_dataset(Path(out) / "combined.nc", engine="h5netcdf") as ds:
        by_name = {str(n): i for i, n in enumerate(ds["scenario_name"].values)}
        return [Outcome(float(ds["objective"][i]), float(ds["emissions_tco2"][i]), float(ds["unmet_rack_years"][i]),
                        {v: np.asarray(ds[v][i].values, dtype=float).ravel() for v in FIRST_STAGE if v in ds})
                for i in (by_name[f.name] for f in futures)]
