"""Tables, sentences, range bars, maps and files of a near-optimal study, read from its Dataset
(``model.studies.alternatives.study_dataset``); nothing here solves.

The CLI, the app view (model/app/alternatives.py) and the files all use these functions. Values
are shown in the planners' units of the KPI catalogue (万架, %, MtCO2, 亿元).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from ..atomic import write_bytes_atomic
from .kpis import RACKS, SHARE, TCO2, YUAN, Unit
from .safe import neutral_frame

if TYPE_CHECKING:
    import plotly.graph_objects as go

UNITS: dict[str, Unit] = {"racks": RACKS, "share": SHARE, "tCO2": TCO2, "yuan": YUAN}
VERDICT = {"robust": ("稳健", "robust"), "free": ("可自由选择", "free")}
LABELS = ("cluster", "hub", "workload", "year")


def _shown(v: float, unit: str) -> float:
    return v / UNITS[unit].factor


def _fmt(v: float, unit: str) -> str:
    if not np.isfinite(v):
        return "—"
    u = UNITS[unit]
    return f"{v / u.factor:,.{0 if unit == 'share' else 1}f}{'' if unit == 'share' else ' '}{u.shown}"


def sentences(ds: xr.Dataset, key: str) -> tuple[str, str]:
    """(中文, English): the aggregate's range, its verdict and what reaching either end costs."""
    a = ds.sel(aggregate=key)
    unit = str(a["agg_unit"].values)
    lo, hi, opt = (float(a[f"agg_{k}"]) for k in ("min", "max", "optimum"))
    zh, en = str(a["agg_name_zh"].values), str(a["agg_name_en"].values)
    pct = f"{100 * float(ds.attrs['slack']):g} %"
    c_lo, c_hi = float(a["agg_cost_to_min"]) / YUAN.factor, float(a["agg_cost_to_max"]) / YUAN.factor
    r = (_fmt(lo, unit), _fmt(hi, unit), _fmt(opt, unit))
    if str(a["agg_verdict"].values) == "robust":
        return (f"{zh}：在成本不超过最优 {pct} 的所有方案中均为 {r[0]}–{r[1]}（最优 {r[2]}），稳健。",
                f"{en}: {r[0]}–{r[1]} in every plan within {pct} of the least cost (optimum {r[2]}): robust.")
    return (f"{zh}：在成本不超过最优 {pct} 的方案中可取 {r[0]} 至 {r[1]}（最优 {r[2]}），可自由选择；"
            f"推到最低需多花 {c_lo:,.2f} 亿元，推到最高需多花 {c_hi:,.2f} 亿元。",
            f"{en}: anything from {r[0]} to {r[1]} within {pct} of the least cost (optimum {r[2]}): a free choice; "
            f"the minimum costs {c_lo:,.2f} 亿元 more, the maximum {c_hi:,.2f} 亿元 more.")


def ranges_table(ds: xr.Dataset) -> pd.DataFrame:
    """ranges.csv: one row per aggregate, values in the planners' units."""
    units = ds["agg_unit"].values.astype(str)
    conv = lambda v: np.array([_shown(x, u) for x, u in zip(v, units)])  # noqa: E731
    df = pd.DataFrame({
        "aggregate": ds.aggregate.values.astype(str), "entry": ds["agg_entry"].values.astype(str),
        "unit": [UNITS[u].shown for u in units],
        "optimum": conv(ds["agg_optimum"].values), "min": conv(ds["agg_min"].values), "max": conv(ds["agg_max"].values),
        "width": conv(ds["agg_max"].values - ds["agg_min"].values),
        "verdict": ds["agg_verdict"].values.astype(str),
        "cost_to_min_yuan_100m": ds["agg_cost_to_min"].values / YUAN.factor,
        "cost_to_max_yuan_100m": ds["agg_cost_to_max"].values / YUAN.factor,
        **{d: ds[f"agg_{d}"].values.astype(str) for d in LABELS},
        "name_zh": ds["agg_name_zh"].values.astype(str), "name_en": ds["agg_name_en"].values.astype(str),
    })
    s = [sentences(ds, k) for k in df["aggregate"]]
    df["sentence_zh"], df["sentence_en"] = [x[0] for x in s], [x[1] for x in s]
    return df


KEY_ENTRIES = ("west_share", "build_hub")  # the CLI's table: western share per class in the first year, builds per hub


def key_rows(ds: xr.Dataset) -> pd.DataFrame:
    """The rows of ``ranges_table`` the CLI prints: builds per hub, western share per class in the first year."""
    df = ranges_table(ds)
    first = str(int(ds.year.values[0]))
    return df[(df["entry"] == "build_hub") | ((df["entry"] == "west_share") & (df["year"] == first))]


