"""The machinery of the fake GitHub's endpoints: routing, errors, pagination.

Every route has a stable endpoint name (`pulls.files`, `checks.create`, ...) that tests
use to inject faults and to filter the request log, the permission GitHub documents for
it (sent back in `X-Accepted-GitHub-Permissions`, enforced for restricted tokens), and
its documentation URL (GitHub puts it in every error body). The endpoints themselves are
in fake_repos, fake_pulls and fake_checks; fake_routes loads them all.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

from tests.github.fake_json import Shapes
from tests.github.fake_state import GitHubState, PullRequest, Repository, Token

DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    """An error answer: GitHub's body shape, plus optional headers."""

    def __init__(self, status: int, message: str, *, errors: list[Any] | None = None,
                 headers: dict[str, str] | None = None, docs: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors
        self.headers = headers or {}
        self.docs = docs


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """One request as a handler sees it."""
    hub: GitHubState
    shapes: Shapes
    method: str
    path: str                      # canonical (/repositories/{id}/... rewritten to /repos/...)
    query: dict[str, str]
    body: Any
    params: dict[str, str]
    token: Token | None

    @property
    def login(self) -> str:
        return self.token.login if self.token else ""

    def repo(self) -> Repository:
        repo = self.hub.repo(f"{self.params['owner']}/{self.params['repo']}")
        if repo is None or (repo.private and self.token is None):
            raise ApiError(404, "Not Found")
        return repo

    def pull(self) -> PullRequest:
        pull = self.repo().pulls.get(int(self.params["number"]))
        if pull is None:
            raise ApiError(404, "Not Found")
        return pull

    def arg(self, name: str) -> Any:
        """A top-level field of the JSON body (None when absent)."""
        return (self.body or {}).get(name) if isinstance(self.body, dict) else None


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: str
    permission: str                # X-Accepted-GitHub-Permissions ("" = none needed)
    docs: str
    handler: Callable[[Call], Response]
    write: bool


ROUTES: list[Route] = []


def route(method: str, template: str, endpoint: str, permission: str, docs: str
          ) -> Callable[[Callable[[Call], Response]], Callable[[Call], Response]]:
    """Register a handler; `{name}` matches one path segment, `{name+}` the rest."""
    regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", template)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)

    def register(handler: Callable[[Call], Response]) -> Callable[[Call], Response]:
        ROUTES.append(Route(method, re.compile(f"^{regex}$"), endpoint, permission,
                            f"{DOCS}/{docs}", handler, method != "GET"))
        return handler
    return register


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        found = candidate.pattern.match(path)
        if found and candidate.method == method:
            return candidate, found.groupdict()
    return None


def paginate(call: Call, items: list[Any], render: Callable[[Any], Any],
             cap: int | None = None) -> Response:
    """One page of a list, with GitHub's Link header (per_page default 30, at most 100)."""
    try:
        per_page = max(1, min(int(call.query.get("per_page", 30)), 100))
        page = max(1, int(call.query.get("page", 1)))
    except ValueError:
        raise ApiError(422, "Invalid pagination parameters") from None
    if cap is not None:
        items = items[:cap]
    last = max(1, math.ceil(len(items) / per_page))
    chunk = items[(page - 1) * per_page:page * per_page]
    headers = {}
    if last > 1:
        def link(number: int, rel: str) -> str:
            query = {k: v for k, v in call.query.items() if k not in ("page", "per_page")}
            query.update(per_page=str(per_page), page=str(number))
            return f'<{call.shapes.base}{_link_path(call)}?{urlencode(query)}>; rel="{rel}"'
        rels = []
        if page > 1:
            rels.append(link(page - 1, "prev"))
        if page < last:
            rels += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            rels.append(link(1, "first"))
        headers["Link"] = ", ".join(rels)
    return Response(200, [render(item) for item in chunk], headers)


def _link_path(call: Call) -> str:
    """GitHub's Link URLs address repositories by id: /repositories/{id}/..."""
    if "owner" in call.params and "repo" in call.params:
        prefix = f"/repos/{call.params['owner']}/{call.params['repo']}"
        return f"/repositories/{call.repo().id}{call.path[len(prefix):]}"
    return call.path


def created(body: dict[str, Any]) -> Response:
    return Response(201, body, {"Location": body["url"]})


def to_sentence(items: list[str]) -> str:
    """Rails' Array#to_sentence, which GitHub uses to join validation messages."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]
