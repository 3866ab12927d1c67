"""Write the hourly profiles of the reference dataset (deterministic, offline).

    python data/make_profiles.py [--out DIR]      (default: data/profiles/)

Outputs
- ``capacity_factors.csv.gz``: 8,760 rows (hour 0 = 1 Jan 00:00 Beijing time, a 365-day year),
  one column ``<cluster_id>/<technology>`` per cluster and technology (wind, solar), values in
  [0, 1] = output / nameplate.
- ``demand_shapes.csv``: 24 rows, one column per workload class: the hourly IT load of an
  inflexible class relative to its daily mean (mean 1).
- ``representative-days/<fingerprint>.npz`` (into data/profiles/ only): tsam's representative days
  of these profiles at the scenarios' default count, so a fresh checkout solves the hourly
  reference without importing tsam (model/inputs/day_cache.py uses it only while its fingerprint
  — profiles, count, method, package versions — matches).

Solar: pvlib clear-sky irradiance (Ineichen model with pvlib's bundled monthly Linke turbidity)
on a south-facing plane tilted at the latitude (isotropic sky), a PVWatts-style DC model with
14 % system losses and cell temperature from the SAPM open-rack model at 20 °C ambient, times a
daily clearness factor (a seeded AR(1) series around a monsoon-shaped monthly mean), then scaled
so that the annual sum equals the province's PV utilisation hours (``utilisation_hours.csv``).

Wind: a documented synthetic method — an hourly AR(1) process in log space (persistence 0.97 per
hour, i.e. weather systems of ~1–2 days) times a monthly seasonal factor (``SEASON_*`` below) and a
diurnal factor (inland sites blow harder at night), mapped through min(1, ·) and scaled so that
the annual sum equals the province's wind utilisation hours. It carries the right mean, season
and day/night pattern; it is not a weather reconstruction (a planner's measured or reanalysis
profile can replace it, see data/README.md).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
YEAR = 2025  # a non-leap calendar year for the sun's position; weather itself is synthetic
SEED = 20260101
LOSSES = 0.14  # PVWatts default system losses
GAMMA_PDC = -0.0035  # 1/°C, crystalline silicon

# Monthly wind factors (Jan..Dec, mean 1): northern China (spring maximum, summer minimum) and
# southern/south-western China (winter-spring maximum, weaker summer minimum). Assumption, see
# sources.csv.
SEASON_NORTH = np.array([1.05, 1.10, 1.25, 1.30, 1.15, 0.90, 0.75, 0.70, 0.85, 1.00, 1.00, 0.95])
SEASON_SOUTH = np.array([1.15, 1.15, 1.15, 1.05, 0.95, 0.85, 0.85, 0.85, 0.90, 1.00, 1.05, 1.05])
# Monthly clearness (Jan..Dec) before scaling: the summer monsoon clouds the south and east more.
CLEAR_NORTH = np.array([0.95, 0.92, 0.88, 0.86, 0.86, 0.80, 0.72, 0.74, 0.82, 0.90, 0.93, 0.95])
CLEAR_SOUTH = np.array([0.65, 0.60, 0.58, 0.62, 0.66, 0.62, 0.70, 0.72, 0.72, 0.75, 0.72, 0.68])
NORTH_LAT = 33.0  # clusters north of this use the northern patterns

# Hourly IT-load shape of user-facing classes (hour 0..23, Beijing time): night trough at
# 04:00-05:00 (~0.70 of the mean), evening peak at 20:00-22:00 (~1.25). Assumption, see sources.csv.
USER_SHAPE = np.array([0.95, 0.85, 0.78, 0.73, 0.70, 0.70, 0.74, 0.82, 0.92, 1.02, 1.08, 1.10,
                       1.10, 1.08, 1.08, 1.09, 1.10, 1.12, 1.16, 1.21, 1.25, 1.25, 1.20, 1.07])
SHAPES = {"realtime": USER_SHAPE, "interactive": USER_SHAPE, "ai_inference": USER_SHAPE}  # the others are flat (storage,
# processing, AI training: batch work, and the flexible classes are shifted by the model anyway)


def _scale_to_hours(raw: np.ndarray, hours: float) -> np.ndarray:
    """Scale a non-negative series so that Σ min(1, s·raw) = hours (bisection on s)."""
    lo, hi = 0.0, 50.0 / max(raw.mean(), 1e-9)
    for _ in range(80):
        s = 0.5 * (lo + hi)
        lo, hi = (s, hi) if np.minimum(1.0, s * raw).sum() < hours else (lo, s)
    return np.minimum(1.0, 0.5 * (lo + hi) * raw)


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    e = rng.standard_normal(n) * np.sqrt(1 - phi ** 2)
    out = np.empty(n)
    out[0] = rng.standard_normal()
    for i in range(1, n):
        out[i] = phi * out[i - 1] + e[i]
    return out


def solar_profile(lat: float, lon: float, hours: float, rng: np.random.Generator) -> np.ndarray:
    import pvlib

    times = pd.date_range(f"{YEAR}-01-01 00:30", periods=8760, freq="h", tz="Asia/Shanghai")  # mid-hour
    loc = pvlib.location.Location(lat, lon, tz="Asia/Shanghai")
    cs = loc.get_clearsky(times, model="ineichen")  # Linke turbidity: pvlib's bundled monthly table
    sun = loc.get_solarposition(times)
    poa = pvlib.irradiance.get_total_irradiance(abs(lat), 180.0, sun["apparent_zenith"], sun["azimuth"],
                                                cs["dni"], cs["ghi"], cs["dhi"], model="isotropic")["poa_global"]
    p = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_glass"]
    t_cell = pvlib.temperature.sapm_cell(poa, 20.0, 1.0, **p)
    dc = pvlib.pvsystem.pvwatts_dc(poa, t_cell, 1.0, GAMMA_PDC)  # per unit of nameplate
    ac = np.clip(np.nan_to_num(dc.to_numpy()) * (1 - LOSSES), 0, None)
    clear = CLEAR_NORTH if lat >= NORTH_LAT else CLEAR_SOUTH
    month = times.month.to_numpy() - 1
    daily = np.clip(clear[month[::24]] + 0.18 * _ar1(rng, 365, 0.6), 0.08, 1.0)  # day-to-day cloud
    return _scale_to_hours(ac * np.repeat(daily, 24), hours)


def wind_profile(lat: float, hours: float, rng: np.random.Generator) -> np.ndarray:
    times = pd.date_range(f"{YEAR}-01-01", periods=8760, freq="h")
    season = (SEASON_NORTH if lat >= NORTH_LAT else SEASON_SOUTH)[times.month.to_numpy() - 1]
    h = times.hour.to_numpy()
    diurnal = 1 + 0.15 * np.cos(2 * np.pi * (h - 2) / 24)  # maximum around 02:00, minimum at 14:00
    raw = np.exp(0.75 * _ar1(rng, 8760, 0.97)) * season * diurnal
    return _scale_to_hours(raw, hours)


def build(data: Path = HERE) -> tuple[pd.DataFrame, pd.DataFrame]:
    clusters = pd.read_csv(data / "clusters.csv")
    uh = pd.read_csv(data / "profiles" / "utilisation_hours.csv").set_index("region_id")
    cols = {}
    for i, c in clusters.iterrows():
        rng = np.random.default_rng(SEED + i)
        hrs = uh.loc[c.region_id]
        cols[f"{c.cluster_id}/wind"] = wind_profile(c.lat, float(hrs.wind_hours), rng)
        cols[f"{c.cluster_id}/solar"] = solar_profile(c.lat, c.lon, float(hrs.solar_hours), rng)
    cf = pd.DataFrame(cols).round(4)
    cf.insert(0, "hour", np.arange(8760))
    wl = pd.read_csv(data / "workloads.csv")["workload_id"]
    shapes = pd.DataFrame({w: np.round(SHAPES.get(w, np.ones(24)) / SHAPES.get(w, np.ones(24)).mean(), 4) for w in wl})
    shapes.insert(0, "hour", np.arange(24))
    return cf, shapes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "profiles")
    args = ap.parse_args()
    cf, shapes = build()
    args.out.mkdir(parents=True, exist_ok=True)
    cf.to_csv(args.out / "capacity_factors.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    shapes.to_csv(args.out / "demand_shapes.csv", index=False)
    full = cf.drop(columns="hour").sum()
    print("full-load hours per cluster/technology:\n" + full.round(0).to_string())
    if args.out.resolve() == (HERE / "profiles").resolve():
        print(f"representative days shipped: {ship_representative_days(args.out)}")


def ship_representative_days(out: Path) -> Path:
    """Write the bundled profiles' representative days at the default count as the only entry of
    ``out/representative-days/`` (computed by tsam, not read from any cache)."""
    from model.inputs import day_cache
    from model.inputs.dataset import load_dataset
    from model.inputs.profiles import aggregate, capacity_factor_array
    from model.inputs.scenario import HourlyOptions

    count = HourlyOptions().representative_days
    cf = capacity_factor_array([out / "capacity_factors.csv.gz"], list(load_dataset(HERE).clusters.index))
    place = out / day_cache.FOLDER
    for old in place.glob("*.npz"):
        old.unlink()
    return day_cache.store(day_cache.fingerprint(cf, count), vars(aggregate(cf, count)), place=place)


if __name__ == "__main__":
    main()
