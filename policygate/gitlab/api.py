"""One configured python-gitlab client, and GitLab errors turned into what to do about them.

The token comes from the environment and is never printed: `POLICYGATE_GITLAB_TOKEN`,
else `GITLAB_TOKEN` (a project or group access token, or a personal one, with the `api`
scope: it reads the merge request and writes discussions, notes and statuses), else
`CI_JOB_TOKEN` (GitLab lets a job token read little and write nothing of a merge
request, so publishing then falls back to the job log). The server is the configured
URL, else `CI_SERVER_URL` (set in every GitLab job), else gitlab.com.

Retries are policygate's, not python-gitlab's: urllib3's Retry on the requests session,
bounded as policygate.retrying says (5xx, timeouts and 429 a few times; never a POST
after a 5xx or a read timeout; a Retry-After beyond `max_wait` fails now). python-gitlab's
own loop would retry POSTs and sleep as long as any Retry-After asks. Writes are paced
(`seconds_between_writes`): GitLab.com limits notes per user and minute.

python-gitlab, requests and urllib3 are imported inside functions only.
"""
from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policygate import __version__
from policygate.extras import require
from policygate.retrying import RequestError, is_timeout, times, translating

DEFAULT_URL = "https://gitlab.com"
TOKEN_VARIABLES = ("POLICYGATE_GITLAB_TOKEN", "GITLAB_TOKEN")
JOB_TOKEN = "CI_JOB_TOKEN"
NOT_FOUND = "merge request or project not found, or the token cannot see it"


class GitLabError(RequestError):
    """A GitLab call failed; the message is one line and says what to do."""


@dataclass(frozen=True)
class GitLabSettings:
    """How to reach GitLab and how patient to be; the defaults are for CI jobs."""
    base_url: str | None = None            # else $CI_SERVER_URL, else gitlab.com
    token_env: str | None = None           # the variable holding the token; else see above
    timeout: float = 15.0                  # seconds per request
    retries: int = 3                       # extra attempts on 5xx, timeouts and 429
    backoff: float = 1.0                   # pause factor between retries
    max_wait: float = 60.0                 # longest Retry-After honoured; longer -> error
    per_page: int = 100                    # GitLab's maximum page size: fewest requests
    seconds_between_writes: float = 0.2    # GitLab.com: 300 notes per minute and user

    @property
    def attempts(self) -> int:
        return self.retries + 1


@dataclass
class GitLabClient:
    """The python-gitlab `Gitlab` object plus what explains its errors."""
    gl: Any
    settings: GitLabSettings
    url: str
    token_variable: str                    # which variable the token came from
    requests: int = 0                      # HTTP requests sent (for the log and the bench)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def job_token(self) -> bool:
        return self.token_variable == JOB_TOKEN

    def errors(self, action: str, *, not_found: str = NOT_FOUND,
               post: bool = False) -> Any:
        """Context manager: python-gitlab/HTTP errors inside become GitLabError(action: ...).
        `post=True` for POSTs, which are tried once on a 5xx or timeout."""
        return translate_errors(action, self, not_found=not_found,
                                attempts=1 if post else self.settings.attempts)

    def list(self, path: str, **query: Any) -> Any:
        """Every item of a paginated endpoint, fetched page by page at the largest page size
        (python-gitlab's http_list does not apply the client's per_page by itself)."""
        return self.gl.http_list(path, iterator=True, per_page=self.settings.per_page,
                                 query_data=query or None)

    def project(self, project: int | str) -> Any:
        """A lazy project object: no request until something is asked of it."""
        return self.gl.projects.get(project, lazy=True)


def connect(settings: GitLabSettings | None = None, *,
            env: Mapping[str, str] | None = None) -> GitLabClient:
    """A python-gitlab client configured from settings and the environment."""
    settings = settings or GitLabSettings()
    env = os.environ if env is None else env
    variable, token = _token(settings, env)
    url = (settings.base_url or env.get("CI_SERVER_URL") or DEFAULT_URL).rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise GitLabError(f"GitLab URL {url!r} is not an http(s) URL: fix CI_SERVER_URL or "
                          f"the configured base URL")
    gitlab = require("gitlab", "gitlab", "python-gitlab")
    credentials = {"job_token": token} if variable == JOB_TOKEN else {"private_token": token}
    holder: dict[str, GitLabClient] = {}
    gl = _client_class(gitlab)(url, timeout=settings.timeout, per_page=settings.per_page,
                               user_agent=f"policygate/{__version__}",
                               retry_transient_errors=False, **credentials)
    gl.policygate = holder
    _mount_retries(gl.session, settings)
    client = GitLabClient(gl, settings, url, variable)
    holder["client"] = client
    return client


def _token(settings: GitLabSettings, env: Mapping[str, str]) -> tuple[str, str]:
    names = (settings.token_env,) if settings.token_env else TOKEN_VARIABLES + (JOB_TOKEN,)
    for name in names:
        value = (env.get(name) or "").strip()
        if value:
            return name, value
    wanted = settings.token_env or " or ".join(TOKEN_VARIABLES)
    raise GitLabError(f"no GitLab token: set {wanted} to a token with the api scope (a "
                      f"project access token with the Reporter role or higher, stored as a "
                      f"masked CI/CD variable)")


