"""Choosing which files of a directory go into an artifact: globs and ``.artifactignore``.

``add_dir(path, include=..., exclude=...)`` and ``.artifactignore`` files use gitignore
pattern semantics (via ``pathspec``), matched against paths relative to the directory
being added, with ``/`` between folders:

- ``*.csv`` matches at any depth; ``data/*.csv`` only directly under ``data/``;
  ``**/raw/*`` any ``raw`` folder; a trailing ``/`` (``logs/``) matches folders only.
- A file is taken when it matches one of ``include`` (or ``include`` is None), matches
  none of ``exclude``, and is not ignored by an ``.artifactignore``.
- ``.artifactignore`` files work like ``.gitignore``: one in any folder applies to the
  paths below that folder, later and deeper rules win, ``!pattern`` re-includes, and an
  ignored folder is not walked at all (so ``.venv/`` costs nothing). The
  ``.artifactignore`` files themselves are never added.
"""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

__all__ = ["IGNORE_FILE", "Patterns", "select_files", "walk_files"]

IGNORE_FILE = ".artifactignore"

Patterns = str | Iterable[str] | None


def _spec(patterns: Patterns, what: str) -> GitIgnoreSpec | None:
    if patterns is None:
        return None
    lines = [patterns] if isinstance(patterns, str) else list(patterns)
    for line in lines:
        if not isinstance(line, str):
            raise TypeError(
                f"{what} must be a glob string or a list of glob strings, "
                f"got an item of type {type(line).__name__}."
            )
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _read_ignore(folder: Path) -> GitIgnoreSpec | None:
    path = folder / IGNORE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(text.splitlines())


class _IgnoreRules:
    """The ``.artifactignore`` files met on the way down, each with the folder it sits in."""

    def __init__(self) -> None:
        self._specs: dict[str, GitIgnoreSpec] = {}  # folder rel path ("" = root) -> spec

    def load(self, rel_folder: str, folder: Path) -> None:
        spec = _read_ignore(folder)
        if spec is not None:
            self._specs[rel_folder] = spec

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether ``rel`` is ignored: the last rule that says anything wins (deepest file last)."""
        verdict: bool | None = None
        parts = rel.split("/")
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            spec = self._specs.get(base)
            if spec is None:
                continue
            below = "/".join(parts[depth:])
            said = _dir_verdict(spec, below) if is_dir else spec.check_file(below).include
            if said is not None:
                verdict = said
        return bool(verdict)


def _dir_verdict(spec: GitIgnoreSpec, rel_dir: str) -> bool | None:
    """What ``spec`` says about the folder ``rel_dir`` itself: git's plain last-match rule.

    (``GitIgnoreSpec.match_file`` is right for files, but lets a file pattern such as
    ``*`` outrank a later ``!*/`` on a folder; for folders the last matching line wins.)
    """
    verdict: bool | None = None
    path = rel_dir.rstrip("/") + "/"
    for pattern in spec.patterns:
        if pattern.include is not None and pattern.match_file(path) is not None:
            verdict = bool(pattern.include)
    return verdict


def walk_files(root: Path, *, honour_ignore: bool = True) -> Iterator[str]:
    """Relative posix paths of the files under ``root``, in no particular order.

    Symlinks to files are followed; symlinks to folders are not (a loop would never end);
    sockets, fifos and devices are skipped. With ``honour_ignore``, ``.artifactignore``
    files are applied and ignored folders are not entered.
    """
    rules = _IgnoreRules()
    stack = [("", root)]
    while stack:
        rel, folder = stack.pop()
        if honour_ignore:
            rules.load(rel.rstrip("/"), folder)
        with os.scandir(folder) as it:
            for item in it:
                sub = f"{rel}{item.name}"
                if item.is_dir(follow_symlinks=False):
                    if not (honour_ignore and rules.ignored(sub, is_dir=True)):
                        stack.append((sub + "/", Path(item.path)))
                    continue
                if honour_ignore and item.name == IGNORE_FILE:
                    continue
                if item.is_file(follow_symlinks=True):
                    if not (honour_ignore and rules.ignored(sub, is_dir=False)):
                        yield sub
                elif item.is_symlink():
                    continue  # dangling link or link to a folder
                elif not stat_mod.S_ISREG(item.stat(follow_symlinks=False).st_mode):
                    continue  # sockets, fifos, devices: not data


def select_files(root: Path, include: Patterns = None, exclude: Patterns = None) -> list[str]:
    """The files of ``root`` that ``add_dir`` takes, sorted, as relative posix paths.

    Examples
    --------
    >>> select_files(Path("data"), include=["*.csv"], exclude="tmp/")  # doctest: +SKIP
    ['train.csv', 'val/part-0.csv']
    """
    include_spec = _spec(include, "include")
    exclude_spec = _spec(exclude, "exclude")
    chosen = []
    for rel in walk_files(root):
        if include_spec is not None and not include_spec.match_file(rel):
            continue
        if exclude_spec is not None and _excluded(exclude_spec, rel):
            continue
        chosen.append(rel)
    return sorted(chosen)


def _excluded(spec: GitIgnoreSpec, rel: str) -> bool:
    """Whether ``rel`` or one of its folders is excluded (as in git, an excluded folder's
    files cannot be re-included by a later ``!pattern``)."""
    parts = rel.split("/")
    if any(_dir_verdict(spec, "/".join(parts[:i])) for i in range(1, len(parts))):
        return True
    return bool(spec.match_file(rel))
