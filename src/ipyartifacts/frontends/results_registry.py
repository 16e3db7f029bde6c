"""What the registry commands return: registries, one registry, and its alias history.

Like every result (:mod:`ipyartifacts.frontends.results`): ``to_data()`` for ``--json``,
``blocks()`` for text and escaped HTML. Links themselves are shown with
:class:`~ipyartifacts.frontends.results.VersionView` and ``VersionsView``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ipyartifacts.frontends.render import Block, Grid, KeyValues, iso_time, short_time
from ipyartifacts.frontends.results import Result

__all__ = ["AliasMovesView", "RegistriesView", "RegistryInfo", "RegistryView"]


@dataclass(frozen=True)
class RegistryInfo:
    """One registry, as the commands show it."""

    name: str
    full_name: str
    description: str | None
    visibility: str
    artifact_types: tuple[str, ...] | None  # None: any type
    protected_aliases: tuple[str, ...]
    collections: tuple[tuple[str, str, int, str | None], ...]  # name, type, links, latest
    created_at: datetime | None

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "full_name": self.full_name,
            "description": self.description,
            "visibility": self.visibility,
            "artifact_types": None if self.artifact_types is None else list(self.artifact_types),
            "protected_aliases": list(self.protected_aliases),
            "collections": [
                {"name": n, "type": t, "versions": c, "latest": latest}
                for n, t, c, latest in self.collections
            ],
            "created_at": iso_time(self.created_at),
        }

    def types_text(self) -> str:
        return "any" if self.artifact_types is None else ", ".join(self.artifact_types)


@dataclass(frozen=True, repr=False)
class RegistriesView(Result):
    """Every registry of the store (``registry ls``)."""

    registries: tuple[RegistryInfo, ...]

    def _summary(self) -> str:
        return f"{len(self.registries)} registries"

    def __len__(self) -> int:
        return len(self.registries)

    def to_data(self) -> list[dict[str, Any]]:
        return [r.to_data() for r in self.registries]

    def blocks(self) -> list[Block]:
        rows = tuple(
            (
                r.full_name,
                r.types_text(),
                str(len(r.collections)),
                r.visibility,
                r.description or "",
            )
            for r in self.registries
        )
        cols = ("registry", "types", "collections", "visibility", "description")
        return [Grid(f"{len(rows)} registries", cols, rows)]


@dataclass(frozen=True, repr=False)
class RegistryView(Result):
    """One registry and its collections (``registry show``, ``registry create``)."""

    registry: RegistryInfo
    note: str | None = None
    #: The Registry itself, for the widget (None: text and HTML only).
    source: Any = field(default=None, compare=False)

    def _summary(self) -> str:
        return self.registry.full_name

    def widget(self) -> Any:
        if self.source is None:
            return None
        from ipyartifacts.widgets import RegistryView as RegistryWidget

        return RegistryWidget(self.source)

    def to_data(self) -> dict[str, Any]:
        return self.registry.to_data()

    def blocks(self) -> list[Block]:
        r = self.registry
        pairs = (
            ("description", r.description or "-"),
            ("visibility", r.visibility),
            ("types", r.types_text()),
            ("protected aliases", ", ".join(r.protected_aliases) or "-"),
            ("created", short_time(r.created_at)),
        )
        rows = tuple((n, t, str(c), latest or "-") for n, t, c, latest in r.collections)
        out: list[Block] = [
            KeyValues(r.full_name if not self.note else f"{r.full_name}: {self.note}", pairs),
            Grid(
                f"{len(rows)} collection(s)",
                ("collection", "type", "versions", "latest"),
                rows,
                empty=f"(empty: link a version with `link NAME:V {r.full_name}/COLLECTION`)",
            ),
        ]
        return out


@dataclass(frozen=True, repr=False)
class AliasMovesView(Result):
    """Recorded alias moves of a registry (``registry history``)."""

    registry: str
    moves: tuple[tuple[str, str, str | None, str | None, bool, str | None, datetime], ...]

    def _summary(self) -> str:
        return f"{self.registry}: {len(self.moves)} alias moves"

    def __len__(self) -> int:
        return len(self.moves)

    def to_data(self) -> list[dict[str, Any]]:
        return [
            {
                "collection": c,
                "alias": a,
                "from": old,
                "to": new,
                "forced": forced,
                "actor": who,
                "at": iso_time(at),
            }
            for c, a, old, new, forced, who, at in self.moves
        ]

    def blocks(self) -> list[Block]:
        rows = tuple(
            (
                short_time(at),
                c,
                a,
                old or "-",
                new or "-",
                "yes" if forced else "",
                who or "",
            )
            for c, a, old, new, forced, who, at in self.moves
        )
        cols = ("when", "collection", "alias", "from", "to", "forced", "by")
        return [Grid(f"{self.registry}: {len(rows)} alias move(s)", cols, rows)]
