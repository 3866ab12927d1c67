"""Files written atomically: a reader (another process, a batch re-run, the app) sees the old file or
the whole new one, never half of one. The file is written beside its target under a hidden unique
name and renamed over it (``os.replace``, atomic on one file system); on failure the partial file is
removed and the target left as it was."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: str | Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp)`` to write a file, then move it onto ``path`` in one rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        writer(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """``path.write_bytes(data)``, atomically."""
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))
