"""The family registry is complete and each family carries what it promises: its math in
docs/math.md (verbatim, under a heading naming it), an IIS sentence, and a test that uses it."""
import re
import string
from pathlib import Path

import pytest
from tiny import GREEN_SETTINGS, write_dataset, write_green

from model.formulation import BY_NAME, FAMILIES, build_lp
from model.inputs import build_inputs
from model.inputs.dataset import load_dataset
from model.inputs.scenario import scenario_from_dict

ROOT = Path(__file__).parents[2]
DOC = (ROOT / "docs" / "math.md").read_text(encoding="utf-8")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _sections() -> dict[str, str]:
    """heading → body of every '###' section of docs/math.md."""
    parts = re.split(r"^### (.*)$", DOC, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


EVERYTHING = {"modular_builds": {"block_racks": 10}, "policy": {"n_minus_1": True}}
HOURLY = {**EVERYTHING, "resolution": "hourly",
          "hourly": {"representative_days": 1, "flexible_classes": ["w"], "storage": {}}}


def _lp(root, body):
    inp = build_inputs(scenario_from_dict({"name": "all", **body}), load_dataset(root))
    return inp, build_lp(inp)


@pytest.fixture(scope="module")
def everything_on(tmp_path_factory):
    """LPs with every optional family on: modular builds, N-1, a water limit and local supply
    (annual); the same hourly with flexible work, storage and either green-matching rule (the
    annual and hourly power families exclude each other, and so do the two green-share rows)."""
    root = write_dataset(tmp_path_factory.mktemp("reg"), {"a": {"water_limit_m3_per_year": 1e6, "installed_ai_racks": 10},
                                                          "b": {"lat": 31.0}},
                         {"r1": {}, "r2": {"lat": 32.0}}, {("r1", "w", 2026): 50},
                         {"w": {}, "ai": {"physical_rack_kw": 20.0}},  # an AI class: AI racks are a capacity of their own
                         settings={**GREEN_SETTINGS, "ai_racks_reserved": 1, "local_ai_share": 0.2})  # AI racks host AI work only
    write_green(root, {"a": (10, 0.3)}, {"r1": [0.5] * 12})
    (root / "local.csv").write_text("region_id,existing_racks,retire_share_per_year,build_limit_racks_per_year,latency_ms,"
                                    "pue,grid_price_yuan_per_kwh,opex_yuan_per_rack_year,capex_yuan_per_rack\n"
                                    "r1,10,0.05,1,1,1.5,0.6,8000,80000\n"
                                    "r2,10,0.05,1,1,1.5,0.6,8000,80000\n")  # two provinces: the national market
    lps = [_lp(root, EVERYTHING), _lp(root, HOURLY),
           _lp(root, {**HOURLY, "hourly": {**HOURLY["hourly"], "green_matching": "hourly"}})]
    # the data lifecycle (annual only): two chained stages, two copies, a backbone edge between the hubs
    chains = tmp_path_factory.mktemp("reg_chains")
    for f in root.iterdir():
        if f.is_file():
            (chains / f.name).write_bytes(f.read_bytes())
    (chains / "clusters.csv").write_text((root / "clusters.csv").read_text().replace(",h_east,", ",h_west,", 1))
    (chains / "chains.csv").write_text("chain_id,stage_id,stage_order,workload_id,volume_ratio,tb_per_rack_year,copies\n"
                                       "iot,store,1,w,1,10,2\niot,analyse,2,w,0.1,10,\n")
    (chains / "chain_sources.csv").write_text("chain_id,region_id,year,tb_per_year\niot,r1,2026,100\n")
    (chains / "backbone.csv").write_text("hub_a,hub_b,km,capacity_tbps,background_share,max_use,price_yuan_per_tb,"
                                         "expansion_yuan_per_tbps_km\nh_east,h_west,1000,1,0.16,0.8,100,1e6\n")
    return lps + [_lp(chains, EVERYTHING)]


def test_every_part_of_the_lp_is_a_registered_family(everything_on):
    lps = [lp for _, lp in everything_on]
    assert {rb.name for lp in lps for rb in lp.rows} == {f.name for f in FAMILIES if f.kind == "rows"}
    assert {b.name for lp in lps for b in lp.bounds} == {f.name for f in FAMILIES if f.kind == "bound"}
    assert {c.name for lp in lps for c in lp.costs} == {f.name for f in FAMILIES if f.kind == "cost"}
    assert {v for lp in lps for v in lp.variables} == {n for inp, lp in everything_on for f in FAMILIES
                                                        if f.kind == "vars" and f.when(inp) for n in f.build(lp.index, inp)}
    assert len(BY_NAME) == len(FAMILIES), "family names must be unique"


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.kind in ("rows", "bound")], ids=lambda f: f.name)
def test_constraint_family_has_its_math_section(family):
    sections = {h: b for h, b in _sections().items() if f"`{family.name}" in h}
    assert sections, f"docs/math.md has no '###' heading naming `{family.name}`"
    body = _norm(" ".join(sections.values()))
    assert family.math, f"{family.build.__name__} has no docstring with its math"
    assert _norm(family.math) in body, f"docs/math.md differs from {family.build.__name__}'s docstring:\n{family.math}"


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.kind == "cost"], ids=lambda f: f.name)
def test_cost_term_is_in_the_objective_section(family):
    objective = DOC.split("## Objective", 1)[1].split("\n## ", 1)[0]
    assert f"`cost_{family.name}`" in objective
    assert _norm(family.math) in _norm(objective), family.math


