"""Where a workspace lives and how it is opened: a plain path is an SQLite file (created on first
use, no set-up), a ``postgresql://`` URL a team's shared server. Opening checks that the database
is a workspace (or empty) and creates the schema with its version row; anything else is one
``WorkspaceError`` line, never a traceback."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from ..errors import InputError
from .schema import META_TABLE, SCHEMA_VERSION, Base, Meta

ENV = "HUBPLAN_WORKSPACE"
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30  # a writer waits this long for another session's transaction
_INIT_LOCK = 7_022_022  # PostgreSQL advisory lock: two first uses create the schema once


class WorkspaceError(InputError):
    """A workspace that cannot be used: ``LOCATION: field 'workspace': PROBLEM``."""

    def __init__(self, where: str, problem: str):
        super().__init__(where, "workspace", problem)


def default_location() -> Path:
    """The app's workspace when ``HUBPLAN_WORKSPACE`` is not set: the user's data folder."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "hubplan" / "workspace.db"


def shown_location(where: str) -> str:
    """The location as messages show it: a URL without its password."""
    if "://" not in where:
        return where
    try:
        return make_url(where).render_as_string(hide_password=True)
    except ArgumentError:
        return where.split("@")[-1] if "@" in where else where


def _sqlite_path(where: str, create: bool) -> Path:
    path = Path(where).expanduser()
    if path.is_dir():
        raise WorkspaceError(where, "is a folder; give a file such as workspace.db")
    if not create and not path.is_file():
        raise WorkspaceError(where, "no workspace file here (solve, batch, sweep or stochastic with --workspace create one)")
    if not path.parent.is_dir():
        raise WorkspaceError(where, f"folder {path.parent} does not exist")
    if path.is_file() and path.stat().st_size:
        with path.open("rb") as f:
            if f.read(16) != SQLITE_MAGIC:
                raise WorkspaceError(where, "not a hubplan workspace: the file is not an SQLite database")
    return path


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(URL.create("sqlite", database=str(path)), connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy, not the driver, says when a transaction begins
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # a writer takes the write lock at BEGIN: two writers queue (busy timeout) instead of one
        # failing with "database is locked" when it upgrades a read lock
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def make_engine(where: str | Path, create: bool = True) -> tuple[Engine, str]:
    """(engine, location as shown) for a path or a URL; raises WorkspaceError. ``create=False``:
    a file that does not exist is an error, not a new workspace."""
    where = str(where).strip()
    if not where:
        raise WorkspaceError("--workspace", "empty; give a file path or a postgresql:// URL")
    if "://" not in where:
        return _sqlite_engine(_sqlite_path(where, create)), where
    shown = shown_location(where)
    try:
        url = make_url(where)
    except ArgumentError:
        raise WorkspaceError(shown, "not a valid database URL") from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return create_engine(url.set(drivername="postgresql+psycopg"), pool_pre_ping=True,
                             connect_args={"connect_timeout": 10}), shown
    if url.drivername == "sqlite" and url.database:
        return _sqlite_engine(_sqlite_path(url.database, create)), shown
    raise WorkspaceError(shown, f"unsupported database '{url.drivername}' (use a file path or postgresql://…)")


def problem(exc: SQLAlchemyError) -> str:
    """The driver's own first line (``file is not a database``, ``connection refused``)."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


@contextmanager
def guarded(shown: str) -> Iterator[None]:
    """Database failures (a corrupt file, a server gone) as one WorkspaceError line."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise WorkspaceError(shown, problem(exc)) from None


def prepare(engine: Engine, shown: str, create: bool = True) -> None:
    """Check that the database is a hubplan workspace of a version this code reads, or create one
    (``create=False``: a database without one is an error)."""
    ours = set(Base.metadata.tables)
    with guarded(shown), engine.execution_options(write=True).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_INIT_LOCK})")
        tables = set(inspect(conn).get_table_names())
        if META_TABLE not in tables:
            if conn.dialect.name == "sqlite" and tables:
                raise WorkspaceError(shown, "not a hubplan workspace: the database holds other tables ("
                                     + ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "") + ")")
            if tables & ours:
                raise WorkspaceError(shown, "not a hubplan workspace: hubplan tables without a schema version row")
            if not create:
                raise WorkspaceError(shown, "no hubplan workspace in this database yet")
            Base.metadata.create_all(conn)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            conn.execute(Meta.__table__.insert(), [{"key": "schema_version", "value": str(SCHEMA_VERSION)},
                                                   {"key": "created", "value": now}])
            return
        row = conn.execute(select(Meta.value).where(Meta.key == "schema_version")).scalar()
        if row is None:
            raise WorkspaceError(shown, "not a hubplan workspace: no schema version row")
        if not row.isdigit() or int(row) > SCHEMA_VERSION:
            raise WorkspaceError(shown, f"written by a newer hubplan (schema version {row}; this one reads {SCHEMA_VERSION})")
        missing = ours - tables
        if missing:
            raise WorkspaceError(shown, f"damaged workspace: missing tables {', '.join(sorted(missing))}")


def write_ahead_log(engine: Engine, shown: str) -> None:
    """SQLite: readers do not wait for a writer. Set once the file is known to be a workspace (the
    journal mode is kept in the file: another program's database is never changed), outside a
    transaction (SQLite refuses the switch inside one)."""
    if engine.dialect.name != "sqlite":
        return
    with guarded(shown):
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")
        finally:
            raw.close()
