"""Index sets, built once with numpy: the sparsity of the model lives here.

Allocation variables exist only on latency-admissible arcs (region, cluster, workload); a
cluster in outage keeps its arcs (its capacity is zero instead) so that outage sweeps reuse
the same model.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import xarray as xr


@dataclass
class Index:
    regions: list[str]
    clusters: list[str]
    workloads: list[str]
    years: list[int]
    arc_r: np.ndarray  # arc -> region position
    arc_k: np.ndarray  # arc -> cluster position
    arc_w: np.ndarray  # arc -> workload position
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # derived sets, built once

    @property
    def R(self) -> int: return len(self.regions)

    @property
    def K(self) -> int: return len(self.clusters)

    @property
    def W(self) -> int: return len(self.workloads)

    @property
    def Y(self) -> int: return len(self.years)

    @property
    def A(self) -> int: return len(self.arc_r)

    def signature(self) -> str:
        h = hashlib.sha256(repr((self.regions, self.clusters, self.workloads, self.years)).encode())
        for a in (self.arc_r, self.arc_k, self.arc_w):
            h.update(a.tobytes())
        return h.hexdigest()[:16]

    def labels(self, *dims: str | Iterable) -> list[tuple]:
        """Labels of a block over index sets, the last fastest: ``labels("cluster", "year")`` is
        [(k, y) for k in clusters for y in years]; a set the index does not hold (days, hours,
        months) is passed as itself, e.g. ``labels("cluster", "year", range(D), range(24))``."""
        sets = {"region": self.regions, "cluster": self.clusters, "workload": self.workloads, "year": self.years}
        return list(product(*(sets[d] if isinstance(d, str) else d for d in dims)))

    def per_arc_year(self, arc_values: np.ndarray) -> np.ndarray:
        """Repeat a per-arc array over years, in the column order of x (arc-major)."""
        return np.repeat(arc_values, self.Y)

    def x_year(self) -> np.ndarray:
        return np.tile(np.arange(self.Y), self.A)


def build_index(inp: xr.Dataset) -> Index:
    adm = inp["admissible"].transpose("region", "cluster", "workload").to_numpy()
    r, k, w = np.nonzero(adm)  # row-major: arcs sorted by region, cluster, workload
    return Index(list(map(str, inp.region.values)), list(map(str, inp.cluster.values)),
                 list(map(str, inp.workload.values)), [int(y) for y in inp.year.values],
                 r.astype(np.int64), k.astype(np.int64), w.astype(np.int64))
