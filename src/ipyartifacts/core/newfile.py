"""``artifact.new_file(name)``: write a file straight into a draft artifact.

The file is written to a temp file in the store's ``tmp/`` folder (same filesystem as
the blobs, so storing it is a copy within one disk) and added when the ``with`` block
ends without an exception; on an exception nothing is added. The temp file is always
removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = ["MODES", "NewFile"]

MODES = ("x", "w", "xb", "wb")


class NewFile:
    """Context manager behind :meth:`Artifact.new_file`; calls ``on_close(path)`` on success."""

    def __init__(
        self,
        mode: str,
        encoding: str | None,
        tmp_dir: Path | None,
        on_close: Callable[[Path], None],
    ) -> None:
        if mode not in MODES:
            raise ValueError(
                f"mode must be one of {', '.join(repr(m) for m in MODES)} ('x' refuses a path "
                f"the artifact already has, 'w' replaces it; add 'b' for bytes), got {mode!r}."
            )
        self._binary = mode.endswith("b")
        if self._binary and encoding is not None:
            raise ValueError("encoding is for text modes; binary mode takes bytes.")
        self._encoding = encoding or "utf-8"
        self._tmp_dir = tmp_dir
        self._on_close = on_close
        self._file: IO[Any] | None = None
        self._path: Path | None = None

    def __enter__(self) -> IO[Any]:
        if self._tmp_dir is not None:
            self._tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._tmp_dir, prefix="new-file-")
        self._path = Path(tmp)
        if self._binary:
            self._file = os.fdopen(fd, "wb")
        else:
            self._file = os.fdopen(fd, "w", encoding=self._encoding, newline="")
        return self._file

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._file is not None
        assert self._path is not None
        try:
            self._file.close()
            if exc_type is None:
                self._on_close(self._path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)
