"""Representative days kept on disk by content (model/inputs/day_cache.py): a hit is tsam's result bit
for bit and needs no tsam; another profile or count is another entry; a damaged, foreign or stale
file is ignored and rewritten; writers racing on one entry never leave a reader half a file."""
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from model.inputs import day_cache
from model.inputs.dataset import BUNDLED, load_dataset
from model.inputs.profiles import aggregate, capacity_factor_array, representative_days

FIELDS = ("cf", "weight", "assignment", "rmse", "mean_error")


def _profiles(seed: int = 7) -> np.ndarray:
    """Two clusters × (wind, solar) × 8,760 hours: solar a daylight arch times a day's clearness,
    wind a day's level with hourly noise (all in [0, 1])."""
    rng = np.random.default_rng(seed)
    hour = np.arange(8760) % 24
    arch = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    out = np.empty((2, 2, 8760))
    for k in range(2):
        out[k, 0] = np.clip(np.repeat(rng.uniform(0.05, 0.6, 365), 24) + rng.normal(0, 0.05, 8760), 0, 1)
        out[k, 1] = arch * np.repeat(rng.uniform(0.2, 0.9, 365), 24)
    return out


def _equal(a, b) -> bool:
    """Every field identical (arrays bit for bit, same dtype)."""
    return all(np.array_equal(getattr(a, f), getattr(b, f)) and np.asarray(getattr(a, f)).dtype == np.asarray(getattr(b, f)).dtype
               for f in FIELDS)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(day_cache.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / day_cache.FOLDER


def test_a_miss_stores_tsams_result_and_a_hit_returns_it_bit_for_bit(cache):
    cf = _profiles()
    fresh = aggregate(cf, 3)
    first = representative_days(cf, 3)
    assert _equal(first, fresh)
    (entry,) = cache.glob("*.npz")
    assert entry.name == f"{day_cache.fingerprint(cf, 3)}.npz"
    assert _equal(representative_days(cf, 3), fresh)
    assert fresh.weight.sum() == 365 and fresh.cf.shape == (2, 2, 3, 24)


def test_a_hit_in_a_new_process_does_not_import_tsam(cache):
    cf = _profiles()
    want = representative_days(cf, 3)
    np.save(cache.parent / "cf.npy", cf)
    code = ("import json, sys; import numpy as np; from model.inputs.profiles import representative_days; "
            f"rd = representative_days(np.load({str(cache.parent / 'cf.npy')!r}), 3); "
            "print(json.dumps([rd.weight.tolist(), rd.rmse, 'tsam' in sys.modules, 'sklearn' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, day_cache.ENV: str(cache.parent)})
    weight, rmse, tsam, sklearn = json.loads(out.stdout.strip().splitlines()[-1])
    assert weight == want.weight.tolist() and rmse == want.rmse
    assert not tsam and not sklearn


def test_another_profile_or_count_is_another_entry(cache):
    cf = _profiles()
    representative_days(cf, 3)
    changed = cf.copy()
    changed[1, 0, 5000] = 0.123  # one hour of one profile
    assert day_cache.fingerprint(changed, 3) != day_cache.fingerprint(cf, 3)
    assert _equal(representative_days(changed, 3), aggregate(changed, 3))
    assert _equal(representative_days(cf, 4), aggregate(cf, 4))
    assert len(list(cache.glob("*.npz"))) == 3


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "foreign", "bad weights", "text for a number"])
def test_a_damaged_or_foreign_entry_is_ignored_and_rewritten(cache, damage):
    cf, other = _profiles(), _profiles(seed=8)
    fresh = representative_days(cf, 3)
    entry = cache / f"{day_cache.fingerprint(cf, 3)}.npz"
    good = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"not a cache entry" * 10)
    elif damage == "truncated":
        entry.write_bytes(good[: len(good) // 2])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "foreign":  # a whole, valid entry of other profiles under this name
        representative_days(other, 3)
        entry.write_bytes((cache / f"{day_cache.fingerprint(other, 3)}.npz").read_bytes())
    elif damage == "bad weights":  # the right key, but weights that do not add up to the year
        day_cache.store(day_cache.fingerprint(cf, 3), vars(fresh) | {"weight": fresh.weight + 1})
    else:  # the right key, text where the error figure belongs
        day_cache.store(day_cache.fingerprint(cf, 3), vars(fresh) | {"rmse": "0.1"})
    assert day_cache.load(day_cache.fingerprint(cf, 3), (2, 2)) is None
    assert _equal(representative_days(cf, 3), fresh)
    assert entry.read_bytes() == good  # recomputed and stored again, the same bytes


def test_off_writes_nothing_and_an_unwritable_folder_only_costs_a_recomputation(tmp_path, monkeypatch):
    cf = _profiles()
    monkeypatch.setenv(day_cache.ENV, "off")
    assert day_cache.folder() is None
    assert _equal(representative_days(cf, 3), aggregate(cf, 3))
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv(day_cache.ENV, str(blocker / "cache"))  # its parent is a file: cannot be made
    assert day_cache.store(day_cache.fingerprint(cf, 3), vars(aggregate(cf, 3))) is None
    assert _equal(representative_days(cf, 3), aggregate(cf, 3))
    assert not list(tmp_path.glob("**/*.npz"))


def test_racing_writers_never_leave_a_reader_half_a_file(cache):
    cf = _profiles()
    rd = representative_days(cf, 3)
    key = day_cache.fingerprint(cf, 3)
    seen, stop = [], threading.Event()

    def read():
        while not stop.is_set():
            seen.append(day_cache.load(key, (2, 2)) is not None)

    def write():
        for _ in range(30):
            day_cache.store(key, vars(rd))

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write) for _ in range(3)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join()
    assert seen and all(seen)
    assert [p.name for p in cache.iterdir()] == [f"{key}.npz"]  # no temporary file left behind


@pytest.mark.slow
def test_the_shipped_entry_is_tsams_result_on_the_bundled_profiles():
    """data/profiles/representative-days/ holds one entry: the bundled profiles at the default
    count (12), equal bit for bit to a fresh tsam run. Regenerate: python data/make_profiles.py."""
    (entry,) = day_cache.SHIPPED.glob("*.npz")
    with np.load(entry) as f:
        made_with = str(f["made_with"])
    if made_with != day_cache.versions():
        pytest.skip(f"shipped with {made_with}, installed {day_cache.versions()}: it is not used here")
    cf = capacity_factor_array([BUNDLED / "profiles" / "capacity_factors.csv.gz"], list(load_dataset().clusters.index))
    key = day_cache.fingerprint(cf, 12)
    assert entry.name == f"{key}.npz", "the bundled profiles changed: run python data/make_profiles.py"
    shipped = day_cache.load(key, cf.shape[:2])
    fresh = aggregate(cf, 12)
    assert shipped is not None and _equal(type(fresh)(**shipped), fresh)
    assert fresh.weight.sum() == 365 and fresh.cf.shape == (10, 2, 12, 24)


def test_the_folder_keeps_the_newest_entries(cache, monkeypatch):
    monkeypatch.setattr(day_cache, "KEEP", 2)
    rd = aggregate(_profiles(), 3)
    keys = ["a" * 64, "b" * 64, "c" * 64]
    for age, key in zip((300, 200), keys):  # written 300 s and 200 s ago (mtimes set: no tie)
        path = day_cache.store(key, vars(rd))
        os.utime(path, (path.stat().st_atime - age, path.stat().st_mtime - age))
    day_cache.store(keys[2], vars(rd))  # a third entry: the oldest goes
    assert sorted(p.stem for p in cache.glob("*.npz")) == keys[1:]
