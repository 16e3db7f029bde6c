"""Click parameter types of the shared grammar: sizes and ``key=value`` metadata."""

from __future__ import annotations

from typing import Any

import click

from ipyartifacts.frontends.frontend import parse_meta

__all__ = ["MetaType", "SizeType"]


class SizeType(click.ParamType):  # type: ignore[type-arg]
    """A size: ``1048576``, ``500MB`` (powers of 1000) or ``10GiB`` (powers of 1024)."""

    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        from ipyartifacts.core.cache import parse_size

        try:
            return parse_size(str(value).strip())
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class MetaType(click.ParamType):  # type: ignore[type-arg]
    """``key=value``; the value is read as JSON when it parses, else kept as a string."""

    name = "KEY=VALUE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, Any]:
        if isinstance(value, tuple):
            return value
        try:
            ((key, parsed),) = parse_meta([str(value)]).items()
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return key, parsed
