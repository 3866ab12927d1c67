"""``hubplan compare``: a workbook (compare.xlsx) and an offline HTML page (compare.html).

Inputs are any mix of single-solve output folders (summary.json + results.nc) and batch folders
(index.csv + combined.nc, or the scenarios' arrays.npz when combined.nc is missing). KPIs come
from a single solve's summary.json or a batch scenario's run.json (the same columns as
``model.reports.compare.kpi_frame``); allocation
differences against the first scenario come from ``model.reports.compare.allocation_difference`` on the
results (a single solve's results.nc, or the scenario's slice of combined.nc). The HTML embeds
plotly.js once (``model/reports/plotlyjs.py``, the cartesian bundle), so it opens offline.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ...atomic import write_bytes_atomic
from ...errors import InputError
from ...reports.kpis import label
from ...reports.sheets import add_sheet, new_workbook, workbook_bytes
from .store import combine

MAX_SIDE_BY_SIDE = 30  # scenarios shown as columns in the HTML tables; the workbook has all
INDEX_COLUMNS = ("name", "scenario_hash", "status", "ok")  # what compare reads from a batch's index.csv
MAX_BARS = 60  # above this many scenarios, charts switch from bars to scatter plots


@dataclass
class Entry:
    label: str
    name: str
    source: str
    status: str
    scenario_hash: str
    kpis: dict  # the KPI columns (``model.reports.kpis.kpi_row``: summary.json / run.json "kpis")
    data: xr.Dataset  # a single solve's results, or a batch's combined dataset
    pos: int | None = None  # the scenario's position in ``data`` (batch) or None (single solve)
    levers: dict = field(default_factory=dict)

    @property
    def res(self) -> xr.Dataset:
        """This scenario's results (allocation with region/cluster/workload/year and the labels)."""
        return self.data if self.pos is None else self.data.isel(scenario=self.pos)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(path, "", f"cannot read ({exc})") from None


def _load_batch(path: Path) -> list[Entry]:
    try:
        index = pd.read_csv(path / "index.csv", dtype={"name": str, "scenario_hash": str, "status": str})
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise InputError(path / "index.csv", "", "not a readable CSV (is this a folder hubplan batch wrote?)") from None
    missing = [c for c in INDEX_COLUMNS if c not in index.columns]
    if missing:
        raise InputError(path / "index.csv", missing[0], "column missing (is this a folder hubplan batch wrote?)")
    index["ok"] = index["ok"].astype(str).str.lower().isin(["true", "1"])
    meta = _read_json(path / "batch.json") if (path / "batch.json").is_file() else {}
    levers = [k for k in meta.get("levers", []) if k in index.columns]
    ok = index[index["ok"]].reset_index(drop=True)
    if ok.empty:
        return []
    if (path / "combined.nc").is_file():
        comb = xr.load_dataset(path / "combined.nc", engine="h5netcdf")
    else:
        comb = combine(ok, path, levers)
    pos = {}
    for i, h in enumerate(comb["scenario_hash"].values):
        pos.setdefault(str(h), i)
    out = []
    for row in ok.to_dict("records"):
        h = str(row["scenario_hash"])
        if h not in pos:
            raise InputError(path / "combined.nc", "scenario_hash", f"scenario {row['name']} ({h}) is missing; re-run the batch")
        rec = _read_json(path / "scenarios" / h / "run.json")
        name = str(rec.get("name", row["name"]))  # run.json has the name as given (index.csv is neutralised)
        out.append(Entry(name, name, str(path), str(rec.get("status")), h,
                         rec.get("kpis", {}), comb, pos[h], {k: row[k] for k in levers}))
    return out


def _load_single(path: Path) -> list[Entry]:
    from ...reports.files import read_results

    s = _read_json(path / "summary.json")
    if "kpis" not in s:
        raise InputError(path / "summary.json", "kpis", "written by an older hubplan version; solve the scenario again")
    return [Entry(str(s["scenario"]), str(s["scenario"]), str(path), str(s.get("status")), str(s.get("scenario_hash")),
                  dict(s["kpis"]), read_results(path / "results.nc"))]


