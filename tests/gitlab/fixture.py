"""A local GitLab REST API (v4) for tests: real HTTP, GitLab's response shapes, a request log.

GitLab is unreachable from our machines, so policygate.gitlab is tested through the real
python-gitlab client against this server: python-gitlab sends real requests and parses
real-shaped answers, and tests assert on what was actually sent.

Set up state (fake_state.py has the builders)::

    project = lab.add_project("acme/gitops")
    mr = lab.add_mr(project, 7, author="dave", head=HEAD, base=BASE)
    mr.add_file("deploy/web.yaml", before=OLD, after=NEW)    # diff + commentable lines
    mr.add_commit("Dave"); mr.approve("alice")
    lab.add_group("acme/platform", ["alice", "bob"])
    lab.add_token("glpat-fork", "fork-bot", read_only=True)

Inject faults by endpoint name (fake_routes.ENDPOINTS; "*" matches every endpoint)::

    lab.fail("mrs.diffs", 502, times=2)               # GitLab's error body, any status
    lab.rate_limit("discussions.create", retry_after=1)   # 429 + Retry-After
    lab.slow("mrs.get", seconds=0.5)

Read the request log (the token is never recorded)::

    lab.calls("discussions.create")[0].json["position"]

Connect: `lab.env()` gives CI_SERVER_URL and POLICYGATE_GITLAB_TOKEN for policygate.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from tests.fake_http import FakeServer, Fault
from tests.gitlab.fake_json import error
from tests.gitlab.fake_routes import ENDPOINTS, ApiError, Call, Route, match
from tests.gitlab.fake_state import GitLabState, Token

DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 100


@dataclass
class RecordedRequest:
    """What the client sent; `auth` is the header kind only (PRIVATE-TOKEN, JOB-TOKEN)."""
    method: str
    path: str                        # decoded, without /api/v4
    query: dict[str, str]
    json: Any
    auth: str | None
    username: str | None
    endpoint: str | None
    status: int | None = None


class FakeGitLab(FakeServer, GitLabState):
    """The fake GitLab: state (GitLabState) + HTTP server, faults, request log (FakeServer)."""

    endpoints = ENDPOINTS
    thread_name = "fake-gitlab"

    def env(self, token: str | None = GitLabState.DEFAULT_TOKEN) -> dict[str, str]:
        env = {"CI_SERVER_URL": self.url}
        if token is not None:
            env["POLICYGATE_GITLAB_TOKEN"] = token
        return env

    # --- faults ------------------------------------------------------------------------------
    def fail(self, endpoint: str, status: int, message: Any = None, *,
             times: int | None = 1, **fields: Any) -> Fault:
        return self.inject(endpoint, status=status, message=message, times=times, **fields)

    def rate_limit(self, endpoint: str, *, retry_after: int | None = 1,
                   times: int | None = 1) -> Fault:
        """GitLab's 429: a plain "Retry later" body, Retry-After and RateLimit-* headers."""
        headers = {"RateLimit-Limit": "300", "RateLimit-Remaining": "0",
                   "RateLimit-Reset": str(int(time.time()) + (retry_after or 60))}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return self.inject(endpoint, status=429, message="Retry later", headers=headers,
                           times=times)

    # --- the log -----------------------------------------------------------------------------
    def writes(self) -> list[RecordedRequest]:
        return [r for r in self.calls() if r.method in ("POST", "PUT", "DELETE")]

    # --- serving -----------------------------------------------------------------------------
    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        body = _json_or_raw(raw, handler.headers.get("Content-Type") or "")
        kind, secret = _credentials(handler)
        token = self.tokens.get(secret) if secret else None
        found = match(handler.command, split.path)
        route, params = found if found else (None, {})
        record = RecordedRequest(handler.command, unquote(split.path).removeprefix("/api/v4"),
                                 query, body, kind, token.username if token else None,
                                 route.endpoint if route else None)
        with self.lock:
            self.requests.append(record)
            fault = next((f for f in self.faults
                          if f.matches(record.endpoint, handler.command, record.path)), None)
            if fault is not None:
                fault.hits += 1
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            payload: Any = (fault.message if fault.status == 429 and fault.message
                            else error(fault.status, fault.message))
            assert fault.body is None and fault.errors is None   # GitHub-only fields
            status, headers = fault.status, dict(fault.headers or {})
        else:
            with self.lock:
                status, payload, headers = self._answer(route, params, query, body, kind,
                                                        secret, token, split.path)
        record.status = status
        _write(handler, status, payload, headers)

    def _answer(self, route: Route | None, params: dict[str, str], query: dict[str, str],
                body: Any, kind: str | None, secret: str | None, token: Token | None,
                raw_path: str) -> tuple[int, Any, dict[str, str]]:
        try:
            if route is None:
                raise ApiError(404, "404 Not found")
            if secret and (token is None or (kind == "JOB-TOKEN") != token.job):
                raise ApiError(401, "401 Unauthorized")
            if token is None:
                raise ApiError(401, "401 Unauthorized")
            if token.job and not route.job_token and route.method == "GET":
                raise ApiError(403, "403 Forbidden")
            result = route.handler(Call(self, route.method, params, query, body, token))
        except ApiError as problem:
            return problem.status, error(problem.status, problem.message), {}
        status, payload = result if isinstance(result, tuple) else (200, result)
        headers: dict[str, str] = {}
        if route.paginated:
            payload, headers = _page(payload, query, self.url + raw_path)
        return status, payload, headers


def _credentials(handler: BaseHTTPRequestHandler) -> tuple[str | None, str | None]:
    for name in ("PRIVATE-TOKEN", "JOB-TOKEN"):
        if handler.headers.get(name):
            return name, handler.headers[name]
    bearer = handler.headers.get("Authorization") or ""
    if bearer.startswith("Bearer "):
        return "Bearer", bearer[7:]
    return None, None


def _page(items: list[Any], query: dict[str, str], base: str) -> tuple[list[Any],
                                                                          dict[str, str]]:
    """GitLab's offset pagination: X-* headers and a Link header with next/first/last."""
    per_page = min(MAX_PER_PAGE, max(1, int(query.get("per_page") or DEFAULT_PER_PAGE)))
    page = max(1, int(query.get("page") or 1))
    pages = max(1, math.ceil(len(items) / per_page))
    headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
               "X-Total-Pages": str(pages), "X-Next-Page": str(page + 1) if page < pages else "",
               "X-Prev-Page": str(page - 1) if page > 1 else ""}

    def link(number: int, rel: str) -> str:
        return f'<{base}?{urlencode({**query, "page": number, "per_page": per_page})}>; rel="{rel}"'

    links = ([link(page - 1, "prev")] if page > 1 else []) + (
        [link(page + 1, "next")] if page < pages else []) + [link(1, "first"),
                                                              link(pages, "last")]
    headers["Link"] = ", ".join(links)
    return items[(page - 1) * per_page:page * per_page], headers


def _write(handler: BaseHTTPRequestHandler, status: int, payload: Any,
           headers: dict[str, str]) -> None:
    if isinstance(payload, bytes):
        data, content_type = payload, "text/plain; charset=utf-8"
    elif isinstance(payload, str):
        data, content_type = payload.encode(), "text/plain; charset=utf-8"
    else:
        data, content_type = json.dumps(payload).encode(), "application/json"
    try:
        handler.send_response(status)
        for name, value in {"Content-Type": content_type, "Content-Length": str(len(data)),
                            "Cache-Control": "no-cache", **headers}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        pass


def _json_or_raw(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    if "json" in content_type:
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")
    return dict(parse_qsl(raw.decode("utf-8", "replace")))
