"""Studies: many solves driven through the Planner — the cost–carbon frontier, sweeps and batches."""
