"""Streamlit views of the planner app (``app.py`` composes them).

Every view reads and writes only ``st.session_state`` (per browser session); the parsed datasets
and a solver lock are the only things shared between sessions (``state.py``). Scenario editing
logic lives in ``model/inputs/levers.py``, comparisons in ``model/reports/compare.py`` and exports in
``model/reports/files.py``; the views only lay out widgets and figures.
"""
