"""ipyartifacts' W&B surface, held against a snapshot of wandb's own.

``wandb_surface.json`` is made by ``scripts/wandb_surface.py`` (wandb in a throwaway
virtualenv; never a dependency). For every W&B name it records property vs method and the
parameter names and defaults; here each is looked up on the matching ipyartifacts object
and judged present and signature-compatible: a W&B call written with positional or keyword
arguments binds the same way here, and what W&B makes optional is optional here.

``FLOOR`` is the number of compatible names today: the test fails when that falls (a
regression), and prints what is still missing so each release can raise it.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipyartifacts

SNAPSHOT = json.loads((Path(__file__).parent / "wandb_surface.json").read_text(encoding="utf-8"))

# How many of the snapshot's names are present and compatible. Raise it when more are.
FLOOR = 207

# Where each snapshot label lives in ipyartifacts (None: not built yet).
TARGETS: dict[str, Any] = {
    "module": ipyartifacts,
    "Artifact": ipyartifacts.Artifact,
    "Run": ipyartifacts.Run,
    "Api": ipyartifacts.Api,
    "PublicRun": ipyartifacts.Run,  # Api().run() returns the same Run class, read-only
    "ArtifactManifestEntry": ipyartifacts.ArtifactManifestEntry,
    "ArtifactCollection": ipyartifacts.ArtifactCollection,
    "ArtifactType": ipyartifacts.ArtifactType,
    "Registry": getattr(ipyartifacts, "Registry", None),
    "Table": getattr(ipyartifacts, "Table", None),
}


@dataclass(frozen=True)
class Verdict:
    label: str
    name: str
    problem: str | None  # None: present and compatible

    def __str__(self) -> str:
        return f"{self.label}.{self.name}: {self.problem}"


def _static(target: Any, name: str) -> Any:
    try:
        return inspect.getattr_static(target, name)
    except AttributeError:
        return None


def _has_attribute(target: Any, name: str) -> bool:
    if _static(target, name) is not None or hasattr(target, name):
        return True
    annotations: dict[str, Any] = {}
    for klass in getattr(target, "__mro__", ()):
        annotations.update(getattr(klass, "__annotations__", {}))
    return name in annotations


def _params_problem(theirs: list[dict[str, Any]] | None, ours: Any) -> str | None:
    if theirs is None:
        return None
    try:
        sig = inspect.signature(ours)
    except (TypeError, ValueError):
        return None
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    has_kwargs = any(p.kind is p.VAR_KEYWORD for p in params)
    has_args = any(p.kind is p.VAR_POSITIONAL for p in params)
    by_name = {p.name: p for p in params}
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    their_positional = [
        t["name"] for t in theirs if t["kind"] in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
    ]
    for t in theirs:
        if t["kind"] in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            continue
        mine = by_name.get(t["name"])
        if mine is None:
            if t["kind"] == "POSITIONAL_ONLY" or has_kwargs:
                continue
            return f"no parameter {t['name']!r}"
        if not t["required"] and mine.default is inspect.Parameter.empty:
            return f"parameter {t['name']!r} is optional in W&B, required here"
    if their_positional[: len(positional)] != positional[: len(their_positional)] and not has_args:
        return f"positional order {positional} differs from W&B's {their_positional}"
    return None


def _judge(label: str, name: str, theirs: dict[str, Any]) -> Verdict:
    target = TARGETS[label]
    if target is None:
        return Verdict(label, name, "the whole object is missing")
    if name == "__init__":
        ours = target.__init__ if inspect.isclass(target) else None
        problem = _params_problem(theirs.get("params"), ours) if ours else None
        return Verdict(label, name, problem)
    if not _has_attribute(target, name):
        return Verdict(label, name, "missing")
    kind = theirs["kind"]
    raw = _static(target, name)
    if kind == "property":
        if callable(raw) and not isinstance(raw, property):
            return Verdict(label, name, "a method here, a property in W&B")
        if theirs.get("settable") and isinstance(raw, property) and raw.fset is None:
            return Verdict(label, name, "read-only here, settable in W&B")
        return Verdict(label, name, None)
    if kind in ("method", "function", "class"):
        value = getattr(target, name, None)
        if isinstance(raw, property) or not callable(value):
            return Verdict(label, name, f"not callable here, a {kind} in W&B")
        if kind == "class":
            value = value.__init__
        return Verdict(label, name, _params_problem(theirs.get("params"), value))
    return Verdict(label, name, None)  # an attribute: present is enough


def verdicts() -> list[Verdict]:
    return [
        _judge(label, name, theirs)
        for label, members in sorted(SNAPSHOT.items())
        if label != "_meta"
        for name, theirs in sorted(members.items())
    ]


def test_wandb_surface_does_not_regress() -> None:
    results = verdicts()
    good = [v for v in results if v.problem is None]
    missing = "\n".join(str(v) for v in results if v.problem is not None)
    print(f"{len(good)} of {len(results)} W&B names present and compatible; the rest:\n{missing}")
    assert len(good) >= FLOOR, missing


def test_the_judge_catches_incompatible_signatures() -> None:
    """The comparison itself: renamed, reordered and newly required parameters are caught."""

    def theirs(*names: str) -> list[dict[str, Any]]:
        return [
            {"name": n, "kind": "POSITIONAL_OR_KEYWORD", "default": "None", "required": False}
            for n in names
        ]

    def same(a: Any = None, b: Any = None) -> None: ...
    def renamed(a: Any = None, c: Any = None) -> None: ...
    def swapped(b: Any = None, a: Any = None) -> None: ...
    def required(a: Any, b: Any = None) -> None: ...
    def extra(a: Any = None, b: Any = None, c: Any = None) -> None: ...

    assert _params_problem(theirs("a", "b"), same) is None
    assert _params_problem(theirs("a", "b"), extra) is None
    assert _params_problem(theirs("a", "b"), renamed) == "no parameter 'b'"
    assert "positional order" in str(_params_problem(theirs("a", "b"), swapped))
    assert "required here" in str(_params_problem(theirs("a", "b"), required))
