"""Limits on what a user sizes, checked before any work starts, each saying what it is.

- ``workers_for``: local worker processes capped at the cores this process may use (a note says so);
  with ``--scheduler`` the cluster's own workers run, and ``--workers`` is not used.
- ``check_scheduler``: a Dask scheduler address that parses (``tcp://HOST:PORT``), else one line.
- ``check_extensive_form``: the two-stage LP's size (futures × one future's columns) within
  ``MAX_EXTENSIVE_COLUMNS``, from one future's LP, before any solve.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import InputError

SCHEMES = ("tcp", "tls", "ws", "wss")  # what a distributed scheduler listens on
MAX_EXTENSIVE_COLUMNS = 3_000_000  # variables of the extensive form: ~360 futures of the reference (8,265 each)


def workers_for(workers: int | None, scheduler: str | None) -> tuple[int | None, str | None]:
    """(worker processes to start, a note for the user or None)."""
    from .batch.execute import default_workers

    if workers is None or workers < 1:
        return workers, None  # the default, or refused by run_batch with its own message
    if scheduler:
        return None, f"note: --workers {workers} is not used with --scheduler (the cluster's workers run the batch)"
    cores = default_workers()
    if workers > cores:
        return cores, f"note: --workers {workers} → {cores} (the cores this machine gives the process)"
    return workers, None


def check_scheduler(address: str | None) -> None:
    """Raise InputError unless ``address`` is None or reads as SCHEME://HOST:PORT (scheme optional)."""
    if address is None:
        return
    wanted = "expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786"
    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        port = parts.port
    except ValueError:
        raise InputError("--scheduler", "scheduler", f"not an address ({wanted})") from None
    if parts.scheme not in SCHEMES:
        raise InputError("--scheduler", "scheduler", f"unknown protocol (known: {', '.join(SCHEMES)}; {wanted})")
    if not parts.hostname or port is None:
        raise InputError("--scheduler", "scheduler", f"needs a host and a port ({wanted})")


def check_extensive_form(futures) -> None:
    """Refuse a two-stage problem whose extensive form would exceed ``MAX_EXTENSIVE_COLUMNS``
    (measured on the first future's LP: every future has the same structure)."""
    from ..formulation import build_lp
    from ..inputs import build_inputs

    per_future = sum(v.size for v in build_lp(build_inputs(futures[0].scenario)).variables.values())
    total = per_future * len(futures)
    if total > MAX_EXTENSIVE_COLUMNS:
        raise InputError(futures[0].source, "futures", f"the two-stage LP would have {total:,} variables "
                         f"({len(futures)} futures × {per_future:,}), above the limit of {MAX_EXTENSIVE_COLUMNS:,}; "
                         "use fewer futures (or fewer representative days)")
