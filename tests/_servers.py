"""Real servers on 127.0.0.1 for reference tests: S3 (moto), a GCS XML endpoint, plain HTTP.

- ``s3``: a moto S3 server (one per session), a fresh bucket per test, the AWS_* variables
  pointing at it (``AWS_ENDPOINT_URL`` included), and a boto3 client to arrange objects.
- ``gcs``: a small in-process server speaking the part of the GCS XML API that obstore's
  GCS client uses (HEAD/GET object with ``x-goog-generation``, ``?generation=``, ListObjectsV2),
  reached through ``GOOGLE_SERVICE_ACCOUNT`` with ``gcs_base_url`` and ``disable_oauth``.
- ``site``: an HTTP server serving a dict of paths, with strong ETags (switchable off),
  HEAD, 404s, and a request log.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- S3 (moto) ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: Any

    def put(self, key: str, data: bytes) -> dict[str, Any]:
        result: dict[str, Any] = self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
        return result

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key}"

    def enable_versioning(self) -> None:
        self.client.put_bucket_versioning(
            Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"}
        )


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3:
    import boto3

    env = {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for key in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = f"bucket-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket)
    return S3(moto_endpoint, bucket, client)


# -- GCS (XML API) -----------------------------------------------------------------------------


@dataclass
class Gcs:
    bucket: str
    objects: dict[str, dict[int, bytes]] = field(default_factory=dict)  # key -> gen -> data
    counter: int = 1000

    def put(self, key: str, data: bytes) -> int:
        self.counter += 1
        self.objects.setdefault(key, {})[self.counter] = data
        return self.counter

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def uri(self, key: str = "") -> str:
        return f"gs://{self.bucket}/{key}"

    def latest(self, key: str) -> tuple[int, bytes] | None:
        versions = self.objects.get(key)
        if not versions:
            return None
        gen = max(versions)
        return gen, versions[gen]


def _etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


class _GcsHandler(BaseHTTPRequestHandler):
    gcs: Gcs

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _object(self) -> None:
        parts = urlsplit(self.path)
        raw_bucket, _, raw_key = parts.path.lstrip("/").partition("/")
        bucket, key = unquote(raw_bucket), unquote(raw_key)
        query = parse_qs(parts.query)
        if bucket != self.gcs.bucket:
            self._reply(404)
            return
        if not key and "list-type" in query:
            self._list(query.get("prefix", [""])[0])
            return
        versions = self.gcs.objects.get(key, {})
        if "generation" in query:
            gen = int(query["generation"][0])
            found = (gen, versions[gen]) if gen in versions else None
        else:
            found = self.gcs.latest(key)
        if found is None:
            self._reply(404)
            return
        gen, data = found
        self._reply(
            200,
            data,
            {
                "ETag": _etag(data),
                "Last-Modified": formatdate(usegmt=True),
                "x-goog-generation": str(gen),
            },
        )

    def _list(self, prefix: str) -> None:
        items = []
        for key in sorted(self.gcs.objects):
            found = self.gcs.latest(key)
            if found is None or not key.startswith(prefix):
                continue
            _gen, data = found
            items.append(
                f"<Contents><Key>{escape(key)}</Key><Size>{len(data)}</Size>"
                f"<LastModified>2024-01-01T00:00:00.000Z</LastModified>"
                f"<ETag>{escape(_etag(data))}</ETag></Contents>"
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>'
            f"<Name>{self.gcs.bucket}</Name><Prefix>{escape(prefix)}</Prefix>"
            f"<KeyCount>{len(items)}</KeyCount><IsTruncated>false</IsTruncated>"
            + "".join(items)
            + "</ListBucketResult>"
        ).encode()
        self._reply(200, body, {"Content-Type": "application/xml"})

    do_GET = _object
    do_HEAD = _object


@pytest.fixture
def gcs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gcs]:
    state = Gcs(bucket=f"gcs-{uuid.uuid4().hex[:12]}")
    handler = type("Handler", (_GcsHandler,), {"gcs": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    account = tmp_path / "gcs-account.json"
    account.write_text(
        json.dumps(
            {
                "gcs_base_url": f"http://127.0.0.1:{server.server_address[1]}",
                "disable_oauth": True,
                "client_email": "",
                "private_key": "",
                "private_key_id": "",
            }
        )
    )
    for key in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_BASE_URL", "GOOGLE_SERVICE_ACCOUNT_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GOOGLE_SERVICE_ACCOUNT", str(account))
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- plain HTTP --------------------------------------------------------------------------------


@dataclass
class Site:
    base: str
    files: dict[str, bytes] = field(default_factory=dict)
    etags: bool = True
    requests: list[tuple[str, str]] = field(default_factory=list)
    # When set, every GET waits here: GETs pass only as many at a time as it has parties.
    barrier: threading.Barrier | None = None

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"


class _SiteHandler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        self.site.requests.append((self.command, self.path))
        if self.command == "GET" and self.site.barrier is not None:
            try:
                self.site.barrier.wait()
            except threading.BrokenBarrierError:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        path = unquote(urlsplit(self.path).path.lstrip("/"))
        data = self.site.files.get(path)
        if data is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        if self.site.etags:
            self.send_header("ETag", _etag(data))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(data)

    do_GET = _serve
    do_HEAD = _serve


@pytest.fixture
def site() -> Iterator[Site]:
    handler = type("Handler", (_SiteHandler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state = Site(base=f"http://127.0.0.1:{server.server_address[1]}")
    handler.site = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- Azure Blob Storage (Azurite) --------------------------------------------------------------

AZURITE = Path(__file__).parent / ".node" / "node_modules" / ".bin" / "azurite-blob"
AZURITE_KEY = (  # Azurite's well-known development account key (public, not a secret)
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


@pytest.fixture(scope="session")
def azurite_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Azurite's blob service on a free loopback port (installed by scripts/test.sh)."""
    import subprocess

    if not AZURITE.exists():
        pytest.skip(
            f"Azurite is not installed at {AZURITE}: run `npm --prefix tests/.node ci` "
            "(scripts/test.sh does)."
        )
    port = _free_port()
    workdir = tmp_path_factory.mktemp("azurite")
    proc = subprocess.Popen(
        [str(AZURITE), "--inMemoryPersistence", "--blobHost", "127.0.0.1", "--blobPort",
         str(port), "--skipApiVersionCheck", "--loose", "--disableTelemetry"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # ready when it says so (it exits, ending the loop, if it fails)
        seen.append(line)
        if "successfully listens" in line:
            break
    else:
        proc.wait()
        raise RuntimeError("Azurite did not start:\n" + "".join(seen))
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep its pipe drained
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def azure_container(azurite_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh container in Azurite, with the AZURE_* variables obstore reads pointing at it."""
    from azure.storage.blob import BlobServiceClient

    for key in list(os.environ):
        if key.startswith(("AZURE_", "AZURITE_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AZURE_STORAGE_USE_EMULATOR", "true")
    monkeypatch.setenv("AZURITE_BLOB_STORAGE_URL", azurite_endpoint)
    name = f"c{uuid.uuid4().hex[:16]}"
    conn = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={AZURITE_KEY};BlobEndpoint={azurite_endpoint}/devstoreaccount1;"
    )
    BlobServiceClient.from_connection_string(conn).create_container(name)
    return name
