"""Two-stage planning under uncertainty: futures files, the extensive form over the deterministic
blocks, VSS / EVPI / regret, and optional progressive hedging (``ph``, needs the extra ``.[decomposition]``)."""
from .futures import Future, futures_from_dict, load_futures
from .twostage import OBJECTIVES, StochasticResult, extensive_form, results_dataset, solve_stochastic

__all__ = ["OBJECTIVES", "Future", "StochasticResult", "extensive_form", "futures_from_dict", "load_futures",
           "results_dataset", "solve_stochastic"]