def by_slack_table(datasets: dict[float, xr.Dataset]) -> pd.DataFrame:
    """ranges_by_slack.csv: every aggregate once, its min, max and verdict at each slack side by side."""
    tables = {s: ranges_table(ds).set_index("aggregate") for s, ds in datasets.items()}
    first = next(iter(tables.values()))
    out = first[["entry", "name_zh", "name_en", "unit", "optimum", *LABELS]].copy()
    for s, t in tables.items():
        pct = f"{100 * s:g}%"
        out[f"min {pct}"], out[f"max {pct}"], out[f"verdict {pct}"] = t["min"], t["max"], t["verdict"]
    return neutral_frame(out.reset_index())


def alternatives_table(ds: xr.Dataset) -> pd.DataFrame:
    """One row per plan: optimum, each extreme and each SPORES plan, with its extra cost."""
    return pd.DataFrame({
        "alternative": ds.alternative.values.astype(str), "end": ds["alt_end"].values.astype(str),
        "aggregate": ds["alt_target"].values.astype(str),
        "cost_yuan_100m": ds["alt_cost"].values / YUAN.factor,
        "extra_cost_yuan_100m": (ds["alt_cost"].values - float(ds.attrs["optimum"])) / YUAN.factor,
        "description_zh": ds["alt_description_zh"].values.astype(str),
        "description_en": ds["alt_description_en"].values.astype(str),
    })


def range_figure(ds: xr.Dataset, entry: str, lang: str = "both", year: int | None = None) -> go.Figure:
    """Range bars of one catalogue entry: min–max as a bar, the optimum as a dot inside it; robust
    ranges green, free ones orange. ``year`` keeps one year of an entry by year."""
    import plotly.graph_objects as go

    sel = ds["agg_entry"].values == entry
    if year is not None and (ds["agg_year"].values[sel] != "").all():
        sel &= ds["agg_year"].values == str(year)
    sub = ds.isel(aggregate=np.flatnonzero(sel))
    unit = str(sub["agg_unit"].values[0]) if sub.sizes["aggregate"] else "racks"
    f = UNITS[unit].factor
    names = [(z.split(" · ", 1)[-1], e.split(" · ", 1)[-1]) for z, e in zip(sub["agg_name_zh"].values, sub["agg_name_en"].values)]
    if year is not None and len(sub["agg_name_zh"].values[0].split(" · ")) > 2:  # one year shown: in the title, not each bar
        names = [(z.removesuffix(f" · {year}年"), e.removesuffix(f" · {year}")) for z, e in names]
    text = [z if lang == "zh" else e if lang == "en" else f"{z} {e}" for z, e in names]
    lo, hi, opt = sub["agg_min"].values / f, sub["agg_max"].values / f, sub["agg_optimum"].values / f
    robust = sub["agg_verdict"].values == "robust"
    fig = go.Figure()
    fig.add_bar(y=text, x=hi - lo, base=lo, orientation="h", marker_color=np.where(robust, "#4c9a5b", "#e08a2c").tolist(),
                name="近优范围 near-optimal range", hovertemplate="%{base:,.1f} – %{x:,.1f}<extra></extra>")
    fig.add_scatter(y=text, x=opt, mode="markers", marker=dict(color="#222", size=9, symbol="diamond"),
                    name="最优 optimum")
    head = (sub["agg_name_zh"].values[0].split(" · ")[0], sub["agg_name_en"].values[0].split(" · ")[0]) if len(text) else (entry, entry)
    if year is not None and len(sub["agg_name_zh"].values[0].split(" · ")) > 2:
        head = (f"{head[0]} · {year}年", f"{head[1]} · {year}")
    fig.update_layout(title=head[0] if lang == "zh" else head[1] if lang == "en" else f"{head[0]} {head[1]}",
                      xaxis_title=UNITS[unit].shown, height=160 + 26 * len(text), barmode="overlay",
                      yaxis=dict(autorange="reversed"), legend=dict(orientation="h", y=-0.2), margin=dict(l=10, r=10, t=50, b=40))
    return fig


def plan_dataset(ds: xr.Dataset, alternative: str) -> xr.Dataset:
    """The results Dataset of one stored plan (the optimum's, with the plan's allocation, builds,
    unmet and own-stock service), so the map and tables draw it as they draw any result."""
    p = ds.sel(alternative=alternative)
    out = ds.drop_dims(["alternative", "aggregate"]).copy()
    out["allocation"] = p["alt_allocation"].astype(float)
    out["unmet"] = p["alt_unmet"].astype(float)
    if "alt_local_served" in p:
        out["local_served"] = p["alt_local_served"].astype(float)
    build = p["alt_build"].astype(float)
    out["build"] = build
    out["capacity"] = out["installed_racks"] + build.cumsum("year")
    out["load"] = out["allocation"].sum(("region", "workload"))
    out["served"] = out["allocation"].sum("cluster")
    out["utilisation"] = (out["load"] / out["capacity"].where(out["capacity"] > 0))
    out.attrs["objective"] = float(p["alt_cost"])
    return out


