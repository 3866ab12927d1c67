"""docs/sensitivity.md: the sceptic's study (``sceptic.py``) as Markdown, in planners' units.

The text is a function of the numbers only (no date, no timings), so re-running the command on
unchanged data and code gives the same file and a diff shows what a change moved.
"""
from __future__ import annotations

import math

from ..reports.kpis import RACK_YEARS, RACKS, SHARE, YUAN, Unit, number
from .sceptic import REL_TOL, Findings

WAN_T = Unit("tCO2 over the horizon", "万吨", 1e4, 0)
CLASS_ZH = {"processing": "数据处理", "storage": "存储备份", "ai_training": "AI训练", "all": "非实时合计"}

# answer -> (中文, English, unit); the western shares follow the classes the results have
COLUMNS: dict[str, tuple[str, str, Unit]] = {
    "objective": ("总成本（目标）", "cost (objective)", YUAN),
    "sunk": ("沉没成本", "sunk, outside the objective", YUAN),
    "with_sunk": ("含沉没", "cost with sunk", YUAN),
    "builds": ("集群新建", "cluster builds 2026–2030", RACKS),
    "local_builds": ("本省新建", "own-stock builds 2026–2030", RACKS),
    "idle": ("闲置", "idle racks", RACK_YEARS),
    "unmet_last": ("未满足", "unmet 2030", SHARE),
    "occupancy_first": ("集群上架率", "cluster occupancy 2026", SHARE),
    "west_all": ("西部份额", "western share 2030, non-real-time", SHARE),
    "ai_training_east": ("东部智算训练占比", "AI training's share of AI work on eastern clusters 2030", SHARE),
    "unmet_ai_last": ("AI未满足", "AI work unmet 2030 (share of demand)", SHARE),
    "co2": ("CO₂", "CO₂ 2026–2030", WAN_T),
    "green": ("绿电占比", "green share", SHARE),
}


def _cell(value, unit: Unit) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else number(value, unit)


def _columns(f: Findings) -> dict[str, tuple[str, str, Unit]]:
    """COLUMNS with one western share per non-real-time class before the total."""
    items = list(COLUMNS.items())
    at = list(COLUMNS).index("west_all")
    west = [(c, ("西部份额", f"western share 2030, {CLASS_ZH.get(c[5:], '')} {c[5:]}", SHARE))
            for c in f.answers.columns if c.startswith("west_") and c != "west_all"]
    return dict(items[:at] + west + items[at:])


def _answers_table(f: Findings) -> list[str]:
    cols = _columns(f)
    lines = ["| run | lever | " + " | ".join(f"{zh} {en} ({u.shown})" for zh, en, u in cols.values()) + " |",
             "|---|---|" + "---:|" * len(cols)]
    for key, row in f.answers.iterrows():
        name, lever = ("参考 reference", "—") if key == "reference" else (
            f"{f.variants[key][0].zh} {f.variants[key][0].en}", f.variants[key][1])
        lines.append(f"| {name} | {lever} | " + " | ".join(_cell(row[c], u) for c, (_, _, u) in cols.items()) + " |")
    return lines


def _move(ref: float, value: float, unit: Unit) -> str:
    """The change in the shown unit (percentage points for a share)."""
    d = (value - ref) / unit.factor
    return f"{d:+,.4f} pp" if unit is SHARE else f"{d:+,.{max(unit.digits, 2)}f} {unit.shown}"


def _checks_table(f: Findings) -> list[str]:
    cols, ranged = _columns(f), "inside_range" in f.checks
    head = "| variant | the expert expects | reference → variant | change | holds |" + (
        " inside the reference's near-optimal range |" if ranged else "")
    lines = [head, "|---|---|---|---:|:---:|" + (":---:|" if ranged else "")]
    for r in f.checks.itertuples():
        _, what, unit = cols[r.metric]
        v = f.variants[r.variant][0]
        row = (f"| {v.zh} {v.en} | {what} {r.expected} | {_cell(r.reference, unit)} → {_cell(r.value, unit)} {unit.shown} "
               f"| {_move(r.reference, r.value, unit)} | {'✓' if r.holds else '✗'} |")
        if ranged:
            row += " — |" if r.inside_range is None else f" {'yes' if r.inside_range else 'no'} |"
        lines.append(row)
    return lines


def _flat_table(f: Findings) -> list[str]:
    cols = _columns(f)
    lines = ["| answer | optimum | min | max | verdict |", "|---|---:|---:|---:|---|"]
    for key, r in f.flat.iterrows():
        zh, en, unit = cols[key]
        verdict = "robust 稳健" if r["verdict"] == "robust" else "free 可选"
        lines.append(f"| {zh} {en} ({unit.shown}) | {_cell(r['optimum'], unit)} | {_cell(r['min'], unit)} "
                     f"| {_cell(r['max'], unit)} | {verdict} |")
    return lines


def _verdict_sentence(f: Findings) -> str:
    cols = _columns(f)
    names = {v: "; ".join(cols[k][1] for k in f.flat.index[f.flat["verdict"] == v]) or "none" for v in ("robust", "free")}
    slack = 100 * float(f.flat["slack"].iloc[0])
    return (f"Robust within {slack:g} %: {names['robust']}. Free within {slack:g} % (brief the range, not the "
            f"optimum's value): {names['free']}.")


