"""The catalog's tables (SQLAlchemy Core), portable across SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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


# -- registries (migration 4) ----------------------------------------------------------------

registries = Table(
    "registries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(128), nullable=False, unique=True),  # without "wandb-registry-"
    Column("description", Text),
    Column("visibility", String(16), nullable=False),
    Column("allow_all_types", Boolean, nullable=False),
    Column("artifact_types", Text, nullable=False, default="[]"),  # JSON list, add-only
    Column("organization", String(128), nullable=False),
    Column("builtin", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True)),
)

registry_members = Table(
    "registry_members",
    metadata,
    Column("registry_id", String(32), ForeignKey("registries.id"), primary_key=True),
    Column("kind", String(8), primary_key=True),  # "user" | "team"
    Column("member", String(256), primary_key=True),
    Column("role", String(32), nullable=False),
)

protected_aliases = Table(
    "registry_protected_aliases",
    metadata,
    Column("registry_id", String(32), ForeignKey("registries.id"), primary_key=True),
    Column("alias", String(128), primary_key=True),
)

registry_collections = Table(
    "registry_collections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("registry_id", String(32), ForeignKey("registries.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("type", String(128), nullable=False),
    Column("description", Text),
    Column("tags", Text, nullable=False, default="[]"),  # JSON list
    # The next link number: taken with UPDATE ... RETURNING inside the linking transaction,
    # so concurrent linkers queue on this row and numbers stay consecutive.
    Column("next_number", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True)),
    UniqueConstraint("registry_id", "name", name="uq_registry_collection_name"),
)

links = Table(
    "links",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("collection_id", Integer, ForeignKey("registry_collections.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("version_id", String(32), ForeignKey("versions.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(32), ForeignKey("runs.id")),
    Column("actor", String(256)),
    UniqueConstraint("collection_id", "number", name="uq_link_number"),
    UniqueConstraint("collection_id", "version_id", name="uq_link_version"),
    Index("ix_links_version", "version_id"),
)

link_aliases = Table(
    "link_aliases",
    metadata,
    Column("collection_id", Integer, ForeignKey("registry_collections.id"), primary_key=True),
    Column("alias", String(128), primary_key=True),
    Column("link_id", String(32), ForeignKey("links.id"), nullable=False),
)

alias_moves = Table(
    "registry_alias_moves",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("collection_id", Integer, ForeignKey("registry_collections.id"), nullable=False),
    Column("alias", String(128), nullable=False),
    Column("old_number", Integer),
    Column("new_number", Integer),
    Column("forced", Boolean, nullable=False, default=False),
    Column("run_id", String(32)),
    Column("actor", String(256)),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_alias_moves_collection", "collection_id", "id"),
)

REGISTRY_TABLES = [
    registries,
    registry_members,
    protected_aliases,
    registry_collections,
    links,
    link_aliases,
    alias_moves,
]

# -- migration 5: W&B parity (run history and info, collection info, distributed parts) --

run_history = Table(
    "run_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(32), ForeignKey("runs.id"), nullable=False),
    Column("step", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("data", Text, nullable=False),  # JSON object of the metrics logged at this step
    UniqueConstraint("run_id", "step", name="uq_run_history_step"),
)

run_info = Table(
    "run_info",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id"), primary_key=True),
    Column("run_group", String(256)),
    Column("summary", Text, nullable=False, default="{}"),  # JSON: last value of each key
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

collection_info = Table(
    "collection_info",
    metadata,
    Column("collection_id", Integer, ForeignKey("collections.id"), primary_key=True),
    Column("tags", Text, nullable=False, default="[]"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

distributed_parts = Table(
    "distributed_parts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("distributed_id", String(256), nullable=False),
    Column("type", String(128), nullable=False),
    Column("run_id", String(32), ForeignKey("runs.id"), nullable=False),
    Column("entries", Text, nullable=False),  # JSON {path: entry json}
    Column("aliases", Text, nullable=False, default="[]"),
    Column("description", Text),
    Column("metadata", Text, nullable=False, default="{}"),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_distributed_parts", "project_id", "name", "distributed_id"),
)
