"""A fault-injecting HTTP proxy on 127.0.0.1, in front of a real server (moto's S3).

Each request is forwarded whole, or (with probability ``rate``, from a seeded RNG) answered
with one fault: a 500, a 503, a connection reset, or a stall past the client's timeout.
Threads are bounded by the test's own concurrency; ``close()`` ends any stall at once.
"""

from __future__ import annotations

import http.client
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

FAULTS = ("500", "503", "reset", "stall")
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


class FaultProxy:
    def __init__(self, upstream: str, rate: float, faults: tuple[str, ...] = FAULTS) -> None:
        self.upstream = urlsplit(upstream)
        self.rate = rate
        self.faults = faults
        self.stall_seconds = 3.0
        self.delay = 0.0  # seconds added to every forwarded request (a far-away store)
        self.counts: Counter[str] = Counter()
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request seen
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests forwarded at once
        self._rng = random.Random(20261201)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        handler = type("Handler", (_Handler,), {"proxy": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def pick(self) -> str | None:
        with self._lock:
            fault = self._rng.choice(self.faults) if self._rng.random() < self.rate else None
            self.counts[fault or "forwarded"] += 1
            return fault

    def stall(self) -> None:
        self._closing.wait(self.stall_seconds)

    def close(self) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


class _Handler(BaseHTTPRequestHandler):
    proxy: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._body()
        with self.proxy._lock:
            self.proxy.requests.append((self.command, self.path))
        fault = self.proxy.pick()
        if fault in ("500", "503"):
            self.send_response(int(fault))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if fault == "reset":  # RST instead of FIN: the client sees "connection reset"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if fault == "stall":
            self.proxy.stall()
            self.close_connection = True
            return
        up = self.proxy.upstream
        conn = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port, timeout=60)
        with self.proxy._lock:
            self.proxy.in_flight += 1
            self.proxy.max_in_flight = max(self.proxy.max_in_flight, self.proxy.in_flight)
        try:
            if self.proxy.delay:
                self.proxy._closing.wait(self.proxy.delay)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
            with self.proxy._lock:
                self.proxy.in_flight -= 1
        self.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in _HOP:
                self.send_header(key, value)
        if self.command == "HEAD":
            self.send_header("Content-Length", resp.getheader("Content-Length") or "0")
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


@pytest.fixture
def fault_proxy(moto_endpoint: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_endpoint, rate=0.0)
    try:
        yield proxy
    finally:
        proxy.close()
