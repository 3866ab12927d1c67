"""What a planner briefs, as plain tables and one page: where a province's work goes, the 东数西算
indicators per hub against their targets, the build and investment schedule, a sensitivity
tornado over the main levers, and a one-page briefing (one chart, key figures, three sentences,
one language) printed to PDF and PNG by the Debian chromium the tests use (no network, no CDN).
"""
from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr

from ..inputs.levers import lever_value
from ..inputs.scenario import apply_changes
from ..reports import charts, kpis
from ..results import REASON_ZH
from .numbers import cards, number_in, penalties, pick, unit_in, units, unmet_share

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
PUE_TARGET = {True: 1.2, False: 1.25}  # 东数西算 hub targets: western hubs ≤ 1.2, eastern ≤ 1.25
TORNADO = (("carbon_price_yuan_per_t", "碳价", "carbon price"), ("electricity_price_scale", "电价", "electricity price"),
           ("green_price_scale", "绿电价格", "green-power price"), ("demand.scale", "需求", "demand"),
           ("discount_rate", "折现率", "discount rate"))
SWING = 0.2  # each lever −20 % and +20 %


def _name(res: xr.Dataset, dim: str, lang: str) -> list[str]:
    return [pick(lang, z, e) for z, e in zip(res[f"{dim}_name_zh"].values, res[f"{dim}_name_en"].values)]


def province_flows(res: xr.Dataset, region: str, lang: str) -> pd.DataFrame:
    """Racks of one province's demand by year and destination (each cluster, its own stock, unmet)
    and class: where its work goes."""
    a = res["allocation"].sel(region=region)  # (workload, cluster, year)
    df = a.to_dataframe("racks")["racks"].reset_index()
    df["to"] = df["cluster"].map(dict(zip(res.cluster.values, _name(res, "cluster", lang))))
    rows = [df[["year", "workload", "to", "racks"]]]
    for var, zh, en in (("local_served", "本省机房", "own stock"), ("unmet", "未满足", "unmet")):
        if var in res:
            d = res[var].sel(region=region).to_dataframe("racks")["racks"].reset_index()
            d["to"] = pick(lang, zh, en)
            rows.append(d[["year", "workload", "to", "racks"]])
    out = pd.concat(rows)
    out = out[out["racks"] > 0.5]
    out["workload"] = out["workload"].map(dict(zip(res.workload.values, _name(res, "workload", lang))))
    return out.reset_index(drop=True)


def hub_indicators(res: xr.Dataset, lang: str) -> pd.DataFrame:
    """Per hub in the last year: share of the nation's load, 上架率 against the plan's floor, PUE
    against the 东数西算 target, green share against the policy minimum."""
    y = int(res.year.values[-1])
    load, cap = res["load"].sel(year=y), res["capacity"].sel(year=y)
    energy = res["energy_mwh"].sel(year=y)
    floor = float(res["utilisation_floor"])
    green_min = float(res["min_green_share"]) if "min_green_share" in res else 0.0
    hubs = pd.Series(res["hub"].values, index=res.cluster.values)
    rows = []
    for h in dict.fromkeys(hubs):
        k = hubs.index[hubs == h]
        hz, he = res["hub_name_zh"].sel(cluster=k[0]).item(), res["hub_name_en"].sel(cluster=k[0]).item()
        west = bool(res["west"].sel(cluster=k[0]))
        ld, c = float(load.sel(cluster=k).sum()), float(cap.sel(cluster=k).sum())
        pue = float((res["pue"].sel(cluster=k) * load.sel(cluster=k)).sum() / ld) if ld > 0 else float("nan")
        e = float(energy.sel(cluster=k).sum())
        green = float((res["green_volume_score"].sel(year=y, cluster=k) * energy.sel(cluster=k)).sum() / e) if e > 0 else np.nan
        rows.append({pick(lang, "枢纽", "Hub"): pick(lang, hz, he), pick(lang, "西部", "Western"): pick(lang, "是", "yes") if west
                     else pick(lang, "否", "no"),
                     pick(lang, "负载占全国", "Share of national load"): f"{ld / float(load.sum()):.1%}",
                     pick(lang, "上架率", "Utilisation"): f"{ld / c:.0%}" if c else "—",
                     pick(lang, "上架率目标", "Plan"): f"≥ {floor:.0%}" if floor else "—",
                     "PUE": f"{pue:.2f}", pick(lang, "PUE 目标", "PUE target"): f"≤ {PUE_TARGET[west]:.2f}",
                     pick(lang, "PUE 达标", "PUE met"): pick(lang, "是", "yes") if pue <= PUE_TARGET[west] + 1e-9
                     else pick(lang, "否", "no"),
                     pick(lang, "绿电占比", "Green share"): f"{green:.0%}",
                     pick(lang, "绿电目标", "Green target"): f"≥ {green_min:.0%}" if green_min else "—"})
    return pd.DataFrame(rows)


