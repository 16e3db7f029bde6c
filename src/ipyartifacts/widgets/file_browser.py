"""FileBrowser: an artifact version's files as a lazy tree, with a preview of the selected file.

Folders are listed a slice at a time, so versions with 100,000+ files open instantly. Selecting
a file previews it: tables (Parquet, CSV/TSV, JSON Lines, Arrow/Feather) in a TablePreview grid,
PNG/JPEG/GIF/WebP images from their bytes, text/JSON/Markdown as text (the first part), and
anything else as facts plus a download button. Bytes cross as message buffers only.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import anywidget
import traitlets

from ipyartifacts.widgets._arrow_query import describe_columns
from ipyartifacts.widgets._messages import (
    BadRequestError,
    ChildrenResponse,
    DownloadResponse,
    ErrorResponse,
    PreviewResponse,
    Response,
    TreeNode,
)
from ipyartifacts.widgets._static import static_file
from ipyartifacts.widgets._table_source import _SUFFIXES, TableSource, open_table
from ipyartifacts.widgets._table_widget import handle_table_request, no_id_error, request_id

if TYPE_CHECKING:
    from ipyartifacts import Artifact

MAX_CHILDREN = 1000
MAX_TEXT_BYTES = 64 * 1024
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024

#: Image types shown inline, checked against the file's first bytes (never trusted from names).
_IMAGE_MAGIC: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
_TEXT_SUFFIXES = {
    ".txt", ".md", ".markdown", ".json", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".py",
    ".log", ".xml", ".html", ".rst", ".sh", ".js", ".ts", ".r", ".sql", ".tex",
}  # fmt: skip


@dataclass
class _Folder:
    """Children of one folder, and totals of everything under it."""

    folders: dict[str, _Folder] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)
    size: int = 0
    count: int = 0
    _sorted: list[tuple[str, bool]] | None = None

    def listing(self) -> list[tuple[str, bool]]:
        if self._sorted is None:
            self._sorted = [(n, True) for n in sorted(self.folders)] + [
                (n, False) for n in sorted(self.files)
            ]
        return self._sorted


def _image_mime(head: bytes) -> str | None:
    for mime, magics in _IMAGE_MAGIC.items():
        if any(head.startswith(m) for m in magics):
            if mime == "image/webp" and head[8:12] != b"WEBP":
                continue
            return mime
    return None


class FilesController:
    """Answers tree, preview, table-page and download requests for one artifact version.

    Parameters
    ----------
    artifact
        A logged :class:`~ipyartifacts.Artifact` (its manifest and blobs are read).
    """

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact
        self.entries: Mapping[str, Any] = artifact.manifest.entries
        self.root = _Folder()
        for path, entry in self.entries.items():
            folder = self.root
            folder.size += entry.size
            folder.count += 1
            *parents, name = path.split("/")
            for part in parents:
                folder = folder.folders.setdefault(part, _Folder())
                folder.size += entry.size
                folder.count += 1
            folder.files[name] = entry
        self._table: TableSource | None = None
        self._table_id = 0

    # -- requests -----------------------------------------------------------------------------
    def handle(self, content: object) -> tuple[Response, list[bytes]]:
        """Answer one request; malformed ones get an error response, never an exception."""
        rid = request_id(content)
        if rid is None:
            return no_id_error()
        assert isinstance(content, dict)
        try:
            kind = content.get("type")
            if kind == "children":
                return self._children(rid, content), []
            if kind == "preview":
                return self._preview(rid, content.get("path"))
            if kind == "download":
                return self._download(rid, content.get("path"))
            if kind in ("page", "summary"):
                if self._table is None or content.get("table") != self._table_id:
                    raise BadRequestError("that table preview is no longer open")
                return handle_table_request(self._table, content)
            raise BadRequestError(f"unknown request type {kind!r}")
        except BadRequestError as exc:
            return ErrorResponse(type="error", id=rid, message=str(exc)), []

    def _folder(self, path: object) -> _Folder:
        if not isinstance(path, str):
            raise BadRequestError(f"path must be a string, got {path!r}")
        folder = self.root
        for part in [p for p in path.split("/") if p]:
            if part not in folder.folders:
                raise BadRequestError(f"no folder {path!r} in {self.artifact.name}")
            folder = folder.folders[part]
        return folder

    def _children(self, rid: int, content: dict[str, Any]) -> ChildrenResponse:
        path = content.get("path", "")
        folder = self._folder(path)
        offset, limit = content.get("offset", 0), content.get("limit", MAX_CHILDREN)
        for name, value in (("offset", offset), ("limit", limit)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise BadRequestError(f"{name} must be a non-negative integer, got {value!r}")
        assert isinstance(path, str)
        prefix = path.strip("/") + "/" if path.strip("/") else ""
        listing = folder.listing()
        nodes: list[TreeNode] = []
        for name, is_dir in listing[offset : offset + min(limit, MAX_CHILDREN)]:
            if is_dir:
                sub = folder.folders[name]
                nodes.append(
                    TreeNode(
                        name=name,
                        path=prefix + name,
                        dir=True,
                        size=sub.size,
                        count=sub.count,
                        ref=None,
                    )
                )
            else:
                entry = folder.files[name]
                nodes.append(
                    TreeNode(
                        name=name, path=prefix + name, dir=False, size=entry.size, count=1,
                        ref=entry.ref,
                    )
                )  # fmt: skip
        return ChildrenResponse(
            type="children", id=rid, path=prefix.rstrip("/"), offset=offset,
            total=len(listing), nodes=nodes,
        )  # fmt: skip

    def _entry(self, path: object) -> Any:
        if not isinstance(path, str) or path not in self.entries:
            raise BadRequestError(f"no file {path!r} in {self.artifact.name}")
        return self.entries[path]

    def _read(self, digest: str, limit: int) -> bytes:
        client = self.artifact._client
        assert client is not None
        with client.open_blob(digest) as fh:
            data: bytes = fh.read(limit)
        return data

    def _preview(self, rid: int, path: object) -> tuple[PreviewResponse, list[bytes]]:
        entry = self._entry(path)
        assert isinstance(path, str)
        response = PreviewResponse(
            type="preview", id=rid, path=path, kind="facts", size=entry.size,
            digest=entry.digest, ref=entry.ref, mime=None, text=None, truncated=False,
            table=None, columns=[], num_rows=0, note=None, href=None,
        )  # fmt: skip
        if entry.ref is None:
            response["href"] = self._href(entry.digest, path)
        if entry.ref is not None:
            response["note"] = "reference: the bytes live at the URI above, not in the store"
            return response, []
        suffix = PurePosixPath(path).suffix.lower()
        if suffix in _SUFFIXES:
            return self._table_preview(response, entry, suffix), []
        head = self._read(entry.digest, min(entry.size, MAX_TEXT_BYTES))
        mime = _image_mime(head[:16])
        if mime is not None:
            if entry.size > MAX_IMAGE_BYTES:
                response["note"] = f"image larger than {MAX_IMAGE_BYTES // 2**20} MB: not shown"
                return response, []
            response["kind"], response["mime"] = "image", mime
            data = head if entry.size <= len(head) else self._read(entry.digest, entry.size)
            return response, [data]
        text = _as_text(head, suffix)
        if text is not None:
            truncated = entry.size > len(head)
            if suffix == ".json" and not truncated:
                with contextlib.suppress(ValueError):
                    text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            response["kind"], response["text"], response["truncated"] = "text", text, truncated
            response["mime"] = "text/markdown" if suffix in (".md", ".markdown") else "text/plain"
        return response, []

    def _href(self, digest: str, path: str) -> str | None:
        client = self.artifact._client
        if client is None or client.local_blob_path(digest) is None:
            return None
        if not (client.root / "catalog.sqlite").is_file():
            return None  # the server extension serves embedded (SQLite) stores only
        query = urlencode({"store": str(client.root), "name": PurePosixPath(path).name})
        return f"ipyartifacts/blob/{digest}?{query}"

    def _table_preview(self, response: PreviewResponse, entry: Any, suffix: str) -> PreviewResponse:
        client = self.artifact._client
        assert client is not None
        fmt = _SUFFIXES[suffix]
        local = client.local_blob_path(entry.digest)
        try:
            source = open_table(local if local is not None else client.open_blob(entry.digest),
                                format=fmt)  # fmt: skip
        except Exception as exc:  # a damaged or mislabelled file is a preview problem, not a crash
            response["note"] = f"could not read as {fmt}: {exc}"
            return response
        self._table = source
        self._table_id += 1
        response["kind"] = "table"
        response["table"] = self._table_id
        response["columns"] = describe_columns(source.visible_schema)
        response["num_rows"] = source.num_rows
        response["note"] = source.note
        return response

    def _download(self, rid: int, path: object) -> tuple[DownloadResponse, list[bytes]]:
        entry = self._entry(path)
        assert isinstance(path, str)
        if entry.ref is not None:
            raise BadRequestError(f"{path!r} is a reference to {entry.ref}; download it there")
        if entry.size > MAX_DOWNLOAD_BYTES:
            raise BadRequestError(
                f"{path!r} is larger than {MAX_DOWNLOAD_BYTES // 2**20} MB; use "
                "artifact.get_entry(path).download() in Python instead"
            )
        data = self._read(entry.digest, entry.size)
        return DownloadResponse(type="download", id=rid, path=path, size=len(data)), [data]


def _as_text(head: bytes, suffix: str) -> str | None:
    """Decode the first bytes of a file as text, if they look like text."""
    if b"\x00" in head[:8192]:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Cut inside a multi-byte character at the end: keep what decodes.
        if exc.start >= len(head) - 4:
            return head[: exc.start].decode("utf-8")
        if suffix in _TEXT_SUFFIXES:
            return head.decode("utf-8", errors="replace")
        return None


class FileBrowser(anywidget.AnyWidget):
    """Browse an artifact version's files as a tree and preview the selected file.

    Parameters
    ----------
    artifact
        A logged :class:`~ipyartifacts.Artifact`.
    height
        Height of the browser in pixels.

    Attributes
    ----------
    selected : str or None
        The logical path of the selected file; synced with the browser both ways.

    Examples
    --------
    >>> from ipyartifacts import Api                              # doctest: +SKIP
    >>> from ipyartifacts.widgets import FileBrowser             # doctest: +SKIP
    >>> FileBrowser(Api().artifact("my-project/mnist:latest"))   # doctest: +SKIP
    """

    _esm = static_file("file_browser.js")
    _css = static_file("file_browser.css")

    title = traitlets.Unicode("").tag(sync=True)
    file_count = traitlets.Int(0).tag(sync=True)
    total_size = traitlets.Int(0).tag(sync=True)
    height = traitlets.Int(420).tag(sync=True)
    selected = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(self, artifact: Artifact, *, height: int = 420, **kwargs: Any) -> None:
        controller = FilesController(artifact)
        super().__init__(
            title=artifact.qualified_name,
            file_count=controller.root.count,
            total_size=controller.root.size,
            height=height,
            **kwargs,
        )
        self._controller = controller
        self.on_msg(self._on_custom_msg)

    @property
    def controller(self) -> FilesController:
        """The request handler behind this widget."""
        return self._controller

    def handle_request(self, content: object) -> tuple[Response, list[bytes]]:
        """Answer one front-end request (what the widget does with each custom message)."""
        return self._controller.handle(content)

    def _on_custom_msg(self, _widget: object, content: object, _buffers: object) -> None:
        response, buffers = self.handle_request(content)
        self.send(dict(response), buffers)
