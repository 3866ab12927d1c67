"""A workspace that keeps its work: saved scenarios and solved runs in a database (an SQLite file by
default, PostgreSQL for a team). The CLI registers its runs here; the app saves, lists, reopens and
compares them. Layout and choices: docs/workspace.md."""
from .connect import ENV, WorkspaceError, default_location
from .register import batch_records, open_workspace, register, solve_records, stochastic_records
from .store import RunRecord, Saved, ScenarioRecord, Workspace

__all__ = ["ENV", "RunRecord", "Saved", "ScenarioRecord", "Workspace", "WorkspaceError",
           "batch_records", "default_location", "open_workspace", "register", "solve_records", "stochastic_records"]
