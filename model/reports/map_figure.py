"""The map of China as a plotly figure (the app's map tab and the HTML report draw the same one).

Plain cartesian traces in an Albers projection (``geo.project``): no tiles, no topojson, no
requests, and the same picture on screen, in HTML and in a printed PDF. Provinces are filled by
one switchable layer (``geo.LAYERS``), clusters are sized by load and coloured by utilisation,
region → hub flows above a threshold are lines, the backbone between the hubs (results with the
data lifecycle) is a layer of lines by use, labels are placed without collisions for a
390-px phone, and the South China Sea (南海诸岛) is drawn in an inset in the lower right corner.
"""
from __future__ import annotations

import functools

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go
import xarray as xr

from ..results.reasons import unmet_value
from . import geo

PHONE_PLOT_PX = 360  # plot width on a 390-px phone: labels are placed for it
SCALES = {"unmet": "OrRd", "marginal_cost": "Purples", "latency": "Blues", "demand": "YlGnBu"}
NO_DATA = "#eeeeee"
OTHER_EN = {"710000": "Taiwan", "810000": "Hong Kong", "820000": "Macao"}  # units that are not demand regions
NOT_A_REGION = "#d9d9d9"  # Taiwan, Hong Kong, Macao: filled like every province, no model values
EDGE = "#8a8a8a"
SEA_LINE = "#4f7cac"
FLOW = "rgba(45, 55, 110, 0.35)"
FONT = "WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif"


