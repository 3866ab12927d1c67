"""A golden file per family (Calliope's "a golden test per constraint"): each family of the registry,
built on a tiny instance with every optional family on (two clusters in two hubs, two provinces, two
years, numbers that are not 0 or 1 so that every coefficient shows), written out row by row and
compared with ``tests/golden/<family>.txt``. A family no instance here switches on fails with the
instance to extend; a family without a golden fails with the command that writes it.

A change to a family's rows, coefficients or bounds shows as a diff of that file: read it, and if the
change is meant, write the goldens again and commit them with the change:

    HUBPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/formulation/test_golden.py

The files read as the math does: ``name[labels]: lo ≤ Σ coef·var[labels] ≤ hi`` for a row,
``var[labels] ≤ ub`` for a bound, ``+ coef·var[labels]`` for a cost term, one line per column for a
variable block. Numbers are written to 6 significant digits, so a float's last bit is no change.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from tiny import GREEN_SETTINGS, write_dataset, write_green

from model.formulation import FAMILIES, LinearProgram, build_lp
from model.formulation.blocks import Bound, CostTerm, RowBlock, VarBlock
from model.inputs import build_inputs
from model.inputs.dataset import load_dataset
from model.inputs.scenario import scenario_from_dict

GOLDEN = Path(__file__).parents[1] / "golden"
UPDATE = os.environ.get("HUBPLAN_UPDATE_GOLDEN") == "1"
HOW = "HUBPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/formulation/test_golden.py"


# discount rate 0.1 and a one-year life: δ = 1, 1/1.1 and CRF = 1.1; carbon 100 yuan/t at 0.5 t/MWh
SETTINGS = dict(GREEN_SETTINGS, years=[2026, 2027], discount_rate=0.1, carbon_price_yuan_per_t=100.0,
                transport_yuan_per_tb=2.0, ai_racks_reserved=1, local_ai_share=0.3, utilisation_floor=0.5, min_green_share=0.3, min_west_share=0.4)
CLUSTERS = {"a": dict(capex_yuan_per_rack=50000.0, build_limit_racks_per_year=20.0, planned_racks=150.0, pue=1.25,
                      opex_yuan_per_rack_year=1000.0, water_limit_m3_per_year=1e6, installed_ai_racks=10.0),
            "b": dict(hub_id="h_west", region_id="r2", lat=36.0, capex_yuan_per_rack=40000.0, build_limit_racks_per_year=10.0,
                      grid_price_yuan_per_kwh=0.3, green_avail_mw=1.0, green_price_yuan_per_kwh=0.25)}
LOCAL = ("region_id,existing_racks,retire_share_per_year,build_limit_racks_per_year,latency_ms,pue,grid_price_yuan_per_kwh,"
         "opex_yuan_per_rack_year,capex_yuan_per_rack\n"
         "r1,10,0.05,1,1,1.5,0.6,8000,80000\nr2,20,0.1,2,1,1.4,0.5,7000,70000\n")  # two provinces: the national market
CHAINS = {"chains.csv": "chain_id,stage_id,stage_order,workload_id,volume_ratio,tb_per_rack_year,copies\n"
                        "iot,store,1,w,1,10,2\niot,analyse,2,w,0.1,10,\n",
          "chain_sources.csv": "chain_id,region_id,year,tb_per_year\niot,r1,2026,100\niot,r1,2027,150\n",
          "backbone.csv": "hub_a,hub_b,km,capacity_tbps,background_share,max_use,price_yuan_per_tb,expansion_yuan_per_tbps_km\n"
                          "h_east,h_west,1000,1,0.16,0.8,100,1e6\n"}
ANNUAL = {"modular_builds": {"block_racks": 10, "fixed_cost_yuan_per_block": 1e5}, "policy": {"n_minus_1": True}}
HOURLY = {**ANNUAL, "resolution": "hourly", "hourly": {"representative_days": 1, "flexible_classes": ["w"], "storage": {}}}
SCENARIOS = {"annual": ANNUAL, "hourly": HOURLY,  # the annual and hourly power families exclude each other,
             "hourly_matching": {**HOURLY, "hourly": {**HOURLY["hourly"], "green_matching": "hourly"}},  # so do the green shares
             "chains": ANNUAL}  # the data lifecycle, annual only


@pytest.fixture(scope="module")
def instances(tmp_path_factory) -> dict[str, tuple]:
    """name → (inputs, LP) of the golden instances."""
    root = write_dataset(tmp_path_factory.mktemp("golden"), CLUSTERS, {"r1": {}, "r2": {"lat": 36.0}},
                         {("r1", "w", 2026): 50, ("r1", "w", 2027): 60, ("r2", "w", 2027): 8, ("r1", "ai", 2027): 5},
                         {"w": {"data_tb_per_rack_year": 3.0}, "ai": {"physical_rack_kw": 20.0}}, settings=SETTINGS)
    write_green(root, {"a": (10, 0.3)}, {"r1": [0.5] * 12})
    (root / "local.csv").write_text(LOCAL)
    chains = tmp_path_factory.mktemp("golden_chains")
    for f in root.iterdir():
        (chains / f.name).write_bytes(f.read_bytes())
    for name, text in CHAINS.items():
        (chains / name).write_text(text)
    out = {}
    for name, body in SCENARIOS.items():
        inp = build_inputs(scenario_from_dict({"name": name, **body}), load_dataset(chains if name == "chains" else root))
        out[name] = (inp, build_lp(inp))
    return out


def _num(v: float) -> str:
    return "inf" if v == np.inf else "-inf" if v == -np.inf else f"{v:.6g}"


def _label(name: str, label: tuple) -> str:
    return f"{name}[{','.join(map(str, label))}]"


def _linear(lp: LinearProgram, parts) -> str:
    """Σ coef·var[label] over (var, col, coef), columns in LP order, coefficients of one column added."""
    acc: dict[tuple[str, int], float] = {}
    for var, col, coef in parts:
        acc[(var, col)] = acc.get((var, col), 0.0) + coef
    order = list(lp.variables)
    return " ".join(f"{'-' if c < 0 else '+'} {_num(abs(c))} {_label(v, lp.variables[v].labels[j])}"
                    for (v, j), c in sorted(acc.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])) if c != 0)


def _rows(lp: LinearProgram, rb: RowBlock) -> list[str]:
    by_row: list[list] = [[] for _ in range(rb.size)]
    for t in rb.terms:
        for i, j, c in zip(t.row.tolist(), t.col.tolist(), t.coef.tolist()):
            by_row[i].append((t.var, j, c))
    out = []
    for i, label in enumerate(rb.labels):
        lo, hi, expr = float(rb.lo[i]), float(rb.hi[i]), _linear(lp, by_row[i]) or "0"
        if lo == hi:
            sense = f"{expr} = {_num(hi)}"
        elif lo == -np.inf:
            sense = f"{expr} ≤ {_num(hi)}"
        elif hi == np.inf:
            sense = f"{_num(lo)} ≤ {expr}"
        else:
            sense = f"{_num(lo)} ≤ {expr} ≤ {_num(hi)}"
        out.append(f"{_label(rb.name, label)}: {sense}")
    return out


def _bound(lp: LinearProgram, b: Bound) -> list[str]:
    labels = lp.variables[b.var].labels
    return [f"{_label(b.var, label)} ≤ {_num(float(u))}" for label, u in zip(labels, b.ub)]


def _cost(lp: LinearProgram, c: CostTerm) -> list[str]:
    parts = [(var, j, v) for var, col, coef in c.parts for j, v in zip(col.tolist(), coef.tolist())]
    return _linear(lp, parts).replace(" + ", "\n+ ").replace(" - ", "\n- ").splitlines() or ["0"]


def _vars(blocks: dict[str, VarBlock]) -> list[str]:
    out = []
    for vb in blocks.values():
        kind = " integer" if vb.integer else ""
        out += [f"{_label(vb.name, label)} ≥ 0{kind}" + ("" if vb.ub is None else f", ≤ {_num(float(u))}")
                for label, u in zip(vb.labels, vb.ub if vb.ub is not None else [None] * vb.size)]
    return out


def render(family, instance: str, inp, lp: LinearProgram) -> str:
    """The family as text: a header (what it is, on which instance, its math), then its lines."""
    block = family.build(lp.index, inp)
    lines = {"rows": lambda: _rows(lp, block), "bound": lambda: _bound(lp, block),
             "cost": lambda: _cost(lp, block), "vars": lambda: _vars(block)}[family.kind]()
    head = [f"# {family.name} ({family.kind}) on the {instance!r} instance of tests/formulation/test_golden.py, which writes this file",
            *(f"# {line}" for line in family.math.splitlines())]
    return "\n".join(head + lines) + "\n"


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_family_matches_its_golden(family, instances):
    on = [(name, inp, lp) for name, (inp, lp) in instances.items() if family.when(inp)]
    assert on, f"no golden instance switches {family.name} on: extend SCENARIOS or the dataset in tests/formulation/test_golden.py"
    text, path = render(family, *on[0]), GOLDEN / f"{family.name}.txt"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), (f"family {family.name} has no golden file {path.relative_to(GOLDEN.parent.parent)}: "
                            f"write it with `{HOW}`, read it, and commit it")
    want = path.read_text(encoding="utf-8")
    assert text == want, (f"family {family.name} differs from {path.name} (diff it against a fresh one: {HOW}; "
                          f"commit the new golden if the change is meant)")


def test_every_golden_names_a_family():
    """A golden without its family (renamed or removed) is stale."""
    stale = sorted(p.stem for p in GOLDEN.glob("*.txt")) if GOLDEN.is_dir() else []
    stale = [s for s in stale if s not in {f.name for f in FAMILIES}]
    assert not stale, f"golden files for families no longer in the registry: {stale} (delete tests/golden/<name>.txt)"


def test_goldens_read_as_worked_by_hand():
    """A few lines worked out from the instance's numbers, so the goldens are checked once by hand."""
    def lines(name):
        return (GOLDEN / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    # capex: δ·CRF·capex over the years a build pays: 1 · 1.1 · 50,000 + (1/1.1) · 1.1 · 50,000 = 105,000
    assert "+ 105000 build[a,2026]" in lines("capex") and "+ 50000 build[a,2027]" in lines("capex")
    # electricity: 8760 h · 1000 kWh/MW · 0.1 yuan/kWh = 876,000 yuan per MW-year in 2026, / 1.1 in 2027
    assert "+ 876000 grid[a,2026]" in lines("electricity") and "+ 796364 grid[a,2027]" in lines("electricity")
    # 上架率 floor: φ · installed = 0.5 · 100 racks; a rack built must be half filled
    assert any(s.startswith("utilisation_floor[a,2026]: 50 ≤ ") and "- 0.5 build[a,2026]" in s for s in lines("utilisation_floor"))
    # western share 0.4: a western rack counts 1 − 0.4, an eastern one − 0.4
    assert any("- 0.4 x[r1,a,w,2026]" in s and "+ 0.6 x[r1,b,w,2026]" in s for s in lines("western_share"))
    # every demand row: the class's racks of the province and year, served, local, remote or unmet
    assert "demand_balance[r1,w,2027]: + 1 x[r1,a,w,2027] + 1 x[r1,b,w,2027] + 1 unmet[r1,w,2027] " \
           "+ 1 local[r1,w,2027] + 1 remote[r1,r2,w,2027] = 60" in lines("demand_balance")