def excel_bytes(ds: xr.Dataset) -> bytes:
    """report.xlsx: ranges, plans and the study's settings, through the one print-ready writer."""
    from .sheets import add_sheet, new_workbook, workbook_bytes

    wb = new_workbook()
    for name, df in {"Ranges 范围": ranges_table(ds), "Plans 方案": alternatives_table(ds)}.items():
        add_sheet(wb, name, df)
    add_sheet(wb, "Study 研究", pd.DataFrame(json.loads(ds.attrs["study"]).items(), columns=["key", "value"]).astype(str))
    return workbook_bytes(wb)


REPORT_ENTRIES = ("west_share", "build_hub", "build_cluster", "load_hub", "local_share", "green_share", "emissions", "capex")


def html_report(ds: xr.Dataset) -> str:
    """Offline HTML (plotly.js embedded once): range bars per entry, the sentences, the SPORES
    plans with their maps."""
    from jinja2 import Environment

    from .map_figure import china_map
    from .plotlyjs import chart_html, script

    entries = [e for e in REPORT_ENTRIES if (ds["agg_entry"].values == e).any()]
    first_year = int(ds.year.values[0])
    figs = [range_figure(ds, e, year=first_year if e in ("west_share", "load_hub") else None) for e in entries]
    spores = [a for a in ds.alternative.values.astype(str) if a.startswith("spore")]
    maps = [(a, china_map(plan_dataset(ds, a), height=480)) for a in spores[:3]]
    parts = [chart_html(f, config={"displaylogo": False}) for f in [*figs, *(m for _, m in maps)]]
    table = ranges_table(ds)
    free = table[table["verdict"] == "free"]
    robust = table[table["verdict"] == "robust"]
    alts = alternatives_table(ds)
    return Environment(autoescape=True).from_string(_HTML).render(
        slack=f"{100 * float(ds.attrs['slack']):g} %", optimum=f"{float(ds.attrs['optimum']) / YUAN.factor:,.2f}",
        budget=f"{float(ds.attrs['budget']) / YUAN.factor:,.2f}", charts=parts[:len(figs)], year=first_year, plotlyjs=script(),
        free=list(zip(free["sentence_zh"], free["sentence_en"])), robust=list(zip(robust["sentence_zh"], robust["sentence_en"])),
        spores=[(a, alts.set_index("alternative").loc[a], parts[len(figs) + i]) for i, (a, _) in enumerate(maps)])


_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>近优方案 Near-optimal alternatives</title>
<style>body{font-family:'WenQuanYi Zen Hei','Noto Sans CJK SC',sans-serif;margin:2em auto;max-width:960px;padding:0 1em}
li{margin:0.3em 0}.en{color:#555}</style>{{ plotlyjs|safe }}</head><body>
<h1>近优方案：哪些决策稳健，哪些可自由选择 Near-optimal alternatives: robust decisions and free choices</h1>
<p>成本预算 Budget: 最优 optimum {{ optimum }} 亿元 × (1 + {{ slack }}) = <b>{{ budget }} 亿元</b>.
 橙色 orange: 可自由选择 free; 绿色 green: 稳健 robust; ◆ 最优 optimum. 按年份的指标显示 {{ year }} 年 (by-year entries show {{ year }}).</p>
{% for c in charts %}<div>{{ c|safe }}</div>{% endfor %}
<h2>可自由选择 Free choices ({{ free|length }})</h2><ul>{% for zh, en in free %}<li>{{ zh }}<br><span class="en">{{ en }}</span></li>{% endfor %}</ul>
<h2>稳健 Robust ({{ robust|length }})</h2><ul>{% for zh, en in robust %}<li>{{ zh }}<br><span class="en">{{ en }}</span></li>{% endfor %}</ul>
{% if spores %}<h2>差异化方案 SPORES plans</h2>{% for name, row, m in spores %}
<h3>{{ name }}: +{{ '%.2f' % row.extra_cost_yuan_100m }} 亿元</h3><p>{{ row.description_zh }}<br><span class="en">{{ row.description_en }}</span></p>
<div>{{ m|safe }}</div>{% endfor %}{% endif %}
</body></html>"""


def write_alternatives_outputs(ds: xr.Dataset, out_dir: str | Path) -> dict[str, Path]:
    """ranges.csv, results.nc (dimensions aggregate and alternative), report.xlsx, report.html."""
    from .files import netcdf_bytes
    from .sheets import csv_bytes

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"ranges.csv": csv_bytes(ranges_table(ds)),
             "results.nc": netcdf_bytes(ds), "report.xlsx": excel_bytes(ds),
             "report.html": html_report(ds).encode("utf-8")}
    paths = {}
    for name, data in files.items():
        write_bytes_atomic(out_dir / name, data)
        paths[name] = out_dir / name
    return paths