def west_share(res: xr.Dataset) -> float:
    """Share of the clusters' load in the last year served in western hubs."""
    load = res["load"].isel(year=-1)
    return float(load.where(res["west"]).sum() / load.sum()) if float(load.sum()) > 0 else float("nan")


def build_schedule(res: xr.Dataset, lang: str) -> pd.DataFrame:
    """Racks built per cluster and year, and the investment (亿元, undiscounted capex), with totals."""
    b = res["build"].transpose("cluster", "year")
    inv = b * res["capex_yuan_per_rack"] / kpis.YUAN.factor
    out = pd.DataFrame(index=_name(res, "cluster", lang))
    for y in res.year.values:
        out[pick(lang, f"{y} 新建 (架)", f"{y} built (racks)")] = [f"{v:,.0f}" for v in b.sel(year=y).values]
    out[pick(lang, "合计 (架)", "Total (racks)")] = [f"{v:,.0f}" for v in b.sum("year").values]
    out[units(pick(lang, "投资 (亿元)", "Investment (亿元)"), lang)] = [f"{v:,.2f}" for v in inv.sum("year").values]
    out.loc[pick(lang, "合计", "Total")] = [f"{v:,.0f}" for v in b.sum("cluster").values] + [
        f"{float(b.sum()):,.0f}", f"{float(inv.sum()):,.2f}"]
    return out


def tornado(sc, ds, planner) -> pd.DataFrame:
    """Total cost with each main lever −20 % and +20 % of the value the model uses (the dataset's
    where the scenario sets none; one warm re-solve each); the planner ends back on ``sc``."""
    base = float(planner.solve(sc).attrs["objective"])
    rows = []
    for path, zh, en in TORNADO:
        v = float(lever_value(sc, ds, path))
        costs = [float(planner.solve(apply_changes(sc, {path: v * f})).attrs["objective"]) for f in (1 - SWING, 1 + SWING)]
        rows.append({"lever": path, "zh": zh, "en": en, "value": v, "low": costs[0] - base, "high": costs[1] - base})
    planner.solve(sc)
    out = pd.DataFrame(rows)
    return out.assign(span=(out["high"] - out["low"]).abs()).sort_values("span").reset_index(drop=True)


def tornado_chart(t: pd.DataFrame, lang: str) -> go.Figure:
    names = [pick(lang, z, e) for z, e in zip(t["zh"], t["en"])]
    yuan = unit_in(kpis.YUAN, lang).shown
    fig = go.Figure([go.Bar(y=names, x=t["low"] / kpis.YUAN.factor, orientation="h", name=pick(lang, "−20%", "−20 %"),
                            marker_color=charts.COLOURS[0]),
                     go.Bar(y=names, x=t["high"] / kpis.YUAN.factor, orientation="h", name=pick(lang, "+20%", "+20 %"),
                            marker_color=charts.COLOURS[3])])
    fig.update_layout(template=charts.TEMPLATE, barmode="overlay", height=320,
                      title=pick(lang, f"总成本敏感性（{yuan}，各参数 ±20%）", f"Total cost sensitivity ({yuan}, each lever ±20 %)"),
                      xaxis_title=pick(lang, f"成本变化 ({yuan})", f"change in cost ({yuan})"))
    fig.update_xaxes(tickformat=",")
    return fig


