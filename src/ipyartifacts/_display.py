"""The display seam: how lower layers' ``_repr_mimebundle_`` reach the widgets.

Public objects (``api/``) and core results (``core/diff.py``) sit below the widgets layer
and must not import it. Their display hooks call the functions here instead, which import
:mod:`ipyartifacts.widgets._display` only when a front end actually asks for a display, so
``import ipyartifacts`` never imports anywidget and a storage or core module never knows a
widget exists. This module is the one place the layering test (``tests/test_layers.py``)
allows an upward import, and only inside a function.
"""

from __future__ import annotations

from typing import Any


def mimebundle(
    obj: Any, include: Any = None, exclude: Any = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(data, metadata)`` for an Artifact, Run or ArtifactCollection."""
    from ipyartifacts.widgets._display import mimebundle as widgets_mimebundle

    return widgets_mimebundle(obj, include=include, exclude=exclude)


def diff_mimebundle(diff: Any) -> dict[str, Any]:
    """Display data for an ArtifactDiff: text and HTML always, the DiffView in a kernel."""
    from ipyartifacts.widgets._display import diff_mimebundle as widgets_diff_mimebundle

    return widgets_diff_mimebundle(diff)
