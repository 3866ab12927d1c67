"""hubplan: capacity planning for China's national computing network (东数西算)."""
import os

# numpy's OpenBLAS starts a thread per core for a long dot product (the cost terms' totals) and
# keeps them spinning afterwards; beside HiGHS on a 2-core machine that took half of HiGHS's CPU
# (docs/performance.md, issue 23). The LP's arrays are small: one BLAS thread, set before numpy
# loads (a caller's own setting wins; spawned Dask workers inherit it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
