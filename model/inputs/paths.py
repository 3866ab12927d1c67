"""One rule for every file an input names, and one way to read it.

- **Where**: a path a scenario (or futures file) names is resolved once, symlinks followed, by
  ``confine``: it must lie inside the allowed roots — the bundled ``data/`` folder and the folder
  of the file that names it. In the app an upload's folder is ``data/scenarios``, so there the
  only root is ``data/``. A dataset's own files must lie inside the dataset folder (``inside``).
- **What**: ``read_input_bytes`` reads only a regular file (a folder, FIFO, device or socket gets
  its own message; the check is made again on the open descriptor, so a file swapped for a FIFO
  cannot block the read), at most ``max_bytes`` **after decompression**: a ``.gz`` file is
  inflated in a stream and refused as soon as it passes the limit (a 3 kB gzip bomb costs a few kB).
- **Saying so**: messages name the file and the field, never the resolved server path of a refused
  file and never its contents (``errors.InputError`` shows a path inside the project as ``data/…``).
"""
from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path

from ..errors import InputError

DATA = Path(__file__).resolve().parents[2] / "data"  # the bundled dataset, scenarios, futures, profiles
MAX_FILE_BYTES = 50_000_000
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"


def allowed_roots(base_dir: str | Path) -> tuple[Path, ...]:
    """The folders the files named by a scenario (or futures file) in ``base_dir`` may be in."""
    return DATA, Path(base_dir).resolve()


def confine(rel: str | Path, base_dir: str | Path, source: str, field: str) -> Path:
    """``base_dir / rel`` resolved (symlinks followed), if inside ``allowed_roots(base_dir)``;
    else InputError naming the naming file and field (not where the path led)."""
    path = (Path(base_dir) / rel).resolve()
    roots = allowed_roots(base_dir)
    if not any(path.is_relative_to(r) for r in roots):
        where = "the data/ folder" if roots[1].is_relative_to(DATA) else "the data/ folder or this file's own folder"
        raise InputError(source, field, f"refers to a file outside {where} (files elsewhere are not read)")
    return path


def inside(path: Path, root: Path) -> Path:
    """``path`` resolved, if it stays inside ``root`` (a dataset file that is a link elsewhere is refused)."""
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(Path(root).resolve()):
        raise InputError(path, "", "a link to a file outside the dataset folder; copy the file into the folder")
    return resolved


def _limit(max_bytes: int) -> str:
    return f"{max_bytes // 1000} kB" if max_bytes < 10_000_000 else f"{max_bytes // 1_000_000} MB"


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read (None: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder, not a file; expected a data file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a regular file; expected a data file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file; expected a data file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file; expected a data file"
    return "not a regular file; expected a data file"


def regular_file(path: Path) -> os.stat_result:
    """The file's status, if it is a regular file (after symlinks); else InputError saying what it is."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "", "file not found") from None
    except OSError as exc:
        raise InputError(path, "", f"cannot be read ({exc.strerror})") from None
    why = _not_regular(st.st_mode)
    if why:
        raise InputError(path, "", why)
    return st


def read_input_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of an input file (inflated, for a name ending in .gz), if it is a regular file
    (after symlinks) of at most ``max_bytes`` once inflated."""
    path = Path(path)
    st = regular_file(path)
    gz = path.name.endswith(".gz")
    if not gz and st.st_size > max_bytes:
        raise InputError(path, "", f"larger than {_limit(max_bytes)}")
    try:  # O_NONBLOCK: opening a FIFO put in its place since the stat does not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(path, "", f"cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        why = _not_regular(os.fstat(fd).st_mode)
        if why:
            raise InputError(path, "", why)
        try:
            data = _inflate(f, max_bytes, path) if gz else f.read(max_bytes + 1)  # /proc files report size 0
        except OSError as exc:
            raise InputError(path, "", f"cannot be read ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise InputError(path, "", f"larger than {_limit(max_bytes)}")
    return data


def _inflate(f, max_bytes: int, path: Path) -> bytes:
    """Gzip members read in a stream, stopping one byte past ``max_bytes`` of output."""
    out = bytearray()
    d = zlib.decompressobj(wbits=31)
    pending = b""
    started = False
    try:
        while True:
            if not pending:
                pending = f.read(_CHUNK)
                if not pending:
                    break
            if d.eof:  # another member follows (gzip allows several); trailing zeros end the file
                if pending.strip(b"\x00") == b"":
                    pending = b""
                    continue
                d = zlib.decompressobj(wbits=31)
                started = False
            if not started and not pending.startswith(_GZIP_MAGIC[:len(pending)]):
                raise InputError(path, "", "not a gzip file (the name ends in .gz)")
            started = True
            out += d.decompress(pending, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise InputError(path, "", f"larger than {_limit(max_bytes)} once decompressed")
            pending = d.unconsumed_tail or d.unused_data
    except zlib.error:
        raise InputError(path, "", "not a valid gzip file (corrupt or truncated)") from None
    if not d.eof:
        raise InputError(path, "", "not a valid gzip file (corrupt or truncated)")
    return bytes(out)
