"""The sceptic's sensitivity study: the reference and the variants a critic runs first, each with
the direction an expert expects its answers to move, and the near-optimal range of the answers a
ministry would brief (docs/sensitivity.md, written by ``hubplan sceptic``).

A variant is built from the reference scenario with ordinary scenario levers (``apply_changes``):
a lever scaled by a factor of its effective value (``levers.lever_value``: the scenario's
override, else the dataset's figure), or a switch set. ``fixed_opex_share`` is a dataset setting,
not a scenario lever, so that variant runs on a copy of the dataset whose settings.yaml differs in
that one line — what a critic would edit by hand.

The answers are read from the results (the KPI catalogue, ``reports.kpis``, and the results
variables), never recomputed from the LP.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError
from ..inputs.dataset import InputTables, dataset_files
from ..inputs.levers import lever_value
from ..inputs.scenario import Scenario, apply_changes, scenario_from_dict
from ..reports.kpis import kpi_row
from ..run import Planner
from .alternatives import Entry, Source, Study, near_optimal, verdicts
from .alternatives.catalogue import BUILDS

REL_TOL = 1e-6  # a move smaller than this share of the reference is "no move"


# -- the answers ------------------------------------------------------------------------------------
def west_shares(res: xr.Dataset, year: int) -> dict[str, float]:
    """Western share of each non-real-time class in ``year``: served at western clusters / served
    at all clusters (the provinces' own stock is in neither: the alternatives catalogue's
    ``west_share``), and of all non-real-time work together (key ``all``)."""
    a = res["allocation"].sel(year=year).sum("region").transpose("cluster", "workload").to_numpy()
    west = res["west"].to_numpy().astype(bool)
    non_rt = ~res["realtime"].to_numpy().astype(bool)
    out = {}
    for i, w in enumerate(map(str, res.workload.values)):
        if non_rt[i]:
            out[w] = a[west, i].sum() / a[:, i].sum() if a[:, i].sum() > 0 else float("nan")
    total = a[:, non_rt].sum()
    out["all"] = a[west][:, non_rt].sum() / total if total > 0 else float("nan")
    return out


def ai_split(res: xr.Dataset, year: int) -> dict[str, float]:
    """The knife edge of issue 18: of the AI classes' work on the eastern clusters' racks in ``year``,
    the share that is AI training (``ai_training_east``), and the AI classes' unmet work as a share of
    national demand (``unmet_ai_last``). NaN without AI classes (or no AI work in the east)."""
    ai = res["ai_class"].to_numpy().astype(bool)
    if "ai_training" not in res.workload.values or not ai.any():
        return {"ai_training_east": float("nan"), "unmet_ai_last": float("nan")}
    east = ~res["west"].to_numpy().astype(bool)
    a = res["allocation"].sel(year=year).sum("region").transpose("cluster", "workload").to_numpy()[east][:, ai]
    train = a[:, list(res.workload.values[ai]).index("ai_training")].sum()
    demand = float(res["demand"].sel(year=year).sum())
    unmet_ai = float(res["unmet"].sel(year=year).isel(workload=np.flatnonzero(ai)).sum())
    return {"ai_training_east": train / a.sum() if a.sum() > 0 else float("nan"),
            "unmet_ai_last": unmet_ai / demand if demand > 0 else float("nan")}


def answers(res: xr.Dataset) -> dict[str, float]:
    """The answers a planner briefs, in stored units (yuan, racks, rack-years, tCO2, shares)."""
    k = kpi_row(res)
    years = [int(y) for y in res.year.values]
    first, last = years[0], years[-1]
    load, cap = res["load"].sel(year=first).sum(), res["capacity"].sel(year=first).sum()
    return {
        "objective": k["objective"],
        "sunk": k["sunk_cost"],
        "with_sunk": k["objective"] + k["sunk_cost"],
        "builds": k["built_racks"],
        "local_builds": float(res["local_build"].sum()),
        "idle": k["idle_rack_years"],
        "unmet_last": float(res["unmet_share"].sel(year=last)),
        "occupancy_first": float(load / cap) if cap > 0 else float("nan"),
        **{f"west_{w}": v for w, v in west_shares(res, last).items()},
        **ai_split(res, last),
        "co2": k["emissions_tco2"],
        "green": k["green_volume_score"],
    }


# -- the variants -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    """The direction an expert expects ``metric`` to move from the reference: +1 up, −1 down;
    ``strict`` False accepts no move (a restriction that may not bind)."""
    metric: str
    sign: int
    strict: bool = True

    def holds(self, ref: float, value: float) -> bool:
        tol = REL_TOL * max(abs(ref), 1e-9)
        d = self.sign * (value - ref)
        return bool(d > tol if self.strict else d >= -tol)

    @property
    def arrow(self) -> str:
        return ("↑" if self.sign > 0 else "↓") if self.strict else ("≥" if self.sign > 0 else "≤")


@dataclass(frozen=True)
class Variant:
    key: str
    zh: str
    en: str
    scale: Callable[[InputTables], dict[str, float]] = lambda ds: {}  # lever path -> factor on its value
    switch: dict = field(default_factory=dict)  # scenario field -> value
    settings: dict = field(default_factory=dict)  # settings.yaml key -> value (no scenario lever)
    expect: tuple[Expect, ...] = ()
    why: str = ""  # the expert's reasoning


def _west_grid_prices(ds: InputTables) -> dict[str, float]:
    west = ds.hubs.loc[ds.clusters["hub_id"], "role"].to_numpy() == "west"
    return {f"clusters.{k}.grid_price_yuan_per_kwh": 1.2 for k in ds.clusters.index[west]}


UP, DOWN = 1, -1
VARIANTS: tuple[Variant, ...] = (
    Variant("demand_0.7", "需求 ×0.7", "demand ×0.7", lambda ds: {"demand.scale": 0.7},
            expect=(Expect("builds", DOWN), Expect("unmet_last", DOWN), Expect("objective", DOWN)),
            why="less work: fewer racks to build, less left unserved, less to pay"),
    Variant("demand_1.3", "需求 ×1.3", "demand ×1.3", lambda ds: {"demand.scale": 1.3},
            expect=(Expect("builds", UP), Expect("unmet_last", UP), Expect("objective", UP)),
            why="more work: more builds, and build rates cap how fast, so more unmet"),
    Variant("carbon_x3", "碳价 ×3", "carbon price ×3", lambda ds: {"carbon_price_yuan_per_t": 3.0},
            expect=(Expect("co2", DOWN), Expect("green", UP), Expect("objective", UP)),
            why="dearer carbon: less CO₂, more green power, a dearer plan"),
    Variant("opex_installed", "运营成本全按在役机架", "opex all per installed rack",
            settings={"fixed_opex_share": 1.0},
            expect=(Expect("builds", DOWN), Expect("idle", DOWN)),
            why="an idle rack costs its whole opex: fewer builds, idle stock retired"),
    Variant("latency_ip", "IP 网络时延层", "IP latency layer", switch={"latency_layer": "ip"},
            expect=(Expect("objective", UP, strict=False), Expect("unmet_last", UP, strict=False),
                    Expect("west_all", DOWN, strict=False)),
            why="longer modelled latency: fewer admissible clusters, so no cheaper and no less unmet, "
                "no more work in the far west"),
    Variant("green_potential_0.5", "绿电潜力 ×0.5", "green potential ×0.5", lambda ds: {"green_potential_scale": 0.5},
            expect=(Expect("green", DOWN), Expect("co2", UP), Expect("objective", UP)),
            why="half the wind, solar and hydro: less green power, more CO₂, a dearer plan"),
    Variant("own_ai_share_x2", "本省存量智算比例 ×2", "own-stock AI share ×2", lambda ds: {"local_ai_share": 2.0},
            expect=(Expect("builds", DOWN, strict=False), Expect("objective", DOWN, strict=False)),
            why="more of the provinces' own racks fitted for AI (0.087 → 0.174, the top of its range): a relaxation, "
                "so no more cluster racks to build and no dearer"),
    Variant("west_power_1.2", "西部电价 ×1.2", "western grid price ×1.2", _west_grid_prices,
            expect=(Expect("west_all", DOWN, strict=False), Expect("objective", UP)),
            why="the west's cheap power is its draw: less work goes west, the plan costs more"),
)
BY_KEY = {v.key: v for v in VARIANTS}
REDUCED = ("demand_1.3", "carbon_x3")  # the test's set (with the reference)


def _with_settings(sc: Scenario, ds: InputTables, settings: dict, where: Path) -> Scenario:
    """``sc`` on a copy of its dataset (in ``where``) whose settings.yaml sets ``settings``."""
    root = Path(ds.path)
    for f in dataset_files(root):
        dest = where / "data" / f.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest)
    path = where / "data" / "settings.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in settings.items():
        text, n = re.subn(rf"^{re.escape(key)}:[^#\n]*", f"{key}: {value!r}   ", text, flags=re.M)
        if n == 0:  # an optional setting the dataset leaves at its default
            text += f"\n{key}: {value!r}\n"
    path.write_text(text, encoding="utf-8")
    return scenario_from_dict({**sc.model_dump(mode="json", exclude_defaults=True), "dataset": "data"},
                              str(where / "scenario.yaml"), where)


def lever_text(sc: Scenario, ds: InputTables, v: Variant) -> str:
    """What the variant changes, as a planner would write it ("`demand.scale` ×1.3")."""
    scaled: dict[tuple[str, float], list[str]] = {}  # per-cluster levers of one factor written once
    for path, f in v.scale(ds).items():
        parts = path.split(".")
        key = (f"clusters.<{{}}>.{parts[2]}" if parts[0] == "clusters" else path, f)
        scaled.setdefault(key, []).append(parts[1] if parts[0] == "clusters" else "")
    out = [f"`{p.format(', '.join(ids))}` ×{f:g}" for (p, f), ids in scaled.items()]
    out += [f"`{k}: {val}` (reference: {getattr(sc, k)})" for k, val in v.switch.items()]
    out += [f"`{k}` {ds.settings.get(k, 'unset')} → {val:g} (settings.yaml)" for k, val in v.settings.items()]
    return "; ".join(out)


def variant_scenario(sc: Scenario, ds: InputTables, v: Variant, where: Path) -> Scenario:
    """The reference ``sc`` with variant ``v`` applied (``where``: a folder for a dataset copy)."""
    dump = sc.model_dump(mode="json")
    changes = {path: f * float(lever_value(sc, ds, path, dump)) for path, f in v.scale(ds).items()}
    out = apply_changes(sc, {**changes, **v.switch, "name": f"{sc.name} · {v.en}"})
    return _with_settings(out, ds, v.settings, where) if v.settings else out


# -- flatness: the near-optimal range of the briefed answers -----------------------------------------
def _last_year(f: pd.DataFrame, inp: xr.Dataset) -> np.ndarray:
    return (f["year"] == int(inp.year.values[-1])).to_numpy()


def _non_rt(f: pd.DataFrame, inp: xr.Dataset) -> np.ndarray:
    rt = dict(zip(inp.workload.values.tolist(), inp["realtime"].values.tolist()))
    return _last_year(f, inp) & ~f["workload"].map(rt).fillna(True).astype(bool).to_numpy()


def _west_non_rt(f: pd.DataFrame, inp: xr.Dataset) -> np.ndarray:
    return _non_rt(f, inp) & (f["side"] == "west").to_numpy()


NON_RT, WEST_NON_RT = Source(blocks=("x",), where=_non_rt), Source(blocks=("x",), where=_west_non_rt)
# the catalogue's way of declaring aggregates, narrowed to the answers checked (all in the last year but builds)
FLATNESS = (
    Entry("west_share", "末年西部份额（按类别）", "western share per class, last year", "share", ("workload",), (WEST_NON_RT,), (NON_RT,)),
    Entry("west_share_all", "末年西部份额（非实时合计）", "western share of non-real-time work, last year", "share", (),
          (WEST_NON_RT,), (NON_RT,)),
    Entry("builds", "新建合计（规划期）", "builds over the horizon", "racks", (), (BUILDS,)),
    Entry("unmet", "末年未满足", "unmet demand, last year", "racks", (), (Source(blocks=("unmet",), where=_last_year),)),
)
ANSWER_OF = {"west_share_all": "west_all", "builds": "builds", "unmet": "unmet_last"}  # entry -> answer (west_share: west_<w>)


def flatness(study: Study) -> pd.DataFrame:
    """Per answer (index: the ``answers`` key) of a near-optimal study of the FLATNESS entries, the
    optimum, min and max within cost ≤ (1 + slack) · optimum and the alternatives' robust/free
    verdict; unmet as a share of the last year's demand, as ``answers`` has it."""
    verdict = verdicts(study)
    demand_last = float(study.result["demand"].isel(year=-1).sum())
    rows = {}
    for a in study.aggs:
        lo, hi = study.ends[a.key]
        per = demand_last if a.entry.key == "unmet" else 1.0
        key = f"west_{a.labels['workload']}" if a.entry.key == "west_share" else ANSWER_OF[a.entry.key]
        rows[key] = {"optimum": a.value(study.base_plan) / per, "min": lo.value / per, "max": hi.value / per,
                     "verdict": verdict[a.key][1]}
    return pd.DataFrame.from_dict(rows, orient="index").assign(slack=study.slack, optimum_cost=study.optimum)