def load_entries(dirs) -> list[Entry]:
    entries: list[Entry] = []
    for d in dirs:
        d = Path(d)
        if (d / "index.csv").is_file() and (d / "scenarios").is_dir():
            entries += _load_batch(d)
        elif (d / "summary.json").is_file() and (d / "results.nc").is_file():
            entries += _load_single(d)
        elif not d.is_dir():
            raise InputError(d, "", "folder not found")
        else:
            raise InputError(d, "", "neither a solve output folder (summary.json + results.nc) "
                                    "nor a batch folder (index.csv + scenarios/)")
    if not entries:
        raise InputError(", ".join(map(str, dirs)), "", "no solved scenario to compare")
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.label] = counts.get(e.label, 0) + 1
    used: set[str] = set()
    for e in entries:  # unique labels: add the folder (and a number) where names repeat
        label = base = e.label if counts[e.label] == 1 else f"{e.label} [{Path(e.source).name}]"
        i = 2
        while label in used:
            label, i = f"{base} #{i}", i + 1
        e.label = label
        used.add(label)
    return entries


def kpi_frame(entries: list[Entry]) -> pd.DataFrame:
    """One row per scenario: source, levers, status, then the KPI columns of ``model.reports.compare``."""
    lever_keys: list[str] = []
    for e in entries:
        lever_keys += [k for k in e.levers if k not in lever_keys]
    rows = {}
    for e in entries:
        rows[e.label] = {"source": e.source, **{k: e.levers.get(k) for k in lever_keys},
                         "status": e.status, **e.kpis, "scenario_hash": e.scenario_hash}
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "scenario"
    unmet = [c for c in df.columns if c.startswith("unmet: ")]
    df[unmet] = df[unmet].fillna(0.0)
    return df


def _racks_by_cluster(entries: list[Entry], year: int) -> np.ndarray | None:
    """(scenario, cluster) racks in ``year`` in one pass per source, or None if the scenarios do
    not share one list of clusters and years (then ``allocation_difference`` goes pair by pair)."""
    first = entries[0].data
    clusters, years = list(first.cluster.values), list(map(int, first.year.values))
    if int(year) not in years:
        return None
    rows, done = {}, {}
    for i, e in enumerate(entries):
        d = e.data
        if list(d.cluster.values) != clusters or list(map(int, d.year.values)) != years:
            return None
        if id(d) not in done:
            a = d["allocation"].sel(year=int(year))
            done[id(d)] = a.sum([x for x in a.dims if x not in ("scenario", "cluster")]).transpose(..., "cluster").values
        m = done[id(d)]
        rows[i] = m if e.pos is None else m[e.pos]
    return np.stack([rows[i] for i in range(len(entries))])


