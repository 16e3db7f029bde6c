"""Reading ``http(s)://`` URLs for reference entries (standard library only).

The standard library is used rather than obstore's HTTP store because reference URLs
often carry a query string (pre-signed S3/GCS links, API tokens) which an object-store
path cannot express. Errors are translated here: 404/410 become
:class:`~ipyartifacts.errors.ArtifactNotFoundError`, anything else a
:class:`~ipyartifacts.errors.StoreError`, both naming the URL.
"""

from __future__ import annotations

import contextlib
import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any

from ipyartifacts.errors import ArtifactNotFoundError, StoreError

__all__ = ["Chunks", "HttpObject", "head", "open_get"]

TIMEOUT = 60.0
_CHUNK = 1 << 20
_USER_AGENT = "ipyartifacts"


@dataclass(frozen=True)
class HttpObject:
    """What a server says about a URL: its ETag and length (either may be unknown)."""

    url: str
    etag: str | None
    size: int | None


def _request(url: str, method: str) -> urllib.request.Request:
    return urllib.request.Request(
        url,
        method=method,
        headers={"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"},
    )


def _facts(url: str, headers: Message) -> HttpObject:
    length = headers.get("Content-Length")
    size = int(length) if length is not None and length.strip().isdigit() else None
    etag = headers.get("ETag")
    return HttpObject(url=url, etag=etag.strip() if etag else None, size=size)


def _open(url: str, method: str) -> Any:
    try:
        return urllib.request.urlopen(_request(url, method), timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (404, 410):
            raise ArtifactNotFoundError(
                f"{url} does not exist (the server answered {exc.code} {exc.reason}).",
                name=url,
            ) from exc
        raise StoreError(
            f"Reading {url} failed: the server answered {exc.code} {exc.reason}.", store=url
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(f"Cannot reach {url}: {reason}.", store=url) from exc


def head(url: str) -> HttpObject:
    """ETag and length of ``url`` from a HEAD request (a GET's headers if HEAD is refused)."""
    try:
        response = _open(url, "HEAD")
    except StoreError as exc:
        cause = exc.__cause__
        if not (isinstance(cause, urllib.error.HTTPError) and cause.code in (405, 501)):
            raise
        response = _open(url, "GET")
    with contextlib.closing(response):
        return _facts(url, response.headers)


class Chunks:
    """A stream read in chunks; ``close()`` closes it even if iteration never started."""

    def __init__(self, stream: Any, label: str, size: int = _CHUNK) -> None:
        self._stream = stream
        self._label = label
        self._size = size

    def __iter__(self) -> Chunks:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = self._stream.read(self._size)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise StoreError(
                f"Reading {self._label} failed midway: {exc}.", store=self._label
            ) from exc
        if not chunk:
            self.close()
            raise StopIteration
        return bytes(chunk)

    def close(self) -> None:
        self._stream.close()


def open_get(url: str) -> tuple[HttpObject, Chunks]:
    """Start a GET: the response's facts, then its body in chunks (close it when done)."""
    response = _open(url, "GET")
    return _facts(url, response.headers), Chunks(response, url)
