"""One configured PyGithub client, and GitHub errors turned into what to do about them.

The client reads its token from the environment (GITHUB_TOKEN unless told otherwise) and
never prints it; the API URL comes from the settings, GITHUB_API_URL (set by Actions, and
by GitHub Enterprise Server runners), or api.github.com. Requests time out, server errors
and rate limits are retried a bounded number of times, and whatever still fails becomes a
GitHubError: one line naming what we were doing, what GitHub said, and the fix.

PyGithub, requests and urllib3 are imported inside functions only (see the package doc).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policygate import __version__
from policygate.extras import require
from policygate.retrying import (RequestError, bounded, header, is_timeout, retry_after, times,
                                 translating)

DEFAULT_API_URL = "https://api.github.com"
NOT_FOUND = "PR or repository not found, or the token cannot see it"


class GitHubError(RequestError):
    """A GitHub call failed; the message is one line and says what to do."""


@dataclass(frozen=True)
class ClientSettings:
    """How to reach GitHub and how patient to be; the defaults are for CI runs."""
    base_url: str | None = None            # else $GITHUB_API_URL, else api.github.com
    token_env: str = "GITHUB_TOKEN"        # the variable holding the token (never the token)
    timeout: int = 15                      # seconds per request (PyGithub wants an int)
    retries: int = 3                       # extra attempts on 5xx, timeouts and rate limits
    backoff: float = 1.0                   # pause factor between retries (urllib3: 0, 2f, 4f...)
    max_wait: float = 60.0                 # longest rate-limit wait honoured; longer -> error
    per_page: int = 100                    # GitHub's maximum page size: fewest requests
    # PyGithub's throttle, which GitHub asks integrations to keep (secondary rate limits).
    seconds_between_requests: float | None = 0.25
    seconds_between_writes: float | None = 1.0

    @property
    def attempts(self) -> int:
        return self.retries + 1


@dataclass(frozen=True)
class GitHubClient:
    """The PyGithub `Github` object plus the settings that explain its errors."""
    github: Any
    settings: ClientSettings
    api_url: str

    def errors(self, action: str, *, not_found: str = NOT_FOUND,
               attempts: int | None = None) -> Any:
        """Context manager: PyGithub/HTTP errors inside become GitHubError(action: ...).

        `attempts` is how often a failing request was tried (POSTs are never retried on
        5xx, so their callers pass 1)."""
        return translate_errors(action, self.settings, api_url=self.api_url,
                                not_found=not_found, attempts=attempts)


def connect(settings: ClientSettings | None = None, *,
            env: Mapping[str, str] | None = None) -> GitHubClient:
    """A PyGithub client configured from settings and the environment."""
    require("github", "github", "PyGithub")  # the first thing to fix, before any setting
    settings = settings or ClientSettings()
    env = os.environ if env is None else env
    token = (env.get(settings.token_env) or "").strip()
    if not token:
        raise GitHubError(f"no GitHub token: set {settings.token_env} (in a workflow: "
                          f"`env: {settings.token_env}: ${{{{ secrets.GITHUB_TOKEN }}}}`)")
    api_url = (settings.base_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        raise GitHubError(f"GitHub API URL {api_url!r} is not an http(s) URL: fix "
                          f"GITHUB_API_URL or the configured base URL")
    import logging

    from github import Auth, Github

    # PyGithub logs every retry at INFO on its own stderr handler; our errors say it all.
    logging.getLogger("github").setLevel(logging.WARNING)
    github = Github(auth=Auth.Token(token), base_url=api_url, timeout=settings.timeout,
                    per_page=settings.per_page, retry=_retry_policy(settings),
                    user_agent=f"policygate/{__version__}",
                    seconds_between_requests=settings.seconds_between_requests,
                    seconds_between_writes=settings.seconds_between_writes)
    return GitHubClient(github, settings, api_url)


def _retry_policy(settings: ClientSettings) -> Any:
    """PyGithub's GithubRetry (retries 403s only when they are rate limits), bounded as
    policygate.retrying says: no blind POST retries, no waits longer than `max_wait`."""
    from github.GithubRetry import GithubRetry

    return bounded(GithubRetry, settings.max_wait)(
        total=settings.retries, backoff_factor=settings.backoff, backoff_max=settings.max_wait,
        status_forcelist=[*range(500, 600), 429], raise_on_status=False,
        allowed_methods=frozenset({"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"}),
        secondary_rate_wait=min(60.0, settings.max_wait), max_rate_limit_wait=settings.max_wait)


def translate_errors(action: str, settings: ClientSettings, *, api_url: str = DEFAULT_API_URL,
                     not_found: str = NOT_FOUND, attempts: int | None = None) -> Any:
    """Context manager: PyGithub/HTTP failures inside become one-line GitHubErrors."""
    tries = settings.attempts if attempts is None else attempts
    return translating(action, GitHubError, lambda error: explain(
        error, settings, api_url=api_url, not_found=not_found, attempts=tries), _status)


def _status(error: BaseException) -> int | None:
    status = getattr(error, "status", None)
    return status if isinstance(status, int) else None


def explain(error: BaseException, settings: ClientSettings, *, api_url: str = DEFAULT_API_URL,
            not_found: str = NOT_FOUND, attempts: int = 1) -> str | None:
    """What went wrong and what to do, in one line; None for errors that are not GitHub's."""
    from github.GithubException import GithubException, RateLimitExceededExceedsMaxWait
    import requests

    if isinstance(error, RateLimitExceededExceedsMaxWait):
        return (f"GitHub rate limit: it asks to wait {error.wait:.0f}s, longer than the "
                f"{settings.max_wait:g}s policygate waits — retry later")
    if isinstance(error, GithubException):
        return _explain_status(error.status, error.data, error.headers, settings,
                               not_found=not_found, attempts=attempts)
    if is_timeout(error):
        return (f"GitHub did not answer within {settings.timeout}s ({times(attempts)}) — "
                f"retry later, or raise the timeout")
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"cannot reach GitHub at {api_url} — check GITHUB_API_URL and the network"
    return None