def test_every_variable_is_in_the_variables_table(everything_on):
    variables = DOC.split("## Variables", 1)[1].split("\n## ", 1)[0]
    for name in {v for _, lp in everything_on for v in lp.variables}:
        assert f"| `{name}` |" in variables, name


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.kind in ("rows", "bound")], ids=lambda f: f.name)
def test_constraint_family_explains_itself_in_an_iis(family, everything_on):
    lp = next(lp for inp, lp in everything_on if family.when(inp))
    assert family.conflict, f"{family.name} has no IIS sentence"
    fields = {name for _, name, _, _ in string.Formatter().parse(family.conflict) if name}
    if family.kind == "rows":
        dims = next(rb.dims for rb in lp.rows if rb.name == family.name)
    else:
        dims = lp.variables[next(b.var for b in lp.bounds if b.name == family.name)].dims
    assert fields <= set(dims), f"{family.name}: sentence fields {fields} not among its labels {dims}"


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.kind != "vars"], ids=lambda f: f.name)
def test_every_family_is_exercised_by_a_test(family):
    tests = [p for p in (ROOT / "tests").rglob("test_*.py") if p.name != Path(__file__).name]
    assert any(family.name in p.read_text(encoding="utf-8") for p in tests), \
        f"no test names the family {family.name}"


# -- the attribute catalogue (model/inputs/schema.py) ---------------------------------------------
def test_each_overridable_attribute_is_a_validated_scenario_field_and_a_lever(tmp_path):
    from model.errors import InputError
    from model.inputs import levers
    from model.inputs.scenario import ClusterLevers
    from model.inputs.schema import overridable

    ds = load_dataset(write_dataset(tmp_path, {"a": {}}, {"r1": {}}, {("r1", "w", 2026): 1}))
    cols = overridable("clusters.csv")
    assert list(ClusterLevers.model_fields) == [c.name for c in cols]
    assert [lv.path for lv in levers.cluster_levers(ds, "a")] == [f"clusters.a.{c.name}" for c in cols]
    for c in cols:
        assert c.zh and c.en and c.doc, c.name
        with pytest.raises(InputError, match=rf"field 'clusters.a.{c.name}'"):
            scenario_from_dict({"clusters": {"a": {c.name: c.lo - 1}}})
        if c.hi != float("inf"):
            with pytest.raises(InputError, match=rf"field 'clusters.a.{c.name}'"):
                scenario_from_dict({"clusters": {"a": {c.name: c.hi * 2}}})


def test_every_dataset_column_is_documented():
    from model.inputs.schema import FILES

    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for file, cols in FILES.items():
        for c in cols:
            assert c.name in readme, f"data/README.md does not describe {file}: {c.name}"


def test_a_family_with_its_own_unmet_reason_is_reported_in_both_languages():
    from model.results import REASON_ZH, REASONS

    own = [f for f in FAMILIES if f.reason]
    assert {f.name for f in own} >= {"emission_cap", "water_limit"}
    for f in own:
        assert f.limits, f.name
        assert f.reason[0] in REASONS and REASON_ZH[f.reason[0]] == f.reason[1]


def test_every_lever_widget_takes_the_range_the_scenario_accepts(tmp_path):
    """The app's widgets read their range from the catalogue: a value at a widget's bound passes
    validation and one beyond it is refused, naming the lever."""
    from model.errors import InputError
    from model.inputs import levers

    ds = load_dataset(write_dataset(tmp_path, {"a": {}}, {"r1": {}}, {("r1", "w", 2026): 1}))
    sc = scenario_from_dict({"name": "t", "modular_builds": {"block_racks": 10}})
    for lv in levers.lever_catalog(ds):
        if lv.kind == "bool" or lv.hi is None:
            continue
        levers.set_lever(sc, ds, lv.path, lv.hi)
        with pytest.raises(InputError, match=lv.path.replace(".", r"\.")):
            levers.set_lever(sc, ds, lv.path, lv.hi * 2 + 1)
