"""Notebook widgets for ipyartifacts (anywidget front ends built from ``js/``).

Widgets are imported on first use, so ``import ipyartifacts.widgets`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipyartifacts.widgets.table_preview import TablePreview

__all__ = ["TablePreview"]

_LAZY = {
    "TablePreview": "ipyartifacts.widgets.table_preview",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ipyartifacts.widgets' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
