"""The package's layers, held by its imports.

Every module of ``src/ipyartifacts`` belongs to one wing; a wing may import its own modules
and those of the wings below it, never one above. The ranks below are the architecture of
``docs/design.md`` written as data; the test parses every module's imports (ast, so nothing
is run) including those inside functions and under ``TYPE_CHECKING``, and fails naming each
import that runs back up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ipyartifacts

PACKAGE = Path(ipyartifacts.__file__).parent

# Higher ranks may import lower ones. The order is the design's picture, top to bottom.
WINGS: dict[str, int] = {
    "ipyartifacts.__main__": 8,  # `python -m ipyartifacts`
    "ipyartifacts.frontends": 7,  # the click grammar, the commands over the API, CLI, magics
    "ipyartifacts.widgets": 6,  # anywidget views of the public objects
    "ipyartifacts": 5,  # the package's __init__: the public names
    "ipyartifacts.api": 4,  # W&B-shaped public objects: Run, Artifact, Api, collections
    "ipyartifacts.core": 3,  # the Client and every operation: ingest, download, gc, diff, ...
    "ipyartifacts.store": 2,  # catalog/, blobs/, manifest, hashing, paths, names, records
    "ipyartifacts._display": 1,  # the display seam (see SEAMS)
    "ipyartifacts.errors": 1,
    "ipyartifacts._version": 1,
}

# The only upward imports allowed, and only inside a function (so importing the lower layer
# never imports the higher one): the display seam hands ``_repr_mimebundle_`` to the widgets,
# and the IPython extension hook hands ``%load_ext`` to the magics.
SEAMS: dict[str, set[str]] = {
    "ipyartifacts._display": {"ipyartifacts.widgets"},
    # `%load_ext ipyartifacts` calls the package's load_ipython_extension (IPython's rule),
    # which hands over to the magics.
    "ipyartifacts": {"ipyartifacts.frontends.magics"},
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _wing(module: str) -> str:
    """The longest WINGS key that is ``module`` or a parent package of it."""
    best = ""
    for wing in WINGS:
        if (module == wing or module.startswith(wing + ".")) and len(wing) > len(best):
            best = wing
    if not best:
        raise AssertionError(f"{module} belongs to no wing: add it to WINGS in {__file__}")
    return best


def _imports(source: str, module: str, is_pkg: bool) -> list[tuple[int, str, bool]]:
    """(line, imported module, inside a function) for every import of the package."""
    tree = ast.parse(source)
    out: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                out.extend((child.lineno, a.name, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".") if is_pkg else module.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    target = child.module or ""
                # `from pkg import sub` imports the submodule when there is one.
                for alias in child.names:
                    sub = f"{target}.{alias.name}"
                    is_module = (PACKAGE.parent / Path(*sub.split("."))).with_suffix(
                        ".py"
                    ).exists() or (PACKAGE.parent / Path(*sub.split(".")) / "__init__.py").exists()
                    out.append((child.lineno, sub if is_module else target, in_function))
            visit(child, nested)

    visit(tree, False)
    return [(line, name, f) for line, name, f in out if name.split(".")[0] == "ipyartifacts"]


def _violations() -> list[str]:
    bad: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        wing = _wing(module)
        source = path.read_text(encoding="utf-8")
        for line, target, in_function in _imports(source, module, path.name == "__init__.py"):
            target_wing = _wing(target)
            if WINGS[target_wing] <= WINGS[wing]:
                continue
            if in_function and any(
                target == s or target.startswith(s + ".") for s in SEAMS.get(module, ())
            ):
                continue
            rel = path.relative_to(PACKAGE.parent)
            bad.append(f"{rel}:{line}: {wing} imports {target} (wing {target_wing}, higher)")
    return bad


def test_no_import_runs_back_up() -> None:
    assert _violations() == []


def test_every_module_has_a_wing() -> None:
    for path in PACKAGE.rglob("*.py"):
        _wing(_module_name(path))  # raises naming the module


@pytest.mark.parametrize(
    ("source", "expect"),
    [
        ("from ipyartifacts.widgets import ArtifactView\n", True),
        ("def f():\n    from ipyartifacts.frontends import ops\n", True),
        ("if TYPE_CHECKING:\n    from ipyartifacts.api.run import Run\n", True),
        ("from ..api import artifact\n", True),
        ("from ipyartifacts.store.paths import safe_destination\n", False),
        ("from ipyartifacts import errors\n", False),
        ("from ..store import manifest\n", False),
    ],
)
def test_the_checker_sees_upward_imports(source: str, expect: bool) -> None:
    """The checker itself: an upward import from a core module is found wherever it stands."""
    found = [
        target
        for _, target, _ in _imports(source, "ipyartifacts.core.client", False)
        if WINGS[_wing(target)] > WINGS["ipyartifacts.core"]
    ]
    assert bool(found) is expect
