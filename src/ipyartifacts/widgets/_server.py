"""Jupyter server extension: stream stored files for download links in JupyterLab / Notebook 7.

Widget messages carry downloads up to a size cap everywhere (Colab, VS Code included). Where
this extension is enabled (``jupyter-config/`` turns it on when the wheel is installed), the
FileBrowser links to ``<base_url>ipyartifacts/blob/<digest>?store=<dir>&name=<file>`` instead,
and the server streams the blob in chunks, so any size downloads without passing through the
kernel. Requests need a logged-in Jupyter user allowed to read contents; only blobs of an
existing local store are served, addressed by their BLAKE3 digest.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "ipyartifacts.widgets._server"}]


def blob_path(store: str, digest: str) -> Path | None:
    """The local file of blob ``digest`` in the embedded store at ``store``, if there is one.

    Parameters
    ----------
    store
        Absolute path of a store directory (it must already hold ``catalog.sqlite``: nothing
        is ever created here).
    digest
        64 lowercase hex characters.
    """
    if not _DIGEST.match(digest) or not store:
        return None
    root = Path(store)
    if not root.is_absolute() or not (root / "catalog.sqlite").is_file():
        return None
    from ipyartifacts import Api

    client = Api(store=root)._client
    path = client.local_blob_path(digest)
    return path if path is not None and path.is_file() else None


class PingHandler(JupyterHandler):
    """Lets a widget find out that links will work here."""

    auth_resource = "contents"

    @web.authenticated
    @authorized
    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.finish({"ipyartifacts": True})


class BlobHandler(JupyterHandler):
    """Stream one stored blob as an attachment."""

    auth_resource = "contents"

    @web.authenticated
    @authorized
    async def get(self, digest: str) -> None:
        path = blob_path(self.get_query_argument("store", ""), digest)
        if path is None:
            raise web.HTTPError(404, "no such blob in that store")
        name = Path(self.get_query_argument("name", digest)).name or digest
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Length", str(path.stat().st_size))
        self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}")
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                self.write(chunk)
                await self.flush()
        self.finish()


def _load_jupyter_server_extension(serverapp: Any) -> None:
    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "ipyartifacts", "ping"), PingHandler),
            (url_path_join(base, "ipyartifacts", "blob", r"([0-9a-f]{64})"), BlobHandler),
        ],
    )
    serverapp.log.info("ipyartifacts: download links enabled at %sipyartifacts/blob/", base)
