"""Inputs: the files a planner writes (dataset folder, scenario YAML, latency matrix) → one xarray
Dataset of model inputs. Every default and every id check lives here."""
from .build import build_inputs, dataset_fingerprint
from .dataset import BUNDLED, InputTables, load_dataset
from .scenario import (
                       MAX_SCENARIO_BYTES,
                       SCENARIOS,
                       Scenario,
                       SolverOptions,
                       apply_changes,
                       load_scenario,
                       parse_scenario_text,
                       scenario_hash,
                       scenario_to_yaml,
)

__all__ = ["BUNDLED", "MAX_SCENARIO_BYTES", "SCENARIOS", "InputTables", "Scenario", "SolverOptions", "apply_changes",
           "build_inputs", "dataset_fingerprint", "load_dataset", "load_scenario", "parse_scenario_text", "scenario_hash",
           "scenario_to_yaml"]
