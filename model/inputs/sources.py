"""Where a scenario comes from: the bundled scenarios, an uploaded or pasted file (checked as
strictly as a file given to the CLI), and the app's solver settings."""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .dataset import InputTables
from .scenario import FILE_FIELDS, MAX_SCENARIO_BYTES, SCENARIOS, Scenario, load_scenario, parse_scenario_text


# -- the app's solver settings ----------------------------------------------------------------
def app_scenario(sc: Scenario) -> tuple[Scenario, str | None]:
    """The scenario as the app solves it: HiGHS threads fixed to 1 (one value per process).
    Returns the scenario and a note when something was changed."""
    if sc.solver.threads == 1:
        return sc, None
    return sc.single_threaded(), f"solver.threads {sc.solver.threads} → 1 (the app runs HiGHS single-threaded)"


# -- loading --------------------------------------------------------------------------------------
def bundled_scenarios() -> dict[str, Path]:
    """name (file stem) → path of the scenarios shipped in data/scenarios."""
    return {p.stem: p for p in sorted(SCENARIOS.glob("*.yaml"))}


def load_bundled(stem: str) -> Scenario:
    paths = bundled_scenarios()
    if stem not in paths:
        raise InputError(stem, "", f"no bundled scenario of that name (known: {', '.join(paths)})")
    sc = load_scenario(paths[stem])
    return sc.model_copy(update={"source": f"data/scenarios/{stem}.yaml"})  # messages name no machine path


def parse_upload(data: bytes, filename: str = "<upload>", ds: InputTables | None = None,
                 max_bytes: int = MAX_SCENARIO_BYTES) -> Scenario:
    """Bytes of an uploaded (or pasted) scenario YAML → validated Scenario, or InputError.

    Checks the size, UTF-8, YAML syntax, the scenario schema and, given ``ds``, every id and
    value against the dataset (the same checks as ``hubplan validate``). Relative paths in the
    file resolve against data/scenarios, as for a bundled scenario: every file it names must be
    inside the app's data/ folder (``paths.confine``, checked by ``parse_scenario_text``).
    """
    if len(data) > max_bytes:
        raise InputError(filename, "", f"larger than {max_bytes // 1000} kB ({len(data) // 1000} kB)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(filename, "", "not UTF-8 text (is this a YAML file?)") from None
    sc = parse_scenario_text(text, filename, SCENARIOS)
    if ds is not None:
        check_scenario(sc, ds)
    return sc


def check_scenario(sc: Scenario, ds: InputTables) -> None:
    """Apply the scenario to the dataset (ids, years, planned ≥ installed); raises InputError."""
    from .build import build_inputs

    if sc.dataset is not None or any(getattr(sc, f) is not None for f in FILE_FIELDS):
        build_inputs(sc)  # its own dataset / matrix: the loader checks the files
    else:
        build_inputs(sc, ds)
