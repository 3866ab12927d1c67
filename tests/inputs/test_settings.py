"""The settings catalogue (model/inputs/settings.py) is the one declaration of every scenario-level
setting: the scenario's fields, the overrides map, the lever lists, the defaults and the checks of
settings.yaml are generated from it and agree with it; Scenario's JSON schema changes only on purpose.

When a change of the schema is meant, write the golden again and commit it with the change:

    HUBPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/inputs/test_settings.py
"""
import json
import os
import re
import types
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel
from tiny import write_dataset

from model.errors import InputError
from model.inputs import levers, settings, warm
from model.inputs.dataset import load_dataset, read_settings
from model.inputs.scenario import Scenario, scenario_from_dict
from model.inputs.settings import CATALOGUE, REQUIRED, SCENARIO_OVERRIDES

ROOT = Path(__file__).parents[2]
SCHEMA = Path(__file__).parent / "scenario_schema.json"
UPDATE = os.environ.get("HUBPLAN_UPDATE_GOLDEN") == "1"
NOT_IN_CATALOGUE = {"local_supply"}  # a plain (lax) bool of the scenario, no lever: not a record
IDS = {"*": "x"}  # an id where a record's path has ``*``


def _unwrap(node):
    while typing.get_origin(node) in (typing.Union, types.UnionType, typing.Annotated):
        args = [a for a in typing.get_args(node) if a is not type(None)]
        node = args[0]
    return node


def _field(path: str):
    """The pydantic FieldInfo at a record's dotted path; ``*`` steps into a dict's values (None there)."""
    node, info = Scenario, None
    for part in path.split("."):
        node = _unwrap(node)
        if part == "*":
            assert typing.get_origin(node) in (dict, list), f"{path}: {part} is not a map or list"
            node, info = typing.get_args(node)[-1], None
            continue
        assert isinstance(node, type) and issubclass(node, BaseModel) and part in node.model_fields, f"{path}: no field {part}"
        info = node.model_fields[part]
        node = info.annotation
    return info


def _numbers(node, path: str):
    """Dotted paths (``*``: any key or index) of every number or switch under a field's type."""
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        for name, info in node.model_fields.items():
            if not info.exclude and path + name != "clusters":  # the clusters' overrides: schema.py's columns
                yield from _numbers(info.annotation, f"{path}{name}.")
    elif typing.get_origin(node) in (dict, list):
        yield from _numbers(typing.get_args(node)[-1], path + "*.")
    elif node in (bool, int, float):
        yield path.removesuffix(".")


def _doc(path: str, value) -> dict:
    """A scenario document setting ``path`` (ids filled in) to ``value``."""
    parts = path.replace(".*.*", ".x.2030").replace("*", "x").split(".")
    if parts[0] == "outages":
        return {"outages": [{"cluster": "x", "years": [value]}]}
    doc: dict = {}
    node = doc
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value
    if parts[0] == "modular_builds" and parts[1] != "block_racks":
        doc["modular_builds"]["block_racks"] = 100
    return doc


def test_every_record_path_is_a_scenario_field_with_the_records_default():
    for s in CATALOGUE:
        if s.path is None:
            continue
        info = _field(s.path)
        if info is None:  # an entry of a map or list: no default of its own
            continue
        if s.scenario_default is REQUIRED:
            assert info.is_required(), s.path
        else:
            assert not info.is_required() and info.default == s.scenario_default, s.path


def test_every_number_and_switch_of_the_scenario_has_a_record():
    numbers = set(_numbers(Scenario, ""))
    assert {"demand.scale", "demand.class_eflops.*.*", "outages.*.years.*", "hourly.storage.round_trip_efficiency"} <= numbers
    missing = numbers - {s.path for s in CATALOGUE} - NOT_IN_CATALOGUE
    assert not missing, f"scenario numbers without a settings.CATALOGUE record: {sorted(missing)}"