def sentences(res: xr.Dataset, s: dict, lang: str) -> list[str]:
    """Three sentences for the briefing: what it costs, where the work goes, what is left unmet."""
    k = s["kpis"]
    cost, pen = s["objective"] - penalties(s), penalties(s)
    y0, y1 = int(res.year.values[0]), int(res.year.values[-1])
    ws, share = west_share(res), unmet_share(s)
    by = s["unmet"]["by_reason"]
    why = max(by, key=by.get) if by else ""
    if lang == "en":  # English sentences in English magnitudes (¥ bn, million racks, MtCO2)
        out = [f"The {y0}–{y1} plan costs ¥{cost / 1e9:,.0f} bn without penalties and emits "
               f"{k['emissions_tco2'] / 1e6:,.0f} MtCO2.",
               f"In {y1}, {ws:.0%} of the clusters' load sits in the western hubs; {k['built_racks'] / 1e6:,.2f} million "
               "racks are built.",
               f"Unmet demand is {share:.1%} of demand, priced at ¥{pen / 1e9:,.0f} bn; mainly: {why}." if share > 0
               else "All demand is served."]
        return out
    zh = [f"{y0}–{y1} 年方案成本 {kpis.number(cost, kpis.YUAN)} 亿元（不含惩罚），排放 "
          f"{number_in(k['emissions_tco2'], kpis.TCO2, 'zh')} 万吨 CO₂。",
          f"{y1} 年集群负载的 {ws:.0%} 在西部枢纽，新建 {kpis.number(k['built_racks'], kpis.RACKS)} 万架。",
          f"未满足需求占 {share:.1%}，惩罚 {kpis.number(pen, kpis.YUAN)} 亿元；主因：{REASON_ZH.get(why, why)}。"
          if share > 0 else "全部需求已满足。"]
    return zh if lang == "zh" else [f"{a} {b}" for a, b in zip(zh, sentences(res, s, "en"))]


def briefing_html(res: xr.Dataset, s: dict, lang: str, title: str) -> str:
    """One A4 page in one language: title, key figures, one chart, three sentences."""
    fig = charts.fit(charts.allocation_by_cluster(res, None, lang), 440, wrap_x=True)
    fig.update_layout(width=720)
    chart = fig.to_html(full_html=False, include_plotlyjs=True, config={"staticPlot": True})
    figs = "".join(f"<div class='k'><div class='l'>{html.escape(c['label'])}</div><div class='v'>{html.escape(c['text'])}"
                   "</div></div>" for c in cards(res, s, lang))
    text = "".join(f"<li>{html.escape(x)}</li>" for x in sentences(res, s, lang))
    return f"""<!doctype html><html lang="{'en' if lang == 'en' else 'zh-CN'}"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><style>
@page {{size: A4; margin: 14mm}} body {{font-family: {charts.FONT}; color: #222; width: 760px; margin: 0 auto}}
h1 {{font-size: 20px; margin: 0 0 10px}} .ks {{display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px}}
.k {{border: 1px solid #ccc; border-radius: 6px; padding: 6px 8px}} .l {{font-size: 11px; color: #555}}
.v {{font-size: 18px; font-weight: 600}} ul {{font-size: 13px; line-height: 1.5}}</style></head>
<body><h1>{html.escape(title)}</h1><div class="ks">{figs}</div>{chart}<ul>{text}</ul></body></html>"""


def render(page: str, kind: str) -> bytes:
    """The page as PDF (A4) or PNG, printed by headless chromium from a local file."""
    if CHROMIUM is None or shutil.which(CHROMIUM) is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as d:
        src, out = Path(d) / "brief.html", Path(d) / f"brief.{kind}"
        src.write_text(page, encoding="utf-8")
        what = [f"--print-to-pdf={out}", "--no-pdf-header-footer"] if kind == "pdf" else \
            [f"--screenshot={out}", "--window-size=800,1130", "--hide-scrollbars"]
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--virtual-time-budget=8000", *what, src.as_uri()],
                       check=True, capture_output=True, timeout=90)
        return out.read_bytes()