def _explain_status(status: int, data: Any, headers: Mapping[str, Any] | None,
                    settings: ClientSettings, *, not_found: str, attempts: int) -> str:
    message = _message(data)
    said = f"{status} {message}".strip()
    if _is_rate_limit(status, message, headers):
        kind = ("API rate limit" if message.lower().startswith("api rate limit")
                else "secondary rate limit")
        wait = retry_after(headers)
        if wait is not None and wait > settings.max_wait:
            return (f"GitHub {kind}: it asks to wait {wait:g}s, longer than the "
                    f"{settings.max_wait:g}s policygate waits — retry later")
        return (f"GitHub {kind} still hit after {times(attempts)} ({status}) — wait a few "
                f"minutes, or run fewer jobs against GitHub at once")
    if status == 401:
        return (f"GitHub rejected the token ({said}) — check that {settings.token_env} holds "
                f"a valid, unexpired token")
    if status == 403:
        accepted = header(headers, "X-Accepted-GitHub-Permissions")
        needs = describe_permissions(accepted) if accepted else ""
        if needs and message.lower().startswith("resource not accessible"):
            return (f"GitHub answered {said}: the token lacks {needs} — grant it in the "
                    f"workflow's `permissions:` (or the app/token settings)")
        accepts = f"; the endpoint accepts {needs}" if needs else ""
        return f"GitHub refused ({said}) — the token is not allowed to do this{accepts}"
    if status == 404:
        return f"{not_found} (404)"
    if status == 422:
        return f"GitHub rejected the request ({said})"
    if status >= 500:
        return (f"GitHub answered {said} ({times(attempts)}) — GitHub may be having "
                f"problems; retry later")
    return f"GitHub answered {said}"




def is_refusal(error: GitHubError) -> bool:
    """A 403/404 that is not a rate limit: the token may not see or do this.

    A pull request from a fork runs with a read-only token, so every write answers 403 (or
    404 where GitHub hides the resource); publishers fall back on this instead of failing.
    A rate limit is also a 403, but waiting fixes it, so it is not a refusal."""
    if error.status not in (403, 404):
        return False
    cause = error.__cause__
    message = _message(getattr(cause, "data", None))
    return not _is_rate_limit(error.status, message, getattr(cause, "headers", None))


def _is_rate_limit(status: int, message: str, headers: Mapping[str, Any] | None) -> bool:
    if status == 429:
        return True
    lowered = message.lower()
    return status == 403 and (
        header(headers, "Retry-After") is not None
        or lowered.startswith(("api rate limit exceeded", "you have exceeded a secondary rate"))
        or "secondary rate limit" in lowered)


def _message(data: Any) -> str:
    """GitHub's message plus its validation details, flattened to one line (capped: a
    proxy's HTML error page must not flood the log)."""
    if not isinstance(data, dict):
        data = {"data": data}
    parts = [str(data.get("message") or data.get("data") or "")]   # "data": a non-JSON body
    for item in data.get("errors") or []:
        if isinstance(item, dict):
            parts.append(str(item.get("message") or
                             f"{item.get('field', '?')} {item.get('code', 'invalid')}"))
        else:
            parts.append(str(item))
    return " ".join(" ".join(p.split()) for p in parts if p).strip()[:300]


def describe_permissions(accepted: str) -> str:
    """`issues=write; pull_requests=write` -> `issues: write (or pull-requests: write)`,
    spelled like a workflow's `permissions:` block. GitHub separates alternative sets with
    `;` and the permissions within one set with `,`."""
    alternatives = []
    for alternative in accepted.split(";"):
        needs = [item.strip().partition("=") for item in alternative.split(",") if item.strip()]
        if needs:
            alternatives.append(" and ".join(f"{name.replace('_', '-')}: {level}"
                                             for name, _, level in needs))
    if len(alternatives) <= 1:
        return "".join(alternatives)
    return f"{alternatives[0]} (or {', or '.join(alternatives[1:])})"
