"""Solve: the LP blocks handed to HiGHS (highspy) as arrays; warm in-place updates. The Pyomo
model of the same blocks (``to_pyomo``) is built on demand: Pyomo is imported only then."""
from typing import TYPE_CHECKING

from .highs import HighsModel, Solution, SolverError, StructureChanged, new_highs

if TYPE_CHECKING:  # for type checkers; at run time the module __getattr__ below imports it on first use
    from .assemble import to_pyomo

__all__ = ["HighsModel", "Solution", "SolverError", "StructureChanged", "new_highs", "to_pyomo"]


def __getattr__(name: str):  # lazy: importing Pyomo costs ~0.5 s
    if name == "to_pyomo":
        from .assemble import to_pyomo
        return to_pyomo
    raise AttributeError(name)