@pytest.mark.parametrize("s", [s for s in CATALOGUE if s.path and s.kind != "bool"], ids=lambda s: s.path)
def test_the_scenario_accepts_exactly_the_records_range(s):
    scenario_from_dict(_doc(s.path, s.lo))
    scenario_from_dict(_doc(s.path, s.hi))
    field = s.path.replace(".*.*", ".x.2030").replace("*", "x")
    field = "outages.0.years.0" if s.path.startswith("outages") else field
    with pytest.raises(InputError, match=rf"field '{field}'"):
        scenario_from_dict(_doc(s.path, s.lo - 1))
    if s.hi != float("inf"):
        with pytest.raises(InputError, match=rf"field '{field}'"):
            scenario_from_dict(_doc(s.path, s.hi * 2 + 1))


def test_records_are_well_formed():
    """One record per path and per key; a known kind and group; a lever has both labels."""
    paths, keys = [s.path for s in CATALOGUE if s.path], [s.key for s in CATALOGUE if s.key]
    assert len(paths) == len(set(paths)) and len(keys) == len(set(keys))
    for s in CATALOGUE:
        assert s.kind in ("float", "share", "bool", "optional", "int") and s.group in ("", *settings.LEVER_GROUPS), s
        assert not s.group or (s.zh and s.en and s.kind != "int"), s
        assert s.kind == "bool" or s.lo < s.hi, s
        assert not s.column or s.group in settings.ENTITY_GROUPS, s


def test_the_overrides_map_pairs_a_scenario_field_with_a_settings_key():
    """Overrides are numbers defaulting to None (the dataset's value) and levers of the editor."""
    assert SCENARIO_OVERRIDES == {
        "carbon_price_yuan_per_t": "carbon_price_yuan_per_t", "discount_rate": "discount_rate",
        "unmet_penalty_yuan_per_rack_year": "unmet_penalty_yuan_per_rack_year",
        "policy.utilisation_floor": "utilisation_floor", "policy.min_green_share": "min_green_share",
        "policy.min_west_share": "min_west_share", "local_ai_share": "local_ai_share"}
    assert all(_field(p).default is None for p in SCENARIO_OVERRIDES)
    assert set(SCENARIO_OVERRIDES) <= {lv.path for lv in levers.GLOBAL_LEVERS + levers.POLICY_LEVERS}


def test_lever_lists_are_the_catalogues_groups_in_order():
    assert [lv.path for lv in levers.GLOBAL_LEVERS] == [
        "carbon_price_yuan_per_t", "electricity_price_scale", "green_price_scale", "green_potential_scale",
        "local_ai_share", "demand.scale", "discount_rate", "unmet_penalty_yuan_per_rack_year"]
    assert [lv.path for lv in levers.POLICY_LEVERS] == [
        "policy.utilisation_floor", "policy.min_green_share", "policy.min_west_share", "policy.allow_unmet"]
    assert [lv.path for lv in levers.SOLVER_LEVERS] == ["solver.time_limit_s", "solver.mip_rel_gap"]
    assert [lv.path for lv in levers.ADVANCED_LEVERS] == [
        "policy.emission_cap_t", "policy.n_minus_1", "modular_builds.block_racks",
        "modular_builds.fixed_cost_yuan_per_block", "modular_builds.relax"]
    for lv in levers.GLOBAL_LEVERS + levers.POLICY_LEVERS + levers.SOLVER_LEVERS + levers.ADVANCED_LEVERS:
        s = settings.at(lv.path)
        assert (lv.label_zh, lv.label_en, lv.kind) == (s.zh, s.en, s.kind) and lv.label_zh and lv.label_en
        assert (lv.lo, lv.hi) == (None if s.kind == "bool" else s.lo, None if s.kind == "bool" else s.hi)
    assert levers.GLOBAL_LEVERS[6].label == "折现率 Discount rate (per year)"  # label_unit: settings.yaml says 1/yr
    assert levers.SOLVER_LEVERS[1].label == "MIP 相对间隙 MIP relative gap"  # unit "-": none shown


