"""Results: a solution as one self-describing xarray Dataset, with shadow prices, the explanation
of infeasibility and the rule baselines beside it."""
from .build import REASON_CAPACITY, REASON_COST, REASON_NO_ARC, REASONS, TOL, build_results, manifest_of

__all__ = ["REASONS", "REASON_CAPACITY", "REASON_COST", "REASON_NO_ARC", "TOL", "build_results", "manifest_of"]