def t(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


@functools.lru_cache(maxsize=1)
def frame() -> dict:
    """Main map range (km) from the outlines, and where the inset sits inside it."""
    xs = np.concatenate([r[0] for p in geo.provinces() for r in p.rings])
    ys = np.concatenate([r[1] for p in geo.provinces() for r in p.rings])
    x0, x1, y0, y1 = xs.min() - 60, xs.max() + 60, ys.min() - 40, ys.max() + 40
    ix, iy = geo.box_xy(geo.INSET_BOX)
    width = 0.16 * (x1 - x0)  # inset: lower right, its own scale, clear of Taiwan
    k = width / (ix[1] - ix[0])
    taiwan = max(r[0].max() for p in geo.provinces() if p.adcode == "710000" for r in p.rings)
    right = max(x1, taiwan + 120 + width)
    inset = dict(x0=right - width, x1=right, y0=y0, y1=y0 + k * (iy[1] - iy[0]), k=k, ix0=ix[0], iy0=iy[0])
    return dict(x=[x0, right + 20], y=[y0 - 20, y1], inset=inset)


def _to_inset(x, y):
    f = frame()["inset"]
    return f["x0"] + f["k"] * (np.asarray(x) - f["ix0"]), f["y0"] + f["k"] * (np.asarray(y) - f["iy0"])


def _path(rings, inset: bool = False) -> tuple[list, list]:
    xs, ys = [], []
    ix, iy = geo.box_xy(geo.INSET_BOX)
    for x, y in rings:
        if inset:
            if x.max() < ix[0] or x.min() > ix[1] or y.max() < iy[0] or y.min() > iy[1]:
                continue
            x, y = _to_inset(np.clip(x, *ix), np.clip(y, *iy))
        xs += list(np.round(x, 1)) + [None]
        ys += list(np.round(y, 1)) + [None]
    return xs, ys


def layer_colours(res: xr.Dataset, year: int, layer: str) -> tuple[list[str], float, float, dict]:
    """Fill colour of each province (order of ``geo.provinces()``), the colour range and the values.

    Marginal cost is coloured by rank (quantiles): when most provinces sit near the unmet-demand
    penalty a linear scale paints them one dark colour; the colour bar's ticks give the values."""
    v = geo.layer_values(res, year, layer)
    finite = v[np.isfinite(v)]
    if layer == "marginal_cost" and len(finite) > 1:
        rank = finite.rank(pct=True, method="average")
        pos = (rank - rank.min()) / max(rank.max() - rank.min(), 1e-9)
        colours = [NOT_A_REGION if not p.region else NO_DATA if p.region not in pos.index else
                   pc.sample_colorscale(SCALES[layer], [float(pos[p.region])])[0] for p in geo.provinces()]
        return colours, 0.0, 1.0, v.to_dict()
    lo = 0.0 if layer in ("unmet", "demand") or finite.empty else float(finite.min())
    hi = float(finite.max()) if not finite.empty else 1.0
    hi = hi if hi > lo else lo + 1.0
    colours = []
    for p in geo.provinces():
        val = v.get(p.region, np.nan) if p.region else np.nan
        colours.append(NOT_A_REGION if not p.region else NO_DATA if not np.isfinite(val) else
                       pc.sample_colorscale(SCALES[layer], [min(max((val - lo) / (hi - lo), 0), 1)])[0])
    return colours, lo, hi, v.to_dict()


def penalty_set(res: xr.Dataset, values: dict, year: int) -> set[str]:
    """Provinces where some class's marginal cost of demand is set by the unmet-demand penalty: ≥ 95 %
    of that class's value of lost load V · λ[w] (``results.unmet_value``),
    for a class with demand there. ``values`` (the map's demand-weighted means) name the provinces shown."""
    mc, dem = res["marginal_cost"].sel(year=year), res["demand"].sel(year=year)
    at_penalty = ((mc >= 0.95 * unmet_value(res)) & (dem > 0)).any("workload").to_series()
    return {r for r, x in values.items() if np.isfinite(x) and bool(at_penalty.get(r, False))}


def _fmt(v: float, layer: str) -> str:
    if not np.isfinite(v):
        return "—"
    return f"{v:,.1f}" if layer in ("latency", "marginal_cost") else f"{v:,.0f}"


def china_map(res: xr.Dataset, year: int | None = None, layer: str = "unmet", lang: str = "both",
              min_flow_share: float = 0.005, switchable: bool = False, height: int = 560,
              backbone: bool = True) -> go.Figure:
    """The map for ``year`` (default: the last) with the province layer ``layer``.

    ``backbone``: draw the inter-hub backbone where the results have one (the data lifecycle).
    ``switchable``: buttons above the map switch the layer in the browser (the HTML report)."""
    year = int(res.year.values[-1]) if year is None else int(year)
    names = dict(zip(res.region.values, zip(res["region_name_zh"].values, res["region_name_en"].values)))
    lz, le, uz, ue = geo.LAYERS[layer]
    colours, lo, hi, values = layer_colours(res, year, layer)
    flagged = penalty_set(res, values, year) if layer == "marginal_cost" else set()
    fig = go.Figure()
    provs = geo.provinces()
    for p, colour in zip(provs, colours):  # traces 0 … n-1: the provinces, in geo.provinces() order
        xs, ys = _path(p.rings)
        zh, en = names.get(p.region, (p.name_zh, OTHER_EN.get(p.adcode, "")))
        val = values.get(p.region, np.nan) if p.region else np.nan
        hatch = dict(shape="/", fgcolor="rgba(255,255,255,0.8)", size=6) if p.region in flagged else None
        fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", fillcolor=colour, mode="lines", fillpattern=hatch,
                                 line=dict(color=EDGE, width=0.6), hoveron="fills", hoverinfo="text",
                                 text=_province_tip(zh, en, val, layer, lang, p.region in flagged, p.region is None),
                                 name=zh, showlegend=False, meta=p.region or p.adcode))
    n_prov = len(provs)
    # the colour bar: a layout colour axis (the layer buttons update it), carried by one empty trace
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                             marker=dict(color=[lo], coloraxis="coloraxis")))
    fig.update_layout(coloraxis=_coloraxis(layer, lo, hi, lang, values))
    if flagged:  # a legend entry for the hatching
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=t(
            "斜线：有一类需求的边际成本由未满足惩罚决定（≥ 该类价值的 95%）",
            "hatched: some class's marginal cost set by the unmet-demand penalty (≥ 95 % of its value)", lang),
            marker=dict(symbol="square", size=12, color=pc.sample_colorscale(SCALES[layer], [1.0])[0])))
    _inset(fig, lang)
    _flows(fig, res, year, min_flow_share, lang)
    if backbone:
        _backbone(fig, res, year, lang)
    clusters = geo.cluster_frame(res, year)
    vmax = float(res["load"].max()) if res["load"].size else 0.0
    clusters["d"] = 7 + 17 * np.sqrt(np.clip(clusters["load"], 0, None) / vmax) if vmax > 0 else 8.0
    bins = list(geo.UTIL_BINS) + [(None, *geo.OUT_OF_SERVICE)]
    for i, (_, zh, en, colour) in enumerate(bins):
        c = clusters[clusters["bin"] == i]
        tips = [f"{r.name_zh} {r.name_en}<br>{r.hub_zh} {r.hub_en}<br>{year}: "
                f"{t('负载', 'load', lang)} {r.load:,.0f} / {t('容量', 'capacity', lang)} {r.capacity:,.0f} "
                f"{t('架', 'racks', lang)}" + (f" ({r.utilisation:.0%})" if np.isfinite(r.utilisation) else "")
                for r in c.itertuples()]
        out = i == len(bins) - 1  # out of service: a large dark cross above everything, not a grey dot
        fig.add_trace(go.Scatter(x=c["x"], y=c["y"], mode="markers", name=t(zh, en, lang), text=tips,
                                 hoverinfo="text", legendgroup="util",
                                 marker=dict(size=16, color="#b71c1c", symbol="x", line=dict(color="white", width=1.5))
                                 if out else dict(size=c["d"], color=colour, line=dict(color="#333", width=1),
                                                  opacity=0.9)))
    _labels(fig, res, clusters, lang)
    (x0, x1), (y0, y1) = frame()["x"], frame()["y"]
    fig.update_xaxes(range=[x0, x1], visible=False, fixedrange=False, constrain="domain")
    fig.update_yaxes(range=[y0, y1], visible=False, scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_layout(
        template="plotly_white", height=height, margin=dict(l=4, r=4, t=40, b=64), paper_bgcolor="white",
        plot_bgcolor="white", font=dict(family=FONT, size=12, color="#222"), hovermode="closest", dragmode="pan",
        legend=dict(orientation="h", x=0.0, xanchor="left", y=1.0, yanchor="bottom", font=dict(size=10),
                    bgcolor="rgba(255,255,255,0.7)"),
        meta={"layer": layer, "year": year, "provinces": n_prov})
    if switchable:
        fig.update_layout(updatemenus=[_layer_buttons(res, year, lang, n_prov, layer)])
        fig.update_layout(margin=dict(t=76))
    return fig


def _inset(fig: go.Figure, lang: str) -> None:
    """南海诸岛: the provinces, the maritime boundary and the island groups, in a framed box."""
    f = frame()["inset"]
    for p in geo.provinces():
        xs, ys = _path(p.rings, inset=True)
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", fillcolor="#f4f4f4", mode="lines",
                                     line=dict(color=EDGE, width=0.5), hoverinfo="skip", showlegend=False))
    o = geo.outlines()
    mx, my, ix_, iy_ = [], [], [], []
    for line in o["maritime_boundary"]:
        a = np.asarray(line, float)
        x, y = geo.project(a[:, 0], a[:, 1])
        if a[:, 1].min() >= geo.MAIN_BOX[2]:  # segments north of the main map's edge show there too
            mx += list(np.round(x, 1)) + [None]
            my += list(np.round(y, 1)) + [None]
        x, y = _to_inset(x, y)
        ix_ += list(np.round(x, 1)) + [None]
        iy_ += list(np.round(y, 1)) + [None]
    fig.add_trace(go.Scatter(x=mx + ix_, y=my + iy_, mode="lines", line=dict(color=SEA_LINE, width=1.3),
                             hoverinfo="skip", showlegend=False, name="maritime"))
    pts = np.asarray(o["scs_islands"], float)
    x, y = _to_inset(*geo.project(pts[:, 0], pts[:, 1]))
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers", marker=dict(size=2, color="#555"), hoverinfo="skip",
                             showlegend=False, name="islands"))
    fig.add_shape(type="rect", x0=f["x0"], x1=f["x1"], y0=f["y0"], y1=f["y1"], line=dict(color="#777", width=1),
                  fillcolor="rgba(0,0,0,0)", layer="above")
    fig.add_annotation(x=(f["x0"] + f["x1"]) / 2, y=f["y1"], yshift=-8, text=t("南海诸岛", "South China Sea Islands", lang)
                       if lang != "both" else "南海诸岛", showarrow=False, font=dict(size=9, color="#444"))


