"""Near-optimal alternatives: which decisions are robust and which are free choices.

``catalogue`` declares the decision aggregates once (by block name and labels); ``band`` adds the
budget row cost ≤ (1 + ε) · optimum to the warm HiGHS model and finds each aggregate's extremes by
swapping the objective; ``spores`` gives maximally different near-optimal plans; ``study`` runs it
all (in process or on Dask) and ``dataset`` turns it into one results Dataset (docs/math.md,
"Near-optimal alternatives")."""
from .band import Band, End
from .catalogue import BY_KEY, CATALOGUE, Aggregate, Entry, Source, aggregates
from .dataset import study_dataset
from .study import Study, check_slack, label, near_optimal, plan_results, verdicts

__all__ = ["BY_KEY", "CATALOGUE", "Aggregate", "Band", "End", "Entry", "Source", "Study", "aggregates", "check_slack", "label",
           "near_optimal", "plan_results", "study_dataset", "verdicts"]
