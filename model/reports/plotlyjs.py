"""plotly.js for the offline HTML reports: the official *cartesian* partial bundle
(npm ``plotly.js-cartesian-dist-min``, MIT, assets/plotly-LICENSE.txt) — bar, scatter, heatmap,
box, pie … — 1.5 MB where the full bundle plotly.py embeds is 4.8 MB. Every report draws only
cartesian traces (the map is scatter traces over province outlines), so nothing is lost; its
version is the plotly.js that the installed plotly.py writes figures for (tests/reports/test_html_bundle.py).

Each HTML file embeds it once in ``<head>`` and its charts are written with ``include_plotlyjs=False``:
a report opens with no network and no file beside it.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

BUNDLE = Path(__file__).parent / "assets" / "plotly-cartesian.min.js"
TRACES = ("bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie",
          "scatter", "scatterternary", "violin")


@lru_cache(maxsize=1)
def _source() -> str:
    return BUNDLE.read_text(encoding="utf-8")


def bundle_version() -> str:
    return re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", _source()[:300]).group(1)


def script() -> str:
    """The bundle as one inline ``<script>`` element (for a report's ``<head>``)."""
    return f'<script type="text/javascript" charset="utf-8">{_source()}</script>'


def chart_html(fig, **kw) -> str:
    """A figure as a ``<div>`` for a page whose ``<head>`` holds ``script()``."""
    return fig.to_html(full_html=False, include_plotlyjs=False, **kw)


def page_html(fig) -> str:
    """A figure as a whole offline page (the bundle inline)."""
    return fig.to_html(full_html=True, include_plotlyjs=False).replace("<head>", "<head>" + script(), 1)