def _flows(fig: go.Figure, res: xr.Dataset, year: int, min_share: float, lang: str) -> None:
    f, hidden = geo.hub_flows(res, year, min_share)
    if f.empty:
        return
    vmax = float(f["racks"].max())
    edges = [0, vmax / 8, vmax / 3, vmax + 1]
    for i, w in enumerate((1.0, 2.5, 5.0)):
        part = f[(f["racks"] >= edges[i]) & (f["racks"] < edges[i + 1])]
        xs, ys = [], []
        for r in part.itertuples():
            xs += [r.x0, r.x1, None]
            ys += [r.y0, r.y1, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=FLOW, width=w), hoverinfo="skip",
                                 showlegend=i == 2, legendgroup="flows",
                                 name=t("地区→枢纽流向", "region → hub flows", lang) + f" (≥ {min_share:.1%})"))
    hubs = dict(zip(res["hub"].values, zip(res["hub_name_zh"].values, res["hub_name_en"].values)))
    regions = dict(zip(res.region.values, zip(res["region_name_zh"].values, res["region_name_en"].values)))
    fig.add_trace(go.Scatter(  # hover on the middle of each flow
        x=(f["x0"] + f["x1"]) / 2, y=(f["y0"] + f["y1"]) / 2, mode="markers", marker=dict(size=8, opacity=0),
        hoverinfo="text", showlegend=False, name="flow-tips",
        text=[f"{' '.join(regions[r.region])} → {' '.join(hubs[r.hub])}: {r.racks:,.0f} {t('架', 'racks', lang)}"
              for r in f.itertuples()]))
    fig.layout.meta = {**(fig.layout.meta or {}), "flows_hidden_share": hidden}


