"""A local GitHub REST API for tests: real HTTP, GitHub's response shapes, a request log.

GitHub is unreachable from our machines, so everything that talks to it (PyGithub under
policygate.github) is tested against this server instead of mocks: PyGithub sends real
requests and parses real-shaped answers, and tests assert on what was actually sent.

Set up state (see fake_state.py for every builder)::

    hub.add_repo("acme/gitops")
    pull = hub.add_pull("acme/gitops", 42, author="dave", labels=["prod"])
    pull.add_file("deploy/web.yaml", before=OLD, after=NEW)   # patch + hunks + contents
    pull.add_commit("dave"); pull.add_review("alice", "APPROVED")
    hub.add_team("acme/platform", ["alice", "bob"])
    hub.add_token("fork-token", permissions={"pull_requests": "read"})

Inject faults by endpoint name (`fake_routes.ENDPOINTS`; "*" matches every endpoint)::

    hub.fail("pulls.files", 502, times=2)            # GitHub's error body, any status
    hub.deny("pulls.create_review")                   # 403 + X-Accepted-GitHub-Permissions
    hub.rate_limit("pulls.get", retry_after=1)        # secondary rate limit: 403 + Retry-After
    hub.slow("pulls.get", seconds=0.5)                # answer late (client timeouts)

Read the request log (the token value is never recorded)::

    [r.query for r in hub.calls("pulls.files")]
    hub.calls("pulls.create_review")[0].json["comments"]

Connect: `hub.env()` gives GITHUB_TOKEN/GITHUB_API_URL for policygate's client;
`hub.pygithub()` a bare PyGithub client (no retries, no throttling).

Modules: fake_state (the world and its builders), fake_json (GitHub's response shapes),
fake_diff (patches and hunks), fake_api (routing, errors, pagination), fake_repos /
fake_pulls / fake_checks (the endpoints), fake_routes (all of them, by name).
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.fake_http import FakeServer, Fault
from tests.github.fake_json import Shapes, error_body
from tests.github.fake_routes import (DOCS, ENDPOINTS, ROUTES, ApiError, Call, Response, Route,
                                      match)
from tests.github.fake_state import GitHubState, Token

RECORDED_HEADERS = ("Accept", "Content-Type", "User-Agent", "X-GitHub-Api-Version")
SECONDARY_RATE_LIMIT = ("You have exceeded a secondary rate limit. Please wait a few minutes "
                        "before you try again. If you reach out to GitHub Support for help, "
                        "please include the request ID 0000:1111:2222:3333:44444444.")
RATE_LIMIT_DOCS = ("https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                   "#about-secondary-rate-limits")


@dataclass
class RecordedRequest:
    """What the client sent. `auth` is the scheme only ("token", "Bearer"); `login` is the
    account the token authenticated as. The token itself is never stored."""
    method: str
    path: str                          # as requested (Link URLs use /repositories/{id}/...)
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    auth: str | None
    login: str | None
    endpoint: str | None               # route name; None for a path GitHub would 404
    status: int | None = None          # what the fake answered


class FakeGitHub(FakeServer, GitHubState):
    """The fake GitHub: state (GitHubState) + HTTP server, faults, request log (FakeServer)."""

    endpoints = ENDPOINTS
    thread_name = "fake-github"

    def __init__(self) -> None:
        super().__init__()
        self.url = ""
        self.shapes = Shapes("http://127.0.0.1", self)

    def start(self) -> FakeGitHub:
        super().start()
        self.shapes = Shapes(self.url, self)
        return self

    # --- clients ------------------------------------------------------------------------
    def env(self, token: str | None = GitHubState.DEFAULT_TOKEN) -> dict[str, str]:
        """Environment for policygate.github.api.connect (like GitHub Actions sets it)."""
        env = {"GITHUB_API_URL": self.url}
        if token is not None:
            env["GITHUB_TOKEN"] = token
        return env

    def pygithub(self, token: str | None = GitHubState.DEFAULT_TOKEN, **kwargs: Any) -> Any:
        """A bare PyGithub client on this server: no retries, no throttling."""
        from github import Auth, Github

        return Github(auth=Auth.Token(token) if token else None, base_url=self.url,
                      retry=None, seconds_between_requests=None, seconds_between_writes=None,
                      **kwargs)

    # --- faults ---------------------------------------------------------------------------
    def fail(self, endpoint: str, status: int, message: str | None = None, *,
             times: int | None = 1, **fields: Any) -> Fault:
        """Answer with `status` and GitHub's error body."""
        default = {401: "Bad credentials", 403: "Forbidden", 404: "Not Found",
                   422: "Validation Failed", 500: "Server Error", 502: "Server Error",
                   503: "Service Unavailable"}.get(status, "Error")
        return self.inject(endpoint, status=status, message=message or default, times=times,
                           **fields)

    def deny(self, endpoint: str, permission: str | None = None, *,
             times: int | None = None) -> Fault:
        """403 "Resource not accessible by integration" naming the permission GitHub
        accepts (the route's own unless given), as a GITHUB_TOKEN without it gets."""
        accepted = permission if permission is not None else _route(endpoint).permission
        return self.inject(endpoint, status=403, message="Resource not accessible by integration",
                           headers={"X-Accepted-GitHub-Permissions": accepted}, times=times)

    def rate_limit(self, endpoint: str, *, retry_after: int | None = 60, times: int | None = 1,
                   status: int = 403) -> Fault:
        """A secondary rate limit (403, or 429) with Retry-After."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return self.inject(endpoint, status=status, message=SECONDARY_RATE_LIMIT,
                           headers=headers, times=times)

    def primary_rate_limit(self, endpoint: str, *, reset_in: int = 3600,
                           times: int | None = 1) -> Fault:
        """The hourly quota is used up until X-RateLimit-Reset."""
        return self.inject(endpoint, status=403, times=times,
                           message="API rate limit exceeded for installation ID 4242.",
                           headers={"X-RateLimit-Remaining": "0",
                                    "X-RateLimit-Reset": str(int(time.time()) + reset_in)})

    # --- serving ----------------------------------------------------------------------------
    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        path = unquote(split.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        scheme, _, secret = (handler.headers.get("Authorization") or "").partition(" ")
        token = self.tokens.get(secret.strip()) if secret else None
        canonical = self._canonical(path)
        found = match(method, canonical)
        route, params = found if found else (None, {})
        record = RecordedRequest(
            method, path, query, _json_or_raw(raw),
            {name: handler.headers[name] for name in RECORDED_HEADERS if name in handler.headers},
            scheme or None, token.login if token else None, route.endpoint if route else None)
        with self.lock:
            self.requests.append(record)
            fault = next((f for f in self.faults
                          if f.matches(record.endpoint, method, canonical)), None)
            if fault is not None:
                fault.hits += 1
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            response = self._fault_response(fault, route)
        else:
            with self.lock:
                response = self._answer(route, params, method, canonical, query, raw,
                                        bool(secret), token)
        record.status = response.status
        self._write(handler, response, route)

    def _canonical(self, path: str) -> str:
        """/repositories/{id}/... (GitHub's Link URLs) -> /repos/{owner}/{name}/..."""
        found = re.match(r"^/repositories/(\d+)(/.*)?$", path)
        if found:
            repo = self.repo_by_id(int(found.group(1)))
            if repo is not None:
                return f"/repos/{repo.full_name}{found.group(2) or ''}"
        return path.rstrip("/") or "/"

    def _answer(self, route: Route | None, params: dict[str, str], method: str, path: str,
                query: dict[str, str], raw: bytes, has_secret: bool, token: Token | None
                ) -> Response:
        docs = route.docs if route else DOCS
        try:
            if route is None:
                raise ApiError(404, "Not Found")
            if has_secret and token is None:
                raise ApiError(401, "Bad credentials", docs=DOCS)
            if token is None and route.write:
                raise ApiError(401, "Requires authentication")
            if token is not None and not token.allows(route.permission):
                raise ApiError(403, "Resource not accessible by integration",
                               headers={"X-Accepted-GitHub-Permissions": route.permission})
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                raise ApiError(400, "Problems parsing JSON") from None
            return route.handler(Call(self, self.shapes, method, path, query, body, params,
                                      token))
        except ApiError as error:
            return Response(error.status,
                            error_body(error.status, error.message, error.docs or docs,
                                       error.errors), error.headers)

    def _fault_response(self, fault: Fault, route: Route | None) -> Response:
        assert fault.status is not None
        body = fault.body
        if body is None:
            docs = RATE_LIMIT_DOCS if fault.message == SECONDARY_RATE_LIMIT else (
                route.docs if route else DOCS)
            body = error_body(fault.status, fault.message or "Error", docs, fault.errors)
        return Response(fault.status, body, dict(fault.headers))

    def _write(self, handler: BaseHTTPRequestHandler, response: Response,
               route: Route | None) -> None:
        if isinstance(response.body, bytes):          # e.g. a proxy's HTML error page
            payload, content_type = response.body, "text/html; charset=utf-8"
        else:
            payload = b"" if response.body is None else json.dumps(response.body).encode()
            content_type = "application/json; charset=utf-8"
        with self.lock:
            used = len(self.requests)
        headers = {
            "Content-Type": content_type,
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": f"F00D:{used:04X}:0:0:0",
            "X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(max(0, 5000 - used)),
            "X-RateLimit-Reset": str(int(time.time()) + 3600), "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core", "Content-Length": str(len(payload))}
        if route is not None and route.permission:
            headers["X-Accepted-GitHub-Permissions"] = route.permission
        headers.update(response.headers)
        try:
            handler.send_response(response.status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass                                  # the client gave up (timeout tests)


def _route(endpoint: str) -> Route:
    for candidate in ROUTES:
        if candidate.endpoint == endpoint:
            return candidate
    raise KeyError(f"unknown endpoint {endpoint!r}")


def _json_or_raw(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
