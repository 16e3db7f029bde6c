"""Layout blocks and their renderings: plain aligned text and escaped HTML.

Results (:mod:`ipyartifacts.frontends.results`) describe what to show as a few blocks (key/value
pairs, a grid, a line); this module turns them into text (terminal IPython, piped CLI
output) and HTML (notebooks). Every string goes through :func:`html.escape` before it
reaches HTML; notebook displays cut grids at :data:`DISPLAY_LIMIT` rows.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Union

__all__ = [
    "DISPLAY_LIMIT",
    "Block",
    "Grid",
    "KeyValues",
    "Line",
    "format_size",
    "render_html",
    "render_text",
]


# -- layout blocks ------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyValues:
    """A titled list of ``key: value`` pairs."""

    title: str
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Grid:
    """A titled table: column names and rows of cells (strings)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = "(none)"


@dataclass(frozen=True)
class Line:
    """One line of text; ``style`` is ``"info"``, ``"ok"`` or ``"warn"``."""

    text: str
    style: str = "info"


Block = Union[KeyValues, Grid, Line]  # noqa: UP007 (a runtime alias on Python 3.10)


_SIZE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def _fixed(value: float, places: int) -> str:
    """``value`` to ``places`` decimals as JavaScript's ``toFixed`` does (exact halves go up)."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def format_size(size: int | None) -> str:
    """``1536`` -> ``"1.5 kB"``: decimal units, the one convention of text and widgets.

    Powers of 1000 (like ``ls -h --si`` and W&B), one decimal below 10, none above. The
    widgets' ``formatBytes`` (js/lib/format.ts) is the same function: change both together.

    Examples
    --------
    >>> format_size(0), format_size(1536), format_size(5 * 1024**3), format_size(None)
    ('0 B', '1.5 kB', '5.4 GB', '-')
    """
    if size is None:
        return "-"
    if abs(size) < 1000:
        return f"{size} B"
    value = float(abs(size))
    text = ""
    unit = 0
    while unit < len(_SIZE_UNITS) - 1:
        value /= 1000
        unit += 1
        tenths = _fixed(value, 1)
        text = tenths if float(tenths) < 10 else _fixed(value, 0)
        if float(text) < 1000:  # 999,999 B is "1.0 MB", not "1000 kB"
            break
    return f"{'-' if size < 0 else ''}{text} {_SIZE_UNITS[unit]}"


def short_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"


def iso_time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- rendering ----------------------------------------------------------------------------


# Rows a notebook display shows per table; the CLI prints everything, --json has everything.
DISPLAY_LIMIT = 200


def _capped(blocks: Iterable[Block], limit: int | None) -> list[Block]:
    """Cut every grid to ``limit`` rows, saying how many more there are."""
    out: list[Block] = []
    for block in blocks:
        if limit is not None and isinstance(block, Grid) and len(block.rows) > limit:
            out.append(Grid(block.title, block.columns, block.rows[:limit], block.empty))
            out.append(Line(f"... and {len(block.rows) - limit:,} more (--json lists them all)"))
        else:
            out.append(block)
    return out


def render_text(blocks: Iterable[Block], limit: int | None = None) -> str:
    """Blocks as plain aligned text (terminal IPython, logs, ``repr``); grids cut at ``limit``."""
    out: list[str] = []
    for block in _capped(blocks, limit):
        if isinstance(block, Line):
            out.append(block.text)
        elif isinstance(block, KeyValues):
            if block.title:
                out.append(block.title)
            width = max((len(k) for k, _ in block.pairs), default=0)
            out.extend(f"  {k.ljust(width)}  {v}" for k, v in block.pairs)
        else:
            if block.title:
                out.append(block.title)
            if not block.rows:
                out.append(f"  {block.empty}")
                continue
            widths = [len(c) for c in block.columns]
            for row in block.rows:
                widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
            out.append(
                "  "
                + "  ".join(c.ljust(w) for c, w in zip(block.columns, widths, strict=True)).rstrip()
            )
            out.extend(
                "  "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip()
                for row in block.rows
            )
    return "\n".join(out)


# Two classes in every selector: JupyterLab's own rules for rendered HTML tables
# (right-aligned, striped rows, centred headers) are one class and two elements.
_CSS = (
    "<style>.ipa-r{font-family:var(--jp-ui-font-family,sans-serif);font-size:13px}"
    ".ipa-r .ipa-g{border-collapse:collapse;margin:2px 0 8px 0;border:none}"
    ".ipa-r .ipa-g tr,.ipa-r .ipa-g tbody tr:nth-child(odd){background:transparent}"
    ".ipa-r .ipa-g th,.ipa-r .ipa-g td{text-align:left;padding:2px 12px 2px 0;"
    "vertical-align:top;border:none;white-space:pre-wrap}"
    ".ipa-r .ipa-g th{border-bottom:1px solid #8884;font-weight:600}"
    ".ipa-r .ipa-k{opacity:.7}.ipa-r .ipa-t{font-weight:600;margin-top:4px}"
    ".ipa-r .ipa-ok{color:#1a7f37}.ipa-r .ipa-warn{color:#b35900}</style>"
)


def render_html(blocks: Iterable[Block], limit: int | None = DISPLAY_LIMIT) -> str:
    """Blocks as self-contained HTML, grids cut at ``limit`` rows; every string is escaped."""
    esc = html.escape
    parts = [_CSS, '<div class="ipa-r">']
    for block in _capped(blocks, limit):
        if isinstance(block, Line):
            parts.append(f'<div class="ipa-{esc(block.style)}">{esc(block.text)}</div>')
        elif isinstance(block, KeyValues):
            if block.title:
                parts.append(f'<div class="ipa-t">{esc(block.title)}</div>')
            rows = "".join(
                f'<tr><td class="ipa-k">{esc(k)}</td><td>{esc(v)}</td></tr>' for k, v in block.pairs
            )
            parts.append(f'<table class="ipa-g">{rows}</table>')
        else:
            if block.title:
                parts.append(f'<div class="ipa-t">{esc(block.title)}</div>')
            if not block.rows:
                parts.append(f'<div class="ipa-k">{esc(block.empty)}</div>')
                continue
            head = "".join(f"<th>{esc(c)}</th>" for c in block.columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
                for row in block.rows
            )
            parts.append(
                f'<table class="ipa-g"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            )
    parts.append("</div>")
    return "".join(parts)
