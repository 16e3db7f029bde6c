"""The SQL catalog (SQLAlchemy Core): SQLite embedded by default, PostgreSQL for teams."""

from __future__ import annotations

from ipyartifacts.store.catalog.catalog import Catalog, CommitRequest, ProofLapsedError

__all__ = ["Catalog", "CommitRequest", "ProofLapsedError"]