def _backbone(fig: go.Figure, res: xr.Dataset, year: int, lang: str) -> None:
    """Hub-to-hub edges, width ∝ traffic, colour by use against the planned maximum; one legend
    entry per colour (a click hides it), a tip in the middle of each edge."""
    e = geo.backbone_edges(res, year)
    if e.empty:
        return
    top = max(float(e["use_tbps"].max()), 1e-9)
    for i, (_, zh, en, colour) in enumerate(geo.BACKBONE_BINS):
        part = e[e["bin"] == i]
        for r in part.itertuples():  # one trace per edge: plotly draws a trace's lines at one width
            fig.add_trace(go.Scatter(x=[r.x0, r.x1], y=[r.y0, r.y1], mode="lines", hoverinfo="skip",
                                     line=dict(color=colour, width=1 + 7 * r.use_tbps / top), opacity=0.8,
                                     legendgroup=f"backbone{i}", showlegend=bool(r.Index == part.index[0]),
                                     name=t(zh, en, lang)))
    tbps = t("Tbps", "Tbps", lang)
    tips = [f"{t(r.zh, r.en, lang)}<br>{year}: {t('流量', 'traffic', lang)} {r.use_tbps:,.1f} / "
            f"{t('容量', 'capacity', lang)} {r.capacity_tbps:,.1f} {tbps} ({t('规划上限的', 'of the planned maximum:', lang)} "
            f"{r.use_of_max:.0%})<br>{t('其中数据链', 'of which data chains', lang)} {r.chain_tbps:,.2f} {tbps}"
            f"<br>{t('每增 1 Tbps 的价值', 'value of one more Tbps', lang)} ¥{r.value_yuan_per_tbps_year:,.0f}"
            f"{t('/年', ' per year', lang)}" for r in e.itertuples()]
    fig.add_trace(go.Scatter(x=(e["x0"] + e["x1"]) / 2, y=(e["y0"] + e["y1"]) / 2, mode="markers",
                             marker=dict(size=9, opacity=0), hoverinfo="text", text=tips, showlegend=False,
                             name="backbone-tips"))


