"""The workspace's tables (SQLAlchemy 2.x, one schema for SQLite and PostgreSQL).

Every table name starts with ``hubplan_``: a team's PostgreSQL database may hold other tables
beside them, and an SQLite file that has tables but no ``hubplan_meta`` is not a workspace.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = 1
META_TABLE = "hubplan_meta"


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """``schema_version`` (the layout below) and ``created``: the row that makes a database a workspace."""
    __tablename__ = META_TABLE
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SavedScenario(Base):
    """A scenario as saved: ``name`` is the author-given name, unique in the workspace;
    ``scenario_name`` the name inside the YAML; ``hash`` the content hash of every input a solve
    reads (``model.inputs.scenario.scenario_hash``; for a futures file, of its text)."""
    __tablename__ = "hubplan_scenario"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    scenario_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # "scenario" or "futures" (a stochastic run's input)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("hubplan_scenario.id"))
    yaml: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str] = mapped_column(Text)  # "app", or the file the CLI read
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Run(Base):
    """One solved run of a saved scenario: from the app, ``solve``, ``batch``, ``sweep`` or ``stochastic``."""
    __tablename__ = "hubplan_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("hubplan_scenario.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # app | solve | batch | sweep | stochastic
    command: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(80))
    objective: Mapped[float | None] = mapped_column(Float)
    kpis: Mapped[dict] = mapped_column(JSON)  # kpi_row (or the stochastic answers), non-finite → null
    timings: Mapped[dict] = mapped_column(JSON)
    versions: Mapped[dict] = mapped_column(JSON)
    results_sha256: Mapped[str | None] = mapped_column(String(64))  # of the uncompressed file; None: KPIs only
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ResultsFile(Base):
    """A run's results.nc, zlib-compressed (a reference run: 228 kB → 49 kB). In its own table so
    that listing runs never reads the files."""
    __tablename__ = "hubplan_results"
    run_id: Mapped[int] = mapped_column(ForeignKey("hubplan_run.id"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)  # uncompressed bytes
    data: Mapped[bytes] = mapped_column(LargeBinary)
