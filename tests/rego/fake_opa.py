"""A local stand-in for an OPA server: stdlib http.server, evaluated by regopy.

It answers exactly the REST calls opa-python-client makes, with OPA's response shapes:
PUT/GET/DELETE /v1/policies/{id} (a bad module gets 400 with OPA's compile-error body),
GET /v1/policies, POST/GET/PUT/PATCH/DELETE /v1/data/{path}, GET /health. It also
records every request and can be told to fail (`status`), stall (`delay`) or require a
bearer token, for the error-path tests. One thread serves everything, because a regopy
interpreter must not be shared between threads.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from policygate.rego.checks import check_policy_set
from policygate.rego.embedded import decode_output, error_messages, quiet_interpreter
from policygate.rego.lexer import LexError, position_of
from policygate.rego.outline import outline


class FakeOpa:
    def __init__(self) -> None:
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.requests: list[tuple[str, str]] = []
        self.token: str | None = None
        self.status: int | None = None      # answer every /v1/data POST with this status
        self.delay = 0.0                    # seconds to stall every /v1/data POST
        self._interpreter: Any = None
        self.server = HTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---------------------------------------------------------------- engine
    def compile_errors(self, policies: dict[str, str]) -> list[dict[str, Any]]:
        """What OPA's compiler would say, from regopy plus our static checks."""
        from regopy import RegoError

        interpreter = quiet_interpreter()
        for policy_id, text in policies.items():
            try:
                interpreter.add_module(policy_id, text)
            except RegoError as error:
                return [self._error(policies, name or policy_id, offset, message, "rego_parse_error")
                        for name, offset, message in error_messages(str(error))]
        try:
            outlines = [outline(text) for text in policies.values()]
        except LexError as error:
            return [{"code": "rego_parse_error", "message": str(error),
                     "location": {"file": list(policies)[-1], "row": error.line, "col": error.column}}]
        ids = list(policies)
        return [{"code": problem.message.partition(":")[0], "message": problem.message.partition(": ")[2],
                 "location": dict(zip(("row", "col"), position_of(policies[ids[index]], problem.offset)),
                                  file=ids[index])}
                for index, problem in check_policy_set(outlines, interpreter.is_builtin)]

    @staticmethod
    def _error(policies: dict[str, str], name: str, offset: int | None, message: str,
               code: str) -> dict[str, Any]:
        text = policies.get(name, "")
        row, col = position_of(text, len(text.encode()[:offset or 0].decode("utf-8", "ignore")))
        return {"code": code, "message": message, "location": {"file": name, "row": row, "col": col}}

    def evaluate(self, path: str, value: Any, has_input: bool) -> tuple[str, Any]:
        from regopy import Input, rego_shared

        if self._interpreter is None:
            interpreter = quiet_interpreter()
            for policy_id, text in self.policies.items():
                interpreter.add_module(policy_id, text)
            if self.data:
                interpreter.add_data(self.data)
            self._interpreter = interpreter
        if has_input:
            self._interpreter.set_input(Input(value))
        ref = "data" + "".join(f".{part}" for part in path.split("/") if part)
        output = rego_shared.rego_query(self._interpreter._impl, ref)
        try:
            return decode_output(rego_shared, output)
        finally:
            rego_shared.rego_free_output(output)

    def changed(self) -> None:
        self._interpreter = None


def _handler(fake: FakeOpa) -> type[BaseHTTPRequestHandler]:
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
            if fake.token and self.headers.get("Authorization") != f"Bearer {fake.token}":
                self._send(401, {"code": "unauthorized", "message": "missing or invalid bearer token"})
                return False
            return True

        def _route(self, method: str) -> None:
            fake.requests.append((method, self.path))
            path = self.path.split("?")[0]
            if path == "/health":
                return self._send(200, {})
            if not self._authorised():
                return None
            if path.startswith("/v1/policies"):
                return self._policies(method, path[len("/v1/policies"):].strip("/"))
            if path.startswith("/v1/data"):
                return self._data(method, path[len("/v1/data"):].strip("/"))
            return self._send(404, {"code": "resource_not_found", "message": "not found"})

        def _policies(self, method: str, policy_id: str) -> None:
            if method == "GET" and not policy_id:
                return self._send(200, {"result": [{"id": i, "raw": t, "ast": {}}
                                                   for i, t in fake.policies.items()]})
            if method == "GET":
                if policy_id not in fake.policies:
                    return self._send(404, {"code": "resource_not_found", "message": f"storage_not_found_error: policy id {policy_id!r}"})
                return self._send(200, {"result": {"id": policy_id, "raw": fake.policies[policy_id]}})
            if method == "PUT":
                text = self._body().decode()
                candidate = {**fake.policies, policy_id: text}
                errors = fake.compile_errors(candidate)
                if errors:
                    return self._send(400, {"code": "invalid_parameter",
                                            "message": "error(s) occurred while compiling module(s)",
                                            "errors": errors})
                fake.policies[policy_id] = text
                fake.changed()
                return self._send(200, {})
            if method == "DELETE":
                if fake.policies.pop(policy_id, None) is None:
                    return self._send(404, {"code": "resource_not_found", "message": "policy not found"})
                fake.changed()
                return self._send(200, {})
            return self._send(405, {"code": "method_not_allowed", "message": method})

        def _data(self, method: str, path: str) -> None:
            keys = [part for part in path.split("/") if part]
            if method in ("POST", "GET"):
                has_input, value = False, None
                if method == "POST":
                    body = json.loads(self._body() or b"{}")
                    has_input, value = "input" in body, body.get("input")
                    if fake.delay:
                        time.sleep(fake.delay)
                    if fake.status:
                        return self._send(fake.status, {"code": "internal_error", "message": "injected failure"})
                status, result = fake.evaluate(path, value, has_input)
                if status == "error":
                    return self._send(500, {"code": "internal_error", "message": str(result)})
                return self._send(200, {"result": result} if status == "value" else {})
            if method == "PUT":
                value = json.loads(self._body() or b"null")
                target = fake.data
                for key in keys[:-1]:
                    target = target.setdefault(key, {})
                if keys:
                    target[keys[-1]] = value
                else:
                    fake.data = value
                fake.changed()
                return self._send(204)
            if method == "PATCH":
                for operation in json.loads(self._body() or b"[]"):
                    parts = keys + [p for p in operation["path"].split("/") if p]
                    target = fake.data
                    for key in parts[:-1]:
                        target = target.setdefault(key, {})
                    if operation["op"] == "remove":
                        target.pop(parts[-1], None)
                    else:
                        target[parts[-1]] = operation["value"]
                fake.changed()
                return self._send(204)
            if method == "DELETE":
                target = fake.data
                for key in keys[:-1]:
                    target = target.get(key, {})
                if not keys or keys[-1] not in target:
                    return self._send(404, {"code": "resource_not_found", "message": "storage_not_found_error"})
                del target[keys[-1]]
                fake.changed()
                return self._send(204)
            return self._send(405, {"code": "method_not_allowed", "message": method})

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