# -- the study --------------------------------------------------------------------------------------
@dataclass
class Findings:
    reference: str  # the reference scenario's name
    dataset: str
    variants: dict[str, tuple[Variant, str]]  # key -> (variant, what it changes: ``lever_text``)
    answers: pd.DataFrame  # one row per run (reference first), one column per answer
    checks: pd.DataFrame  # variant, metric, expected arrow, reference, value, holds (, inside_range with flat)
    flat: pd.DataFrame | None  # flatness(), None when not asked


def sceptic_study(sc: Scenario, variants: tuple[str, ...] = tuple(BY_KEY), slack: float | None = 0.001) -> Findings:
    """Solve the reference ``sc`` and each variant (keys of ``BY_KEY``); check each expected
    direction; with ``slack`` also the near-optimal ranges of the reference's briefed answers."""
    planner = Planner()
    ds = planner.dataset(sc)[0]
    # the reference's answers and its ranges from one solve: a flat optimum has many optimal plans
    study = None if slack is None else near_optimal(sc, slack, entries=FLATNESS, planner=planner)
    runs = {"reference": _solved(planner, sc) if study is None else study.result}
    with tempfile.TemporaryDirectory(prefix="hubplan-sceptic-") as tmp:
        for key in variants:
            where = Path(tmp) / key
            where.mkdir()
            # a cold model each: on a flat optimum a warm start picks the plan nearest the previous
            # run's, so each answer would depend on which variants ran before it
            runs[key] = _solved(Planner(), variant_scenario(sc, ds, BY_KEY[key], where))
    df = pd.DataFrame.from_dict({k: answers(r) for k, r in runs.items()}, orient="index")
    ref = df.loc["reference"]
    flat = None if study is None else flatness(study)
    checks = pd.DataFrame([{"variant": key, "metric": e.metric, "expected": e.arrow, "reference": ref[e.metric],
                            "value": df.loc[key, e.metric], "holds": e.holds(ref[e.metric], df.loc[key, e.metric])}
                           for key in variants for e in BY_KEY[key].expect])
    if flat is not None:  # a move that stays inside the reference's own near-optimal range is weak evidence
        lo, hi = (checks["metric"].map(flat[c]) for c in ("min", "max"))
        checks["inside_range"] = np.where(lo.isna(), None, (checks["value"] >= lo - 1e-9) & (checks["value"] <= hi + 1e-9))
    texts = {key: (BY_KEY[key], lever_text(sc, ds, BY_KEY[key])) for key in variants}
    return Findings(sc.name, ds.label, texts, df, checks, flat)


def _solved(planner: Planner, sc: Scenario) -> xr.Dataset:
    res = planner.solve(sc)
    if res.attrs["status"] != "optimal":
        raise InputError(sc.source, "", f"{sc.name}: not optimal ({res.attrs['status']})")
    return res
