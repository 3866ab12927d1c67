"""Solve: the LP blocks assembled into Pyomo and handed to HiGHS (highspy); warm in-place updates."""
from .assemble import to_pyomo
from .highs import HighsModel, Solution, SolverError, StructureChanged, new_highs

__all__ = ["HighsModel", "Solution", "SolverError", "StructureChanged", "new_highs", "to_pyomo"]
