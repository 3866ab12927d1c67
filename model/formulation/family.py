"""The family registry: every part of the formulation declared once.

A family is one named part of the linear program — a variable block, a row block (a constraint
family), a column bound or a cost term — built by one function of a formulation module. Its name
is the Pyomo component's name and the heading of its section in docs/math.md; the math itself is
the build function's docstring (a test checks that docs/math.md carries it verbatim).

Who reads the registry instead of keeping a list of their own:
- ``build_lp`` assembles the families that apply to the inputs (``when``), in registry order;
- the IIS explanation (``model.results.explain``) takes each family's ``conflict`` sentence;
- the unmet-demand reasons (``model.results.build``) take ``limits``: what a binding row or bound
  of the family exhausts at a cluster (see ``LIMITS``);
- the reports' and the app's cost tables, the shadow-price units and the app's binding limits take
  ``label``: the family's 中文 and English name and what its dual means (``labels.py``).
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import xarray as xr

from .labels import LABELS, Label

Kind = Literal["vars", "rows", "bound", "cost"]

# What a binding family exhausts at a cluster in a year. A cluster cannot take one more rack when
# its racks are used and it cannot build more, or when its power is used (every grid and green
# MW, or a family that caps the power as a whole) — see ``model.results.reasons.full_clusters``.
LIMITS = ("racks", "build", "grid", "green", "power")


def always(inp: xr.Dataset) -> bool:
    return True


@dataclass(frozen=True)
class Family:
    name: str  # Pyomo component (cost terms: ``cost_<name>``) and docs/math.md heading
    kind: Kind
    build: Callable[..., Any]  # (Index, inputs) → VarBlock dict | RowBlock | Bound | CostTerm
    conflict: str = ""  # IIS sentence; {cluster}, {region}, {workload}, {year}, {failed} from labels
    limits: str | None = None  # one of LIMITS when a binding row/bound blocks one more rack
    # (English, 中文) unmet-demand reason when this family, beyond the physical limits, is what holds
    # the admissible clusters back (the carbon budget, a water limit); None: a physical limit
    reason: tuple[str, str] | None = None
    when: Callable[[xr.Dataset], bool] = always  # does the family apply to these inputs?

    def __post_init__(self):
        if self.limits is not None and self.limits not in LIMITS:
            raise ValueError(f"family {self.name}: limits must be one of {LIMITS}, not {self.limits!r}")
        if self.reason is not None and self.limits is None:
            raise ValueError(f"family {self.name}: a reason needs the limit it exhausts")

    @property
    def label(self) -> Label:
        """Its name in 中文 and English and, for rows and bounds, what its dual means (``labels.LABELS``)."""
        return LABELS[self.name]

    @property
    def math(self) -> str:
        """The family's math: its build function's docstring up to the first blank line."""
        return (inspect.getdoc(self.build) or "").split("\n\n")[0].strip()
