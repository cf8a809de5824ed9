"""What the fake GitHub and the fake GitLab share: a real HTTP server on 127.0.0.1 run in
a thread, faults injected by endpoint name, and the request log.

A subclass (mixed in before its platform state, which supplies `lock`) defines
`serve(handler)` — routing and the platform's answers — and `endpoints`, the names a fault
may target; a typo in a fault's endpoint would otherwise never match and the test would
pass for the wrong reason.
"""
from __future__ import annotations

import fnmatch
import socket
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar


@dataclass
class Fault:
    """An injected answer for matching requests (`times=None`: every time)."""
    endpoint: str
    status: int | None = None
    message: Any = None
    errors: list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None                   # replaces the platform's error body; bytes are sent raw
    delay: float = 0.0
    times: int | None = 1
    method: str | None = None
    path: str | None = None            # fnmatch pattern on the canonical path
    hits: int = 0

    def matches(self, endpoint: str | None, method: str, path: str) -> bool:
        return ((self.endpoint == "*" or self.endpoint == endpoint)
                and (self.method is None or self.method == method)
                and (self.path is None or fnmatch.fnmatchcase(path, self.path))
                and (self.times is None or self.hits < self.times))


_Server = TypeVar("_Server", bound="FakeServer")


class FakeServer:
    """Lifecycle, faults and request log of a fake platform API (see the module docstring)."""

    endpoints: Collection[str] = ()
    thread_name = "fake-api"
    lock: Any                          # the platform state's RLock
    url: str

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Any] = []
        self.faults: list[Fault] = []
        self._server: ThreadingHTTPServer | None = None

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    # --- lifecycle ----------------------------------------------------------------------
    def start(self: _Server) -> _Server:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.hub = self                                  # type: ignore[attr-defined]
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, name=self.thread_name,
                         kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self: _Server) -> _Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- faults -------------------------------------------------------------------------
    def inject(self, endpoint: str, **fields: Any) -> Fault:
        """Add a Fault (see its fields); the first matching fault answers a request."""
        if endpoint != "*" and endpoint not in self.endpoints:
            raise KeyError(f"unknown endpoint {endpoint!r}; known: {', '.join(self.endpoints)}")
        if "headers" in fields:
            fields["headers"] = dict(fields["headers"])
        fault = Fault(endpoint, **fields)
        with self.lock:
            self.faults.append(fault)
        return fault

    def slow(self, endpoint: str, seconds: float, *, times: int | None = 1) -> Fault:
        """Answer normally, but only after `seconds`."""
        return self.inject(endpoint, delay=seconds, times=times)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    # --- request log --------------------------------------------------------------------
    def calls(self, endpoint: str | None = None, method: str | None = None) -> list[Any]:
        with self.lock:
            return [r for r in self.requests
                    if (endpoint is None or r.endpoint == endpoint)
                    and (method is None or r.method == method)]

    def clear_log(self) -> None:
        with self.lock:
            self.requests.clear()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle + delayed ACK add
        # ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        self.server.hub.serve(self)               # type: ignore[attr-defined]

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is in FakeServer.requests."""
