"""An echoing HTTP/1.1 backend for proxies under test (127.0.0.1, free port, threaded).

Every request gets ``200`` and a JSON body describing what arrived, so a test can see
exactly what the proxy forwarded (``X-Forwarded-*``, ``Host``, path rewriting...)::

    {"path": "/x?y=1", "method": "GET", "headers": {"x-forwarded-proto": "https", ...},
     "upstream": "<name>"}

Requests are also recorded (thread-safely) in ``Upstream.requests``. ``/healthz``
answers 200 but is *not* recorded, so proxy health checks don't pollute assertions.

``GET`` with ``Upgrade: websocket`` gets a real ``101 Switching Protocols`` (with the
RFC 6455 ``Sec-WebSocket-Accept``) followed by a tiny frame echo loop, so a test can
prove a proxy passes WebSockets through end to end (see ``tlsprobe.websocket_echo``).

Stopping closes the listener *and* every open client connection (proxies keep
upstream connections alive), then joins the handler threads.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SOCKET_TIMEOUT = 10.0  # per-connection idle timeout: no handler thread can hang forever


def websocket_accept(key: str) -> str:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key`` (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1((key.strip() + WS_GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    client: tuple[str, int]
    websocket: bool = False
    raw_headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@dataclass
class _Canned:
    status: int
    body: bytes
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def _headers(self) -> tuple[dict[str, str], list[tuple[str, str]]]:
        merged: dict[str, str] = {}
        raw = list(self.headers.items())
        for name, value in raw:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return merged, raw

    def _handle(self) -> None:
        headers, raw = self._headers()
        length = int(headers.get("content-length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path
        is_ws = (
            self.command == "GET"
            and "websocket" in headers.get("upgrade", "").lower()
            and "sec-websocket-key" in headers
        )
        upstream: Upstream = self.server.owner
        if path.split("?", 1)[0] != "/healthz":
            upstream._record(
                RecordedRequest(self.command, path, headers, body, self.client_address, is_ws, raw)
            )
        if is_ws:
            self._websocket(headers["sec-websocket-key"])
            return
        canned = upstream._canned.get(path.split("?", 1)[0])
        if canned is not None:
            self._send(canned.status, canned.body, canned.headers)
            return
        payload = {
            "path": path,
            "method": self.command,
            "headers": headers,
            "upstream": upstream.name,
        }
        self._send(200, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # -- WebSocket: 101 + echo of text/binary frames until close ----------------------
    def _websocket(self, key: str) -> None:
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", websocket_accept(key))
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError, ValueError, struct.error):
            while True:
                frame = read_ws_frame(self.rfile)
                if frame is None:
                    return
                opcode, payload = frame
                if opcode == 0x8:  # close: echo it and stop
                    self.wfile.write(ws_frame(0x8, payload[:2]))
                    return
                if opcode == 0x9:  # ping -> pong
                    self.wfile.write(ws_frame(0xA, payload))
                elif opcode in (0x1, 0x2):
                    self.wfile.write(ws_frame(opcode, payload))
                self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle


def ws_frame(opcode: int, payload: bytes, mask: bytes | None = None) -> bytes:
    """Encode one final WebSocket frame (clients must pass a 4-byte ``mask``)."""
    head = bytes([0x80 | opcode])
    mbit = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return head + mask + payload
    return head + payload


def read_ws_frame(rfile: Any) -> tuple[int, bytes] | None:
    """Read one WebSocket frame from a file-like object; None on EOF."""
    head = rfile.read(2)
    if len(head) < 2:
        return None
    opcode = head[0] & 0x0F
    masked = head[1] & 0x80
    n = head[1] & 0x7F
    if n == 126:
        n = struct.unpack("!H", rfile.read(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", rfile.read(8))[0]
    mask = rfile.read(4) if masked else b""
    payload = rfile.read(n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return opcode, payload


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins handlers (bounded by SOCKET_TIMEOUT)
    allow_reuse_address = True

    def __init__(self, owner: Upstream) -> None:
        self.owner = owner
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._conns_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A proxy that resets or drops a connection (health checks, a server stopped mid-
        request) is not an upstream failure: no traceback in the test output; others as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)

    def close_all(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)


class Upstream:
    """Echoing backend. ``with Upstream() as up: ... up.port ... up.requests``."""

    def __init__(self, name: str = "upstream") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._canned: dict[str, _Canned] = {}
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "Upstream not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Upstream:
        if self._server is None:
            self._server = _HTTPServer(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"upstream-{self.name}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.close_all()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Upstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- recording ---------------------------------------------------------------------
    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot copy of the recorded requests (oldest first)."""
        with self._lock:
            return list(self._requests)

    @property
    def last(self) -> RecordedRequest:
        reqs = self.requests
        assert reqs, f"upstream {self.name!r} received no requests"
        return reqs[-1]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait (bounded) until at least ``count`` requests were recorded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reqs = self.requests
            if len(reqs) >= count:
                return reqs
            time.sleep(0.02)
        raise TimeoutError(f"upstream {self.name!r} saw {len(self.requests)}/{count} requests")

    def set_response(
        self, path: str, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        """Serve a canned response for ``path`` (query ignored) instead of the JSON echo."""
        self._canned[path] = _Canned(status, body, dict(headers or {}))
