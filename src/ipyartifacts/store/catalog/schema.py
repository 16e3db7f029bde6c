"""The catalog's tables (SQLAlchemy Core), portable across SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

schema_migrations = Table(
    "ipa_schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("job_type", String(128)),
    Column("config", Text, nullable=False, default="{}"),
    Column("notes", Text),
    Column("tags", Text, nullable=False, default="[]"),
    Column("host", String(256)),
    Column("provenance", Text, nullable=False, default="{}"),
    Column("state", String(16), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_runs_project", "project_id", "started_at"),
)

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("type", String(128), nullable=False),
    Column("description", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The number the next version gets (migration 3). Writers lock this row, so they
    # queue instead of colliding; it only grows, so deleted versions keep their numbers.
    Column("next_version", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("project_id", "name", name="uq_collection_name"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("collection_id", Integer, ForeignKey("collections.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("manifest_digest", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("file_count", Integer, nullable=False),
    Column("description", Text),
    Column("metadata", Text, nullable=False, default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(32), ForeignKey("runs.id")),
    Column("expires_at", DateTime(timezone=True)),
    Column("state", String(16), nullable=False),  # "committed" | "deleted"
    UniqueConstraint("collection_id", "number", name="uq_version_number"),
    Index("ix_versions_digest", "collection_id", "digest"),
)

aliases = Table(
    "aliases",
    metadata,
    Column("collection_id", Integer, ForeignKey("collections.id"), primary_key=True),
    Column("alias", String(128), primary_key=True),
    Column("version_id", String(32), ForeignKey("versions.id"), nullable=False),
)

tags = Table(
    "version_tags",
    metadata,
    Column("version_id", String(32), ForeignKey("versions.id"), primary_key=True),
    Column("tag", String(128), primary_key=True),
)

usage = Table(
    "usage",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id"), primary_key=True),
    Column("version_id", String(32), ForeignKey("versions.id"), primary_key=True),
    Column("role", String(8), primary_key=True),  # "input" | "output"
    Column("at", DateTime(timezone=True), nullable=False),
    Column("provenance", Text, nullable=False, default="{}"),
    Index("ix_usage_version", "version_id"),
)

edits = Table(
    "edits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", String(32), ForeignKey("versions.id"), nullable=False),
    Column("field", String(32), nullable=False),
    Column("old", Text),
    Column("new", Text),
    Column("by", String(256)),  # run id active when the edit was saved
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(256)),  # "user@host" (migration 2)
    Index("ix_edits_version", "version_id", "id"),
)