def test_a_levers_unset_value_comes_from_its_record(tmp_path):
    ds = load_dataset(write_dataset(tmp_path, {"a": {}}, {"r1": {}}, {("r1", "w", 2026): 1}))
    scalar = levers.GLOBAL_LEVERS + levers.POLICY_LEVERS + levers.SOLVER_LEVERS + levers.ADVANCED_LEVERS
    assert {lv.path: levers.dataset_value(ds, lv.path) for lv in scalar if lv.path not in SCENARIO_OVERRIDES} == {
        "electricity_price_scale": 1.0, "green_price_scale": 1.0, "green_potential_scale": 1.0, "demand.scale": 1.0,
        "policy.allow_unmet": True,
        "policy.n_minus_1": False, "modular_builds.relax": False, "policy.emission_cap_t": None, "modular_builds.block_racks": None,
        "modular_builds.fixed_cost_yuan_per_block": 0.0, "solver.time_limit_s": 300.0, "solver.mip_rel_gap": 1e-4}
    assert levers.dataset_value(ds, "discount_rate") == ds.settings["discount_rate"]
    assert [levers.dataset_value(ds, f"{p}.w") for p in ("demand.class_growth", "demand.class_scale")] == [None, 1.0]
    assert [levers.dataset_value(ds, f"{p}.r1") for p in ("demand.region_growth", "demand.region_scale")] == [0.0, 1.0]
    for path in ("solver.method", "solver.threads", "lifecycle.volume_scale", "demand.class_scale.nope",
                 "latency_bounds_ms.nope", "demand.region_growth.w", "nonsense"):
        with pytest.raises(KeyError):
            levers.dataset_value(ds, path)


def test_warm_records_are_the_levers_warm_py_recomputes_alone():
    for s in CATALOGUE:
        if s.path:
            concrete = s.path.replace(".*.*", ".x.2030").replace("*", "x")
            assert (warm._lever_of(concrete) is not None) == s.warm, s.path


def test_settings_yaml_is_checked_against_the_records(tmp_path):
    base = yaml.safe_load((ROOT / "data" / "settings.yaml").read_text(encoding="utf-8"))
    for s in settings.DATASET_SETTINGS:
        path = tmp_path / "settings.yaml"
        path.write_text(yaml.safe_dump({**base, s.key: s.hi + 1}))
        with pytest.raises(InputError, match=rf"field '{s.key}': expected a value"):
            read_settings(path)
        path.write_text(yaml.safe_dump({k: v for k, v in base.items() if k != s.key}))
        if s.default is REQUIRED:
            with pytest.raises(InputError, match=rf"field '{s.key}': missing setting"):
                read_settings(path)
        else:
            read_settings(path)
    assert [s.key for s in settings.DATASET_SETTINGS if s.as_input][:2] == ["fixed_opex_share", "above_plan_capex_premium"]
    assert settings.absent_default("residual_factor_ratio") == 1.0 and settings.absent_default("pue_retrofit_target") is None


def test_the_scenario_json_schema_is_the_golden_one():
    text = json.dumps(Scenario.model_json_schema(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    if UPDATE:
        SCHEMA.write_text(text, encoding="utf-8")
    assert text == SCHEMA.read_text(encoding="utf-8"), (
        "Scenario's JSON schema changed: if meant, HUBPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest "
        "tests/inputs/test_settings.py writes tests/inputs/scenario_schema.json (commit it with the change)")


def test_readmes_scenario_example_is_valid_and_names_every_scenario_setting():
    """The scenario messages send a reader to README.md, Scenarios, for the levers: its example lists them all."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("## Scenarios"):].split("```yaml\n", 1)[1].split("```", 1)[0]
    scenario_from_dict(yaml.safe_load(block))
    for s in CATALOGUE:
        for part in (s.path or "").split("."):
            assert part in ("", "*") or re.search(rf"\b{part}\b", block), f"README.md, Scenarios: {s.path} not in the example"