def _client_class(gitlab: Any) -> type:
    """python-gitlab's Gitlab with its own retry loop off and writes paced."""

    class Client(gitlab.Gitlab):  # type: ignore[misc, name-defined]
        _last_write = 0.0

        def http_request(self, verb: str, path: str, *args: Any, **kwargs: Any) -> Any:
            kwargs.update(obey_rate_limit=False, retry_transient_errors=False, max_retries=0)
            client = self.policygate.get("client")
            if client is not None:
                if verb.lower() in ("post", "put", "delete"):
                    self._pace(client.settings.seconds_between_writes)
                with client._lock:
                    client.requests += 1
            return super().http_request(verb, path, *args, **kwargs)

        def _pace(self, interval: float) -> None:
            wait = self._last_write + interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_write = time.monotonic()

    return Client


def _mount_retries(session: Any, settings: GitLabSettings) -> None:
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    from policygate.retrying import bounded

    retry = bounded(Retry, settings.max_wait)(
        total=settings.retries, backoff_factor=settings.backoff, backoff_max=settings.max_wait,
        status_forcelist=[*range(500, 600), 429], raise_on_status=True,
        respect_retry_after_header=True,
        allowed_methods=frozenset({"GET", "HEAD", "POST", "PUT", "DELETE"}))
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


def translate_errors(action: str, client: GitLabClient, *, not_found: str = NOT_FOUND,
                     attempts: int = 1) -> Any:
    """Context manager: python-gitlab/HTTP failures inside become one-line GitLabErrors."""
    return translating(action, GitLabError, lambda error: explain(
        error, client, not_found=not_found, attempts=attempts), status_of)


def status_of(error: BaseException) -> int | None:
    status = getattr(error, "response_code", None)
    return status if isinstance(status, int) else None


def explain(error: BaseException, client: GitLabClient, *, not_found: str = NOT_FOUND,
            attempts: int = 1) -> str | None:
    """What went wrong and what to do, in one line; None for errors that are not GitLab's."""
    import requests
    from gitlab.exceptions import GitlabError

    settings = client.settings
    if isinstance(error, GitlabError) and isinstance(error.response_code, int):
        return _explain_status(error.response_code, message(error), client,
                               not_found=not_found, attempts=attempts)
    if isinstance(error, requests.exceptions.RetryError):
        return _gave_up(error, client, attempts)
    if is_timeout(error):
        return (f"GitLab did not answer within {settings.timeout:g}s "
                f"({times(attempts)}) — retry later, or raise the timeout")
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"cannot reach GitLab at {client.url} — check CI_SERVER_URL and the network"
    return None


def _gave_up(error: BaseException, client: GitLabClient, attempts: int) -> str:
    """Retries ran out (urllib3 says why: "too many 502 error responses"), or GitLab asked
    for a longer wait than we allow ("Retry-After 120s exceeds 60s")."""
    cause = error.args[0] if error.args else None
    reason = str(getattr(cause, "reason", "") or cause or "")
    waited = re.search(r"Retry-After (\S+)s exceeds", reason)
    if waited:
        return (f"GitLab rate limit: it asks to wait {waited.group(1)}s, longer than the "
                f"{client.settings.max_wait:g}s policygate waits — retry later")
    status = re.search(r"too many (\d{3}) error responses", reason)
    code = int(status.group(1)) if status else 0
    return _explain_status(code, "", client, not_found=NOT_FOUND, attempts=attempts)




def _explain_status(status: int, said: str, client: GitLabClient, *, not_found: str,
                    attempts: int) -> str:
    answer = f"{status} {said}".strip() if not said.startswith(str(status)) else said
    if status == 429:
        return (f"GitLab rate limit still hit after {times(attempts)} ({answer}) — wait a "
                f"few minutes, or run fewer jobs against GitLab at once")
    if status == 401:
        return (f"GitLab rejected the token ({answer}) — check that {client.token_variable} "
                f"holds a valid, unexpired token")
    if status == 403:
        hint = (" (CI_JOB_TOKEN may not do this: store a project access token with the api "
                "scope as POLICYGATE_GITLAB_TOKEN)" if client.job_token else
                " (a merge request from a fork, or a token without the api scope or role)")
        return f"GitLab refused ({answer}) — the token is not allowed to do this{hint}"
    if status == 404:
        return f"{not_found} (404)"
    if status in (400, 409, 422):
        return f"GitLab rejected the request ({answer})"
    if status >= 500:
        return (f"GitLab answered {answer} ({times(attempts)}) — GitLab may be having "
                f"problems; retry later")
    return f"GitLab answered {answer}"




def message(error: Any) -> str:
    """GitLab's message flattened to one line and capped (a proxy's HTML error page must
    not flood the log; validation errors come as a mapping of field -> problems)."""
    said = getattr(error, "error_message", "")
    if isinstance(said, bytes):
        said = said.decode("utf-8", "replace")
    if isinstance(said, dict):
        said = "; ".join(f"{key} {' '.join(map(str, v)) if isinstance(v, list) else v}"
                         for key, v in said.items())
    return " ".join(str(said).split())[:300]


def is_refusal(error: GitLabError) -> bool:
    """A 403/404: the token may not see or do this (a fork's, a job token)."""
    return error.status in (403, 404)
