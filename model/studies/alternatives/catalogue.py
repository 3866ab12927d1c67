"""The decision aggregates of a near-optimal study, declared once.

An aggregate is a linear function a(x) = Σ_j c_j · x_j of the LP's columns (or a share N(x) / D(x)
of two of them), addressed by **block name and labels**, never by position: a source names
variable blocks (a name, or a prefix such as ``build*``), the terms of a row family
(``emission_cap``) or cost terms (``capex``). ``aggregates(lp, inp)`` expands the catalogue on the
LP at hand: a source whose blocks do not exist is skipped, and an entry with no source left is
skipped, so the catalogue follows the formulation as families are added or removed.

Each entry is grouped by label dimensions of its columns (``by``); ``hub`` and ``side`` (west /
east) are derived from ``cluster``. A column without one of the ``by`` dimensions does not enter
that entry (the provinces' own stock has no cluster, so it is in no per-hub aggregate).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from ...formulation.blocks import LinearProgram

Weight = Callable[[pd.DataFrame, xr.Dataset], np.ndarray]  # labels frame, inputs -> factor per column


@dataclass(frozen=True)
class Source:
    """Columns of the LP: variable ``blocks`` (``"build*"``: every block whose name starts with
    build), the terms of row family ``row``, or the parts of cost terms ``costs``; kept where
    ``where`` is true, each coefficient times ``weight``."""
    blocks: tuple[str, ...] = ()
    row: str | None = None
    costs: tuple[str, ...] = ()
    where: Weight | None = None
    weight: Weight | None = None


@dataclass(frozen=True)
class Entry:
    key: str
    zh: str
    en: str
    unit: str  # racks | share | tCO2 | yuan
    by: tuple[str, ...]
    sources: tuple[Source, ...]
    per: tuple[Source, ...] = ()  # denominator of a share (numerator ⊆ denominator, so 0 ≤ share ≤ 1)
    spores: bool = False  # a dimension of the SPORES distance (capacities, as Calliope scores flow_cap)


@dataclass
class Aggregate:
    """One aggregate of an entry: a(x) = num · x (over global block-order columns), or num · x / den · x."""
    key: str
    entry: Entry
    labels: dict
    num: tuple[np.ndarray, np.ndarray]  # (columns, coefficients)
    den: tuple[np.ndarray, np.ndarray] | None = None
    names: dict = field(default_factory=dict)  # label -> (中文, English) for reports

    @property
    def ratio(self) -> bool:
        return self.den is not None

    def value(self, col_value: np.ndarray) -> float:
        n = float(np.dot(self.num[1], col_value[self.num[0]]))
        if self.den is None:
            return n
        d = float(np.dot(self.den[1], col_value[self.den[0]]))
        return n / d if d > 1e-9 * max(1.0, float(np.abs(self.den[1]).sum())) else float("nan")


def _west(f: pd.DataFrame, inp: xr.Dataset) -> np.ndarray:
    return (f["side"] == "west").to_numpy()


def _not_realtime(f: pd.DataFrame, inp: xr.Dataset) -> np.ndarray:
    rt = dict(zip(inp.workload.values.tolist(), inp["realtime"].values.tolist()))
    return ~f["workload"].map(rt).fillna(True).astype(bool).to_numpy()


def _west_not_realtime(f: pd.DataFrame, inp: xr.Dataset) -> np.ndarray:
    return _west(f, inp) & _not_realtime(f, inp)


BUILDS = Source(blocks=("build",))  # every rack built; build_above and build_ai are parts of it (≤ build), not more racks
LOAD = Source(blocks=("x",))
NON_RT = Source(blocks=("x",), where=_not_realtime)
WEST_NON_RT = Source(blocks=("x",), where=_west_not_realtime)
LOCAL = Source(blocks=("local",))
EMISSIONS = Source(row="emission_cap")  # tCO2 of every column that emits, as the carbon budget counts them
CAPEX = Source(costs=("capex", "local_capex", "block_fixed"))

CATALOGUE: tuple[Entry, ...] = (
    Entry("build_cluster", "集群新建（规划期合计）", "builds per cluster over the horizon", "racks", ("cluster",), (BUILDS,), spores=True),
    Entry("build_hub", "枢纽新建（规划期合计）", "builds per hub over the horizon", "racks", ("hub",), (BUILDS,)),
    Entry("build_cluster_year", "集群逐年新建", "builds per cluster and year", "racks", ("cluster", "year"), (BUILDS,)),
    Entry("build_hub_year", "枢纽逐年新建", "builds per hub and year", "racks", ("hub", "year"), (BUILDS,)),
    Entry("west_share", "西部份额（按类别）", "western share per class", "share", ("workload", "year"), (WEST_NON_RT,), (NON_RT,)),
    Entry("west_share_all", "西部份额（非实时合计）", "western share of non-real-time work", "share", ("year",),
          (WEST_NON_RT,), (NON_RT,)),
    Entry("load_hub", "枢纽负载", "load per hub", "racks", ("hub", "year"), (LOAD,)),
    Entry("local_load", "本省机房负载", "load in the provinces' own stock", "racks", ("year",), (LOCAL,)),
    Entry("local_share", "本省机房份额", "provinces' own stock vs clusters", "share", ("year",), (LOCAL,), (LOCAL, LOAD)),
    Entry("local_build", "本省机房新建", "provinces' own-stock builds over the horizon", "racks", (),
          (Source(blocks=("local_build",)),), spores=True),
    Entry("emissions", "排放（规划期）", "emissions over the horizon", "tCO2", (), (EMISSIONS,)),
    Entry("emissions_year", "逐年排放", "emissions per year", "tCO2", ("year",), (EMISSIONS,)),
    Entry("green_share", "绿电占比", "green share of cluster power", "share", ("year",),
          (Source(blocks=("green",)),), (Source(blocks=("green", "grid")),)),
    Entry("capex", "投资（折现）", "capital cost, discounted", "yuan", (), (CAPEX,)),
)
BY_KEY = {e.key: e for e in CATALOGUE}


def _blocks(lp: LinearProgram, names: tuple[str, ...]) -> list[str]:
    out = []
    for n in names:
        out += [b for b in lp.variables if (b.startswith(n[:-1]) if n.endswith("*") else b == n)]
    return list(dict.fromkeys(out))


class _Frames:
    """Label frames of the LP's variable blocks (one row per column), with derived dimensions."""

    def __init__(self, lp: LinearProgram, inp: xr.Dataset):
        self.lp, self.inp, self.memo = lp, inp, {}
        self.off = lp.offsets()
        self.hub = dict(zip(inp.cluster.values.tolist(), inp["hub"].values.tolist()))
        self.side = dict(zip(inp.cluster.values.tolist(), np.where(inp["west"].values, "west", "east").tolist()))

    def __call__(self, var: str) -> pd.DataFrame:
        if var not in self.memo:
            vb = self.lp.variables[var]
            f = pd.DataFrame(vb.labels, columns=list(vb.dims))
            if "cluster" in f:
                f["hub"], f["side"] = f["cluster"].map(self.hub), f["cluster"].map(self.side)
            self.memo[var] = f
        return self.memo[var]

    def parts(self, src: Source) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(var, local columns, coefficients) of a source on this LP."""
        lp = self.lp
        if src.blocks:
            parts = [(b, np.arange(lp.variables[b].size), np.ones(lp.variables[b].size)) for b in _blocks(lp, src.blocks)]
        elif src.row:
            rb = next((r for r in lp.rows if r.name == src.row), None)
            parts = [(t.var, t.col, t.coef) for t in rb.terms] if rb is not None else []
        else:
            parts = [p for ct in lp.costs if ct.name in src.costs for p in ct.parts]
        out = []
        for var, col, coef in parts:
            f = self(var).iloc[col]
            keep = np.ones(len(col), bool) if src.where is None else np.asarray(src.where(f, self.inp), bool)
            c = coef * (1.0 if src.weight is None else src.weight(f, self.inp))
            out.append((var, col[keep], c[keep]))
        return out

    def grouped(self, sources: tuple[Source, ...], by: tuple[str, ...]) -> dict[tuple, tuple[np.ndarray, np.ndarray]]:
        """{labels of ``by``: (global columns, coefficients)} summed over the sources."""
        frames = []
        for src in sources:
            for var, col, coef in self.parts(src):
                f = self(var).iloc[col]
                if any(d not in f for d in by):
                    continue
                frames.append(pd.DataFrame({**{d: f[d].to_numpy() for d in by}, "col": self.off[var] + col, "coef": coef}))
        if not frames:
            return {}
        df = pd.concat(frames, ignore_index=True)
        df = df.groupby([*by, "col"], sort=False)["coef"].sum().reset_index() if by else df.groupby("col")["coef"].sum().reset_index()
        if not by:
            return {(): (df["col"].to_numpy(np.int64), df["coef"].to_numpy(float))}
        return {(k if isinstance(k, tuple) else (k,)): (g["col"].to_numpy(np.int64), g["coef"].to_numpy(float))
                for k, g in df.groupby(list(by), sort=False)}


def _names(inp: xr.Dataset) -> dict[str, dict]:
    """label value -> (中文, English) per dimension, for the reports."""
    def pairs(ids, zh, en) -> dict:
        return dict(zip(inp[ids].values.tolist(), zip(inp[zh].values.tolist(), inp[en].values.tolist())))
    return {"cluster": pairs("cluster", "cluster_name_zh", "cluster_name_en"), "hub": pairs("hub", "hub_name_zh", "hub_name_en"),
            "workload": pairs("workload", "workload_name_zh", "workload_name_en")}


def aggregate_key(entry: str, labels: dict) -> str:
    return ":".join([entry, *(str(v) for v in labels.values())])


def aggregates(lp: LinearProgram, inp: xr.Dataset, entries: tuple[Entry, ...] = CATALOGUE) -> list[Aggregate]:
    """The catalogue expanded on ``lp``: one Aggregate per entry and label group, in catalogue order.
    A share keeps only the groups its denominator has."""
    frames, names, out = _Frames(lp, inp), _names(inp), []
    for e in entries:
        num = frames.grouped(e.sources, e.by)
        den = frames.grouped(e.per, e.by) if e.per else None
        if not num and den is not None:
            continue  # the numerator's blocks are not in this LP (no own stock): no share to speak of
        if den is not None:
            num = {k: num.get(k, (np.zeros(0, np.int64), np.zeros(0))) for k in den}
        for k, cols in num.items():
            if not cols[0].size and den is None:
                continue
            labels = {d: (int(v) if d == "year" else str(v)) for d, v in zip(e.by, k)}
            out.append(Aggregate(aggregate_key(e.key, labels), e, labels, cols, den[k] if den is not None else None,
                                 {d: names[d].get(v, (v, v)) for d, v in labels.items() if d in names}))
    return out
