"""Results: the solution as one self-describing Dataset, shadow prices, unmet reasons, IIS, baselines."""
from .build import build_results, manifest_of
from .reasons import REASON_CAPACITY, REASON_COST, REASON_NO_ARC, REASON_POLICY, REASON_RATE, REASON_WATER, REASON_ZH, REASONS, TOL, unmet_value

__all__ = ["REASONS", "REASON_CAPACITY", "REASON_COST", "REASON_NO_ARC", "REASON_POLICY", "REASON_RATE", "REASON_WATER", "REASON_ZH", "TOL",
           "build_results", "manifest_of", "unmet_value"]