def allocation_differences(entries: list[Entry], year: int | None = None) -> pd.DataFrame:
    """Long table: every scenario against the first, by cluster, in ``year`` (default: last).

    The columns of ``model.reports.compare.allocation_difference`` plus ``scenario``; scenarios on the
    same clusters are computed in one numpy pass (1,000 scenarios: 0.1 s instead of 30 s)."""
    from ...reports.compare import allocation_difference
    from ...results import TOL

    base = entries[0]
    if year is None:
        year = int(base.data.year.values[-1])
    racks = _racks_by_cluster(entries, year)
    if racks is not None:
        b = base.res
        clusters = [str(c) for c in b.cluster.values]
        n, k = racks.shape
        diff = racks - racks[0]
        diff[np.abs(diff) < TOL] = 0.0
        return pd.DataFrame({
            "scenario": np.repeat([e.label for e in entries], k), "year": int(year),
            "cluster": np.tile(clusters, n), "hub": np.tile(b["hub"].values.astype(str), n),
            "base": np.tile(racks[0], n), "other": racks.ravel(), "difference": diff.ravel(),
            "cluster_zh": np.tile(b["cluster_name_zh"].values.astype(str), n),
            "cluster_en": np.tile(b["cluster_name_en"].values.astype(str), n)})
    parts = []
    for e in entries:
        try:
            df = allocation_difference(base.res, e.res, year)
        except ValueError as exc:
            raise InputError("--year", "", str(exc)) from None
        df.insert(0, "scenario", e.label)
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def _figures(kpis: pd.DataFrame, diff: pd.DataFrame, lever_keys: list[str]):
    import plotly.express as px
    import plotly.graph_objects as go

    from ...reports.charts import cost_colours

    figs = []
    cost_cols = [c for c in kpis.columns if c.startswith("cost_")]
    n = len(kpis)
    if n <= MAX_BARS:
        long = kpis[cost_cols].reset_index().melt(id_vars="scenario", var_name="term", value_name="yuan")
        long["term"] = long["term"].str.removeprefix("cost_")
        figs.append(px.bar(long, x="scenario", y="yuan", color="term", barmode="relative",
                           color_discrete_map=cost_colours(long["term"].unique()),
                           title="Cost terms 成本构成 (discounted yuan 折现元)"))
        k2 = kpis[["emissions_tco2", "unmet_rack_years"]].reset_index()
        fig = go.Figure([go.Bar(x=k2["scenario"], y=k2["emissions_tco2"], name="emissions 排放 (tCO2)"),
                         go.Bar(x=k2["scenario"], y=k2["unmet_rack_years"], name="unmet 未满足 (rack-years)", yaxis="y2")])
        fig.update_layout(title="Emissions and unmet demand 排放与未满足需求", barmode="group",
                          yaxis=dict(title="tCO2"), yaxis2=dict(title="rack-years", overlaying="y", side="right"))
        figs.append(fig)
    else:
        df = kpis.reset_index()
        color = lever_keys[0] if lever_keys else None
        figs.append(px.scatter(df, x="emissions_tco2", y="objective", color=color, hover_name="scenario",
                               title="Cost vs emissions 成本与排放 (one point per scenario)",
                               labels={"emissions_tco2": "emissions 排放 (tCO2)", "objective": "total cost 总成本 (yuan)"}))
        for k in lever_keys[:4]:
            if pd.api.types.is_numeric_dtype(df[k]):
                figs.append(px.scatter(df, x=k, y="objective", color="unmet_rack_years", hover_name="scenario",
                                       title=f"Total cost vs {k} 总成本", labels={"objective": "total cost 总成本 (yuan)"}))
    wide = diff.pivot_table(index="cluster", columns="scenario", values="difference", sort=False)
    wide = wide[[c for c in kpis.index if c in wide.columns]]
    names = diff.drop_duplicates("cluster").set_index("cluster")
    fig = go.Figure(go.Heatmap(z=wide.to_numpy(), x=list(wide.columns),
                               y=[f"{names.loc[c, 'cluster_zh']} {c}" for c in wide.index],
                               colorscale="RdBu", zmid=0, colorbar=dict(title="racks")))
    fig.update_layout(title=f"Allocation difference vs {kpis.index[0]} 分配差异 ({int(diff['year'].iloc[0])}, standard racks)")
    figs.append(fig)
    return figs


def _fmt(v):
    if isinstance(v, (float, np.floating)):
        return "" if np.isnan(v) else f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return v


def html_comparison(kpis: pd.DataFrame, diff: pd.DataFrame, lever_keys: list[str], sources: list[str]) -> str:
    from jinja2 import Environment

    from ...reports.plotlyjs import chart_html, script

    figs = _figures(kpis, diff, lever_keys)
    charts = [chart_html(f) for f in figs]
    shown = kpis.iloc[:MAX_SIDE_BY_SIDE]
    side = shown.drop(columns=["source"]).T
    side.insert(0, "KPI 指标", [" ".join(x for x in label(k)[:2] if x) for k in side.index])
    side.columns.name = None
    side_html = side.map(_fmt).to_html(index=False)
    wide = diff.pivot_table(index=["cluster", "cluster_zh"], columns="scenario", values="difference", sort=False)
    wide = wide[[c for c in shown.index if c in wide.columns]].reset_index()
    base_col = diff[diff["scenario"] == kpis.index[0]][["cluster", "base"]].set_index("cluster")["base"]
    wide.insert(2, f"{kpis.index[0]} (racks)", wide["cluster"].map(base_col))
    wide.columns.name = None
    tpl = Environment(autoescape=True).from_string(_HTML)
    return tpl.render(plotly=script(), n=len(kpis), shown=len(shown), base=kpis.index[0], sources=sources, year=int(diff["year"].iloc[0]),
                      kpis=side_html, diff=wide.map(_fmt).to_html(index=False), charts=charts)


