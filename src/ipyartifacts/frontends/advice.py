"""Error advice in each front end's grammar.

The library's errors end with how to fix them, said in Python:
``delete(delete_aliases=True)``, ``init(store=...)``, ``overwrite=True``. A CLI or
``%artifact`` user cannot type those; they need the flag, the option or the command
that does the same thing. :func:`in_grammar` re-words an error for a front end: each
:class:`Advice` names an error class and the Python phrase its message uses, and how
the CLI and the magic say it. The Python API keeps the library's words unchanged.

This is the one place front-end advice lives: a new message that names a Python call
and is reachable from a command gets a row in :data:`ADVICE` (and a test that triggers
it through the CLI), rather than a second wording at the raise site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipyartifacts.errors import (
    ArtifactError,
    ArtifactStateError,
    DuplicateEntryError,
    InvalidMetadataError,
    StoreError,
)

__all__ = ["ADVICE", "Advice", "in_grammar"]

#: The program name each front end's commands are typed after.
PROGRAMS = {"cli": "ipyartifacts", "magic": "%artifact"}


@dataclass(frozen=True)
class Advice:
    """One piece of Python advice and how the command front ends say it.

    Attributes
    ----------
    error : type
        The error class whose messages carry the advice (subclasses match too).
    python : str
        A regular expression matching the Python advice in the message.
    command : str
        The replacement in the command grammar (``re.sub`` template); ``{prog}`` is
        the program the user types (``ipyartifacts`` or ``%artifact``).
    """

    error: type[ArtifactError]
    python: str
    command: str

    def apply(self, message: str, prog: str) -> str:
        """``message`` with the Python advice replaced by the command's (if present)."""
        replacement = self.command.replace("{prog}", prog)
        return re.sub(self.python, lambda m: m.expand(replacement), message)


ADVICE: tuple[Advice, ...] = (
    # rm on a version that aliases point at (store/catalog/queries.py).
    Advice(
        ArtifactStateError,
        re.escape("call delete(delete_aliases=True) to remove them with it"),
        "rerun with --delete-aliases to remove them with it",
    ),
    # A store directory that cannot be created (core/client.py): a file, no permission.
    Advice(
        StoreError,
        re.escape("Set IPYARTIFACTS_STORE or pass init(store=...) to a writable directory"),
        "Pass --store DIR before the command ({prog} --store DIR COMMAND ...) or set "
        "IPYARTIFACTS_STORE, naming a writable directory",
    ),
    # gc cannot read a live version's manifest (core/gc.py).
    Advice(
        StoreError,
        re.escape("Delete that version (artifact.delete())"),
        "Delete that version ({prog} rm NAME:vN --delete-aliases)",
    ),
    # log with two PATHs that land on the same logical path (api/building.py).
    Advice(
        DuplicateEntryError,
        re.escape("Pass overwrite=True to replace it, or add it under another name."),
        "Two PATHs would both be logged there: rename one, or log them as separate artifacts.",
    ),
    # --meta key=NaN: json reads NaN and Infinity, strict JSON has neither (store/names.py).
    Advice(
        InvalidMetadataError,
        re.escape("Store None or a string instead."),
        "Write null or a quoted string instead (--meta 'KEY=\"NaN\"').",
    ),
    # use --table on a reference or on a file that is not a table (core/tables.py).
    Advice(
        ArtifactStateError,
        r"download it with artifact\.get_entry\(('[^']*'|\"[^\"]*\")\)\.download\(\) and read "
        r"it from there",
        "download it without --table ({prog} get NAME:V) and read it from there",
    ),
    Advice(
        ArtifactStateError,
        r"Use artifact\.get_entry\(('[^']*'|\"[^\"]*\")\)\.download\(\) to get the file",
        "Leave out --table to download the files ({prog} get NAME:V)",
    ),
)


def in_grammar(exc: ArtifactError, frontend: str) -> str:
    """The message of ``exc`` as front end ``frontend`` (``"cli"`` or ``"magic"``) says it.

    Any other front end (the Python API) gets the message unchanged.
    """
    message = str(exc)
    prog = PROGRAMS.get(frontend)
    if prog is None:
        return message
    for advice in ADVICE:
        if isinstance(exc, advice.error):
            message = advice.apply(message, prog)
    return message