def _labels(fig: go.Figure, res: xr.Dataset, clusters, lang: str) -> None:
    """Cluster names first (biggest load first), then province names where they fit."""
    scale = PHONE_PLOT_PX / (frame()["x"][1] - frame()["x"][0])
    (x0, x1), (y0, y1) = frame()["x"], frame()["y"]
    box = (x0 * scale, y0 * scale, x1 * scale, y1 * scale)
    radii = (clusters["d"] / 2).tolist()
    markers = geo.marker_boxes(clusters["x"], clusters["y"], radii, scale)
    f = frame()["inset"]
    inset_box = (f["x0"] * scale, f["y0"] * scale, f["x1"] * scale, f["y1"] * scale)
    order = clusters.sort_values("load", ascending=False).index
    pts = [(geo.short_name(clusters.at[i, "name_zh"], clusters.at[i, "name_en"], lang), clusters.at[i, "x"],
            clusters.at[i, "y"], radii[i]) for i in order]
    placed = geo.place_labels(pts, scale, size=11, obstacles=markers + [inset_box], frame=box)
    names = dict(zip(res.region.values, zip(res["region_name_zh"].values, res["region_name_en"].values)))
    provs = [p for p in geo.provinces() if p.region in names]
    provs.sort(key=lambda p: -float(res["demand"].sel(region=p.region).sum()))
    prov_pts = [(_province_short(*names[p.region], lang), p.anchor[0], p.anchor[1], 0) for p in provs]
    taken = markers + [inset_box] + [lab.box(scale) for lab in placed]
    placed_prov = geo.place_labels(prov_pts, scale, size=8, obstacles=taken, frame=box, optional=True)
    for lab in placed:
        common = dict(x=lab.x, y=lab.y, text=f"<b>{lab.text}</b>", font=dict(size=lab.size, color="#111"),
                      bgcolor="rgba(255,255,255,0.75)", borderpad=0, name="cluster-label")
        if lab.leader:
            fig.add_annotation(**common, showarrow=True, ax=lab.dx, ay=-lab.dy, arrowhead=0, arrowwidth=0.8,
                               arrowcolor="#555", standoff=2)
        else:
            fig.add_annotation(**common, showarrow=False, xshift=lab.dx, yshift=lab.dy)
    for lab in placed_prov:
        fig.add_annotation(x=lab.x, y=lab.y, text=lab.text, showarrow=False, font=dict(size=lab.size, color="#555"),
                           name="province-label")


def _province_short(zh: str, en: str, lang: str) -> str:
    if lang == "en":
        return en.split()[0]
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if zh.endswith(suffix):
            return zh[: -len(suffix)]
    return zh


def _province_tip(zh: str, en: str, val: float, layer: str, lang: str, flagged: bool, not_region: bool) -> str:
    _, _, uz, ue = geo.LAYERS[layer]
    name = t(zh, en, lang).strip() if en else zh
    if not_region:
        return f"{name}: {t('无模型数据', 'no model data', lang)}"
    return f"{name}: {_fmt(val, layer)} {t(uz, ue, lang)}" + (f" ({t('由惩罚决定', 'set by the penalty', lang)})"
                                                              if flagged else "")


def _coloraxis(layer: str, lo: float, hi: float, lang: str, values: dict | None = None) -> dict:
    zh, en, uz, ue = geo.LAYERS[layer]
    bar = dict(orientation="h", x=0.0, xanchor="left", y=0.0, yanchor="top", len=0.5, thickness=10,
               title=dict(text=f"{t(zh, en, lang)} ({t(uz, ue, lang)})", side="top"),
               tickformat=",.0f" if hi - lo >= 10 else ",.1f")
    finite = [v for v in (values or {}).values() if np.isfinite(v)]
    if layer == "marginal_cost" and len(finite) > 1:  # colours by rank: ticks at the quartiles' values
        q = np.quantile(finite, [0, 0.25, 0.5, 0.75, 1])
        bar.update(tickvals=[0, 0.25, 0.5, 0.75, 1], ticktext=[f"{v:,.1f}" for v in q], tickformat=None, len=0.9,
                   title=dict(text=f"{t(zh, en, lang)} ({t(uz, ue, lang)}, {t('按分位数着色', 'coloured by quantile', lang)})",
                              side="top"))
    return dict(cmin=lo, cmax=hi, colorscale=SCALES[layer], colorbar=bar)


def _layer_buttons(res: xr.Dataset, year: int, lang: str, n_prov: int, current: str) -> dict:
    """One button per layer: new province colours and hover texts, and the colour bar's range."""
    names = dict(zip(res.region.values, zip(res["region_name_zh"].values, res["region_name_en"].values)))
    buttons = []
    for key, (zh, en, uz, ue) in geo.LAYERS.items():
        colours, lo, hi, values = layer_colours(res, year, key)
        texts = [" ".join(names.get(p.region, (p.name_zh, ""))).strip() + ": "
                 + _fmt(values.get(p.region, np.nan) if p.region else np.nan, key) + f" {t(uz, ue, lang)}"
                 for p in geo.provinces()]
        buttons.append(dict(label=t(zh, en, lang), method="update",
                            args=[{"fillcolor": colours, "text": texts},
                                  {"coloraxis": _coloraxis(key, lo, hi, lang, values)},
                                  list(range(n_prov))]))
    return dict(type="buttons", direction="right", x=0.0, xanchor="left", y=1.07, yanchor="bottom",
                active=list(geo.LAYERS).index(current), buttons=buttons, font=dict(size=10), pad=dict(r=2, t=2, b=2))
