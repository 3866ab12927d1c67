"""AI work in the provinces' own stock runs only on its racks fitted for AI.

At the clusters the AI classes run only on AI racks (``capacity.ai_capacity``); in a province's own
stock a share a[s] of the racks in service is fitted for AI (``settings.yaml`` ``local_ai_share``,
one national share; absent: no limit), so the AI work served there, its own and other provinces'
(``remote``, market.py), stays within that share. The share is not a decision: the racks the
province adds and the racks it retires early are fitted in the same proportion. With
``ai_racks_reserved`` the rule at the clusters holds here too: the AI-fitted share hosts AI work only
and general work has the other 1 − a[s] (``local_general_capacity``). Rows only for provinces with
stock or growth.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .blocks import RowBlock, Term
from .family import Family
from .index import Index
from .local import has_local_supply
from .market import has_remote, remote_arcs


def has_local_ai_share(inp: xr.Dataset) -> bool:
    """The dataset gives the AI-fitted share of the own stock and has an AI class."""
    return (has_local_supply(inp) and "local_ai_share" in inp and bool(np.isfinite(inp["local_ai_share"].values).any())
            and bool(inp["ai_class"].values.any()))


def local_ai_reserved(inp: xr.Dataset) -> bool:
    """The own stock's AI-fitted racks are kept for AI work (``ai_racks_reserved``: 1), as at the clusters."""
    return has_local_ai_share(inp) and bool(inp["ai_racks_reserved"])


def _share_rows(ix: Index, inp: xr.Dataset, name: str, ai: bool) -> RowBlock:
    """Rows (s, y) for the provinces s with a share and with stock or growth: the classes of one
    kind (AI or not) in s's stock ≤ their share of the racks in service."""
    R, W, Y = ix.R, ix.W, ix.Y
    a = inp["local_ai_share"].to_numpy().astype(float)
    share = a if ai else 1.0 - a
    stock = inp["local_available_racks"].transpose("region", "year").to_numpy()
    keep = np.flatnonzero(np.isfinite(a) & ((stock > 0).any(axis=1) | (inp["local_build_limit_racks_per_year"].to_numpy() > 0)))
    pos = np.full(R, -1)
    pos[keep] = np.arange(keep.size)
    kind = inp["ai_class"].to_numpy().astype(bool) == ai

    r, w, y = (v.ravel() for v in np.meshgrid(np.arange(R), np.arange(W), np.arange(Y), indexing="ij"))
    mine = kind[w] & (pos[r] >= 0)
    terms = [Term("local", pos[r[mine]] * Y + y[mine], ((r * W + w) * Y + y)[mine], np.ones(int(mine.sum())))]
    if has_remote(inp):
        _, s, wr = remote_arcs(ix, inp)
        arc = np.flatnonzero(kind[wr] & (pos[s] >= 0))
        col = (arc[:, None] * Y + np.arange(Y)).ravel()
        row = (pos[s[arc]][:, None] * Y + np.arange(Y)).ravel()
        terms.append(Term("remote", row, col, np.ones(col.size)))
    # the share of the racks added and retired early: Σ_{y'≤y} for rows (s, y)
    kk, t, tp = np.nonzero(np.broadcast_to(np.tril(np.ones((Y, Y), bool)), (keep.size, Y, Y)))
    terms += [Term("local_build", kk * Y + t, keep[kk] * Y + tp, -share[keep[kk]]),
              Term("local_retire", kk * Y + t, keep[kk] * Y + tp, share[keep[kk]])]
    hi = (share[keep, None] * stock[keep]).ravel()
    labels = [(ix.regions[i], yr) for i in keep.tolist() for yr in ix.years]
    return RowBlock(name, ("region", "year"), labels, terms, lo=np.full(hi.size, -np.inf), hi=hi)


def local_ai_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    """local_ai_capacity[s,y]:  Σ_{w∈W_AI} (local[s,w,y] + Σ_{(r,s,w)∈M} remote[r,s,w,y])
        − a[s] · (Σ_{y'≤y} local_build[s,y'] − Σ_{y'≤y} local_retire[s,y']) ≤ a[s] · S[s,y]

    AI classes in a province's own stock run only on its AI-fitted share a[s] of the racks in service."""
    return _share_rows(ix, inp, "local_ai_capacity", ai=True)


def local_general_capacity(ix: Index, inp: xr.Dataset) -> RowBlock:
    """local_general_capacity[s,y]:  Σ_{w∉W_AI} (local[s,w,y] + Σ_{(r,s,w)∈M} remote[r,s,w,y])
        − (1 − a[s]) · (Σ_{y'≤y} local_build[s,y'] − Σ_{y'≤y} local_retire[s,y']) ≤ (1 − a[s]) · S[s,y]

    With ``ai_racks_reserved``, general work runs on the racks not fitted for AI, as at the clusters."""
    return _share_rows(ix, inp, "local_general_capacity", ai=False)


FAMILIES = (
    Family("local_ai_capacity", "rows", local_ai_capacity, when=has_local_ai_share,
           conflict="the AI-fitted racks (智算) of {region}'s own stock in {year}"),
    Family("local_general_capacity", "rows", local_general_capacity, when=local_ai_reserved,
           conflict="the racks of {region}'s own stock not fitted for AI (general work) in {year}"),
)