def _failed(f: Findings) -> list[str]:
    bad = f.checks[~f.checks["holds"]]
    if bad.empty:
        return ["Every expected direction holds on this data."]
    cols = _columns(f)
    out = [f"{len(bad)} of {len(f.checks)} expected directions do not hold:", ""]
    for r in bad.itertuples():
        _, what, unit = cols[r.metric]
        verdict = None if f.flat is None or r.metric not in f.flat.index else f.flat.loc[r.metric, "verdict"]
        note = {"free": "; the reference's near-optimal range calls this answer a free choice",
                "robust": "; the reference's near-optimal range calls this answer robust"}.get(verdict, "")
        out.append(f"- {f.variants[r.variant][0].en}: {what} {r.expected} expected, moves "
                   f"{_move(r.reference, r.value, unit)}{note}.")
    return out


def _unmoved(f: Findings) -> list[str]:
    """Expected moves that hold only because "no move" is allowed: worth a sceptic's second look."""
    still = f.checks[f.checks.apply(lambda r: abs(r.value - r.reference) <= REL_TOL * max(abs(r.reference), 1e-9), axis=1)]
    cols = _columns(f)
    rows = [f"- {f.variants[r.variant][0].en}: {cols[r.metric][1]} does not move ({r.expected} allows it)."
            for r in still.itertuples()]
    return ["Holding only because no move is allowed:", "", *rows, ""] if rows else []


def sensitivity_markdown(f: Findings, command: str) -> str:
    n_runs = len(f.answers)
    lines = [
        "# Sensitivity: answers that survive a sceptic · 经得起质疑的答案",
        "",
        f"Written by `{command}` (scenario `{f.reference}`, dataset `{f.dataset}`): {n_runs} solves"
        + ("" if f.flat is None else " and the near-optimal ranges of the reference") + ". Re-run it after a change "
        "to the data or the model; the file has no date, so a diff shows what moved. The study is "
        "`model/studies/sceptic.py`: each variant is the reference with ordinary scenario levers "
        "(`fixed_opex_share` is a dataset setting, so that run uses a copy of the dataset with that one line changed).",
        "",
        "## The answers",
        "",
        "Cost is the objective (discounted): the existing stock's fixed opex is sunk, left out of it and shown "
        "beside it (docs/math.md, the objective), so the objective is the decision-relevant cost. Builds are the "
        "clusters' new racks paid in 2026–2030 (a rack paid in 2030 serves after the horizon); own-stock builds "
        "are the provinces' own data centres. Idle: racks in service but not occupied, clusters and own stock, "
        "summed over the years. Unmet: share of national demand in 2030. Occupancy: cluster load / capacity in "
        "2026. Western share: of each non-real-time class's work served at the clusters in 2030, the share at "
        "western clusters (the own stock is in neither). AI training's share of AI work on eastern clusters: "
        "the knife edge of issue 18 (training and inference share the AI racks; each class's value of lost "
        "load, workloads.csv, decides which one is left unserved when AI racks are short); AI unmet: the AI "
        "classes' unmet work as a share of national demand in 2030. CO₂: clusters, own stock and unmet work at "
        "the fallback factor. Green share: of cluster power, by annual volume. Cost with sunk: the two together, the one to "
        "compare when a variant moves money between them (opex charged per installed rack makes more of it sunk).",
        "",
        *_answers_table(f),
        "",
        "## What an expert expects, and what the model answers",
        "",
        "↑ / ↓: the answer should rise / fall; ≥ / ≤: it should not fall / rise (a restriction that may not bind). "
        "Inside the range: the variant's value is one the reference itself can reach within the near-optimal "
        "budget (last section) — a ✓ there is weak evidence, a ✗ there no evidence of a wrong direction.",
        "",
        *_checks_table(f),
        "",
        *_failed(f),
        "",
        *_unmoved(f),
        "Why each direction is expected:",
        "",
        *[f"- {v.zh} {v.en}: {v.why}." for v, _ in f.variants.values()],
    ]
    if f.flat is not None:
        slack, cost = float(f.flat["slack"].iloc[0]), float(f.flat["optimum_cost"].iloc[0])
        lines += [
            "",
            f"## Flatness: robust answers and free choices (reference, cost within {100 * slack:g} %)",
            "",
            f"Within {_cell(slack * abs(cost), YUAN)} 亿元 of the optimum ({_cell(cost, YUAN)} 亿元), the range each "
            "answer can take (`hubplan alternatives`, the same budget row and warm re-solves). Robust: the range "
            "is at most 5 percentage points (a share) or 5 % of its largest value; free: a near-optimal plan may "
            "put it anywhere in the range, so the optimum's own value is one arbitrary point of a flat optimum "
            "and should not be briefed as the model's answer; a variant that moves it inside the range says "
            "little.",
            "",
            *_flat_table(f),
            "",
            _verdict_sentence(f),
        ]
    return "\n".join(lines) + "\n"