_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>情景比较 Scenario comparison</title>
<style>body{font-family:'WenQuanYi Zen Hei','Noto Sans CJK SC',sans-serif;margin:2em;max-width:1400px}
table{border-collapse:collapse;font-size:0.8em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
.wrap{overflow-x:auto}</style>{{ plotly|safe }}</head><body>
<h1>情景比较 Scenario comparison</h1>
<p>{{ n }} scenarios from {% for s in sources %}<code>{{ s }}</code>{% if not loop.last %}, {% endif %}{% endfor %}.
Differences are against the first scenario, <b>{{ base }}</b>.
{% if shown < n %}Tables show the first {{ shown }}; compare.xlsx has all {{ n }}.{% endif %}</p>
<h2>Key figures 关键指标</h2><div class="wrap">{{ kpis|safe }}</div>
<h2>Charts 图表</h2>{% for c in charts %}<div>{{ c|safe }}</div>{% endfor %}
<h2>Allocation difference by cluster 各集群分配差异 ({{ year }}, standard racks, other − {{ base }})</h2>
<div class="wrap">{{ diff|safe }}</div>
</body></html>"""


def kpi_header(key: str) -> tuple[str, str] | None:
    """('总成本 total cost (objective) (亿元)', '#,##0.00'): a KPI column's header and format in the
    catalogue's planner unit, or None for a column that is not a KPI (levers, source)."""
    zh, en, unit = label(key)
    if not (unit.shown or unit.stored):
        return None
    return f"{zh} {en} ({unit.shown})".strip(), "#,##0" + ("." + "0" * unit.digits if unit.digits else "")


def _kpi_heads(kpis: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[str, str | None]]]:
    """KPI columns in the planners' units of the catalogue (亿元, MtCO2, 万架·年 …); other columns
    (levers, status, source) as they are."""
    df, heads = kpis.reset_index(), {}
    for col in df.columns:
        head = kpi_header(str(col))
        if head is None:
            continue
        heads[col] = head
        if pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
            df[col] = df[col] / label(str(col))[2].factor
    return df, heads


def relative_sources(sources: list[str]) -> dict[str, str]:
    """Each source folder relative to the folder the sources share (no machine path in the workbook)."""
    paths = [Path(s).resolve() for s in sources]
    common = Path(os.path.commonpath([p.parent for p in paths])) if paths else Path()
    return {s: str(p.relative_to(common)) for s, p in zip(sources, paths)}


def excel_comparison(kpis: pd.DataFrame, diff: pd.DataFrame, sources: list[str]) -> bytes:
    rel = relative_sources(sources)
    kpis = kpis.assign(source=kpis["source"].map(rel))
    wide = diff.pivot_table(index=["cluster", "hub", "cluster_zh", "cluster_en"], columns="scenario",
                            values="other", sort=False)
    wide = wide[[c for c in kpis.index if c in wide.columns]].reset_index()
    kpi_sheet, heads = _kpi_heads(kpis)
    wb = new_workbook()
    add_sheet(wb, "KPIs 指标", kpi_sheet, heads=heads)
    add_sheet(wb, "Allocation diff 分配差异", diff)
    add_sheet(wb, "Allocation 分配", wide.iloc[:, :16000], note="各情景在各集群的机架 Racks at each cluster, by scenario")
    add_sheet(wb, "Sources 来源", pd.DataFrame({"folder": [rel[s] for s in sources]}))
    if len(kpis) <= 200:
        side = kpi_sheet.set_index("scenario").T
        formats = [heads[k][1] if k in heads else None for k in side.index]
        side.index = [heads.get(k, (str(k),))[0] for k in side.index]
        side.index.name = "指标 KPI"
        add_sheet(wb, "KPIs side by side 对比", side.astype(object), index=True, row_formats=formats)
    return workbook_bytes(wb)


def write_comparison(dirs, out: str | Path, year: int | None = None) -> dict[str, Path]:
    """Write compare.xlsx and compare.html into ``out``; return their paths."""
    entries = load_entries(dirs)
    kpis = kpi_frame(entries)
    diff = allocation_differences(entries, year)
    lever_keys = list(dict.fromkeys(k for e in entries for k in e.levers))
    sources = list(dict.fromkeys(e.source for e in entries))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {"compare.xlsx": excel_comparison(kpis, diff, sources),
             "compare.html": html_comparison(kpis, diff, lever_keys, list(relative_sources(sources).values())).encode("utf-8")}
    paths = {}
    for name, data in files.items():
        write_bytes_atomic(out / name, data)
        paths[name] = out / name
    return paths
