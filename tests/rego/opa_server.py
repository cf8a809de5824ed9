"""A local OPA server for tests: OPA's REST API, evaluated by the real OPA engine.

`python -m tests.rego.opa_server` serves the calls opa-python-client makes, with OPA's
response shapes: PUT/GET/DELETE /v1/policies/{id} (a module that does not compile gets
OPA's 400 with its compile errors), GET /v1/policies, POST/GET/PUT/PATCH/DELETE
/v1/data/{path}, GET /health. Policies and data are compiled by OPA's Go engine
(opa-golib-python-bindings), evaluated like `opa run --server` does (undefined where a
built-in fails). It runs as its own process because the Go runtime must not be started
in a process that later forks (the test process runs the CLI, which forks its workers).

For the error-path tests, `/_fixture/*` records every request and can be told to fail
(`status`), stall (`delay`) or require a bearer token; `OpaServer` is the test side.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from policygate.rego.runtime import UNDEFINED, CompileFailed, OpaRuntime, QueryFailed

ROOT = Path(__file__).resolve().parents[2]


class State:
    def __init__(self) -> None:
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.requests: list[tuple[str, str]] = []
        self.token: str | None = None
        self.status: int | None = None      # answer every /v1/data POST with this status
        self.delay = 0.0                    # seconds to stall every /v1/data POST
        self._engine: OpaRuntime | None = None

    def engine(self, policies: dict[str, str] | None = None) -> OpaRuntime:
        """A compiled engine for `policies` (default: the server's); CompileFailed."""
        if policies is None and self._engine is not None:
            return self._engine
        engine = OpaRuntime({})
        engine.load(list((policies or self.policies).items()), self.data)
        engine.compile("x := 1")
        if policies is None:
            self._engine = engine
        return engine

    def changed(self) -> None:
        self._engine = None


def _compile_errors(problems: list[Any]) -> list[dict[str, Any]]:
    errors = []
    for problem in problems:
        code, _, message = problem.message.partition(": ")
        location: dict[str, Any] = {"file": problem.file, "row": problem.line}
        if problem.column is not None:
            location["col"] = problem.column
        errors.append({"code": code, "message": message, "location": location})
    return errors


def _handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, body: Any = None) -> None:
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _authorised(self) -> bool:
            if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
                self._send(401, {"code": "unauthorized",
                                 "message": "missing or invalid bearer token"})
                return False
            return True

        def _route(self, method: str) -> None:
            path = self.path.split("?")[0]
            if path.startswith("/_fixture/"):
                return self._fixture(method, path[len("/_fixture/"):])
            state.requests.append((method, self.path))
            if path == "/health":
                return self._send(200, {})
            if not self._authorised():
                return None
            if path.startswith("/v1/policies"):
                return self._policies(method, path[len("/v1/policies"):].strip("/"))
            if path.startswith("/v1/data"):
                return self._data(method, path[len("/v1/data"):].strip("/"))
            return self._send(404, {"code": "resource_not_found", "message": "not found"})

        def _fixture(self, method: str, what: str) -> None:
            if method == "POST" and what == "config":
                for key, value in json.loads(self._body()).items():
                    setattr(state, key, value)
                return self._send(200, {})
            return self._send(200, {"policies": state.policies, "data": state.data,
                                    "requests": state.requests})

        def _policies(self, method: str, policy_id: str) -> None:
            if method == "GET" and not policy_id:
                return self._send(200, {"result": [{"id": i, "raw": t, "ast": {}}
                                                   for i, t in state.policies.items()]})
            if method == "GET":
                if policy_id not in state.policies:
                    return self._send(404, {"code": "resource_not_found",
                                            "message": f"storage_not_found_error: policy id "
                                                       f"{policy_id!r}"})
                return self._send(200, {"result": {"id": policy_id,
                                                   "raw": state.policies[policy_id]}})
            if method == "PUT":
                candidate = {**state.policies, policy_id: self._body().decode()}
                try:
                    state.engine(candidate)
                except CompileFailed as failure:
                    return self._send(400, {"code": "invalid_parameter",
                                            "message": "error(s) occurred while compiling "
                                                       "module(s)",
                                            "errors": _compile_errors(failure.problems)})
                state.policies = candidate
                state.changed()
                return self._send(200, {})
            if method == "DELETE":
                if state.policies.pop(policy_id, None) is None:
                    return self._send(404, {"code": "resource_not_found",
                                            "message": "policy not found"})
                state.changed()
                return self._send(200, {})
            return self._send(405, {"code": "method_not_allowed", "message": method})

        def _evaluate(self, keys: list[str], value: Any) -> None:
            ref = "data" + "".join(f"[{json.dumps(key)}]" for key in keys)
            try:
                answer = state.engine().query(f"x := {ref}", value)
            except (QueryFailed, CompileFailed) as error:
                return self._send(500, {"code": "internal_error", "message": str(error)})
            return self._send(200, {} if answer.value is UNDEFINED
                              else {"result": answer.value})

        def _data(self, method: str, path: str) -> None:
            keys = [part for part in path.split("/") if part]
            if method in ("POST", "GET"):
                value = None
                if method == "POST":
                    value = json.loads(self._body() or b"{}").get("input")
                    time.sleep(state.delay)
                    if state.status:
                        return self._send(state.status, {"code": "internal_error",
                                                         "message": "injected failure"})
                return self._evaluate(keys, value)
            if method == "PUT":
                self._put(keys, json.loads(self._body() or b"null"))
                return self._send(204)
            if method == "PATCH":
                for operation in json.loads(self._body() or b"[]"):
                    parts = keys + [p for p in operation["path"].split("/") if p]
                    if operation["op"] == "remove":
                        self._target(parts[:-1]).pop(parts[-1], None)
                    else:
                        self._target(parts[:-1])[parts[-1]] = operation["value"]
                state.changed()
                return self._send(204)
            if method == "DELETE":
                target = self._target(keys[:-1])
                if not keys or keys[-1] not in target:
                    return self._send(404, {"code": "resource_not_found",
                                            "message": "storage_not_found_error"})
                del target[keys[-1]]
                state.changed()
                return self._send(204)
            return self._send(405, {"code": "method_not_allowed", "message": method})

        @staticmethod
        def _target(keys: list[str]) -> dict[str, Any]:
            target = state.data
            for key in keys:
                target = target.setdefault(key, {})
            return target

        def _put(self, keys: list[str], value: Any) -> None:
            if keys:
                self._target(keys[:-1])[keys[-1]] = value
            else:
                state.data = value
            state.changed()

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def do_PATCH(self) -> None:
            self._route("PATCH")

        def do_DELETE(self) -> None:
            self._route("DELETE")

    return Handler


class OpaServer:
    """The test side: starts the server process and reads or sets its fixture state."""

    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, "-m", "tests.rego.opa_server"],
                                         stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError("the test OPA server did not start")

    def _state(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/_fixture/state", timeout=10) as response:
            return json.loads(response.read())

    def configure(self, **settings: Any) -> None:
        request = urllib.request.Request(f"{self.url}/_fixture/config", method="POST",
                                         data=json.dumps(settings).encode())
        urllib.request.urlopen(request, timeout=10).close()

    @property
    def policies(self) -> dict[str, str]:
        return self._state()["policies"]

    @property
    def data(self) -> dict[str, Any]:
        return self._state()["data"]

    @property
    def requests(self) -> list[tuple[str, str]]:
        return [tuple(r) for r in self._state()["requests"]]  # type: ignore[misc]

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(10)


def main() -> None:
    server = HTTPServer(("127.0.0.1", 0), _handler(State()))
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
