"""Notebook widgets for ipyartifacts (anywidget front ends built from ``js/``).

Widgets are imported on first use, so ``import ipyartifacts.widgets`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipyartifacts.widgets.artifact_view import ArtifactView
    from ipyartifacts.widgets.diff_view import DiffView
    from ipyartifacts.widgets.file_browser import FileBrowser
    from ipyartifacts.widgets.lineage_graph import LineageGraph
    from ipyartifacts.widgets.registry_view import RegistryView
    from ipyartifacts.widgets.table_preview import TablePreview
    from ipyartifacts.widgets.version_table import VersionTable

__all__ = [
    "ArtifactView",
    "DiffView",
    "FileBrowser",
    "LineageGraph",
    "RegistryView",
    "TablePreview",
    "VersionTable",
]

_LAZY = {
    "ArtifactView": "ipyartifacts.widgets.artifact_view",
    "DiffView": "ipyartifacts.widgets.diff_view",
    "FileBrowser": "ipyartifacts.widgets.file_browser",
    "LineageGraph": "ipyartifacts.widgets.lineage_graph",
    "RegistryView": "ipyartifacts.widgets.registry_view",
    "TablePreview": "ipyartifacts.widgets.table_preview",
    "VersionTable": "ipyartifacts.widgets.version_table",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ipyartifacts.widgets' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
