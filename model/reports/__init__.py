"""Reports: numbers, tables, figures and files read from a results Dataset (they never solve)."""
from .files import read_results, write_outputs
from .kpis import summary
from .stochastic import write_stochastic_outputs
from .tables import allocation_table

__all__ = ["allocation_table", "read_results", "summary", "write_outputs", "write_stochastic_outputs"]
