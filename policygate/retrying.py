"""Bounded retries for the platform clients (urllib3's Retry, shared by GitHub and GitLab).

The rules, as a mixin over urllib3's Retry (or PyGithub's GithubRetry):
- a POST that got a 5xx or timed out is never retried: the platform may have applied it,
  and a second try would post a comment or discussion twice (PATCH/PUT/DELETE are
  idempotent; a 429 means "not applied", so a POST is retried after it);
- a Retry-After longer than `max_wait` is not waited for: the run fails now, clearly.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any


class RequestError(Exception):
    """A platform call failed; the message is one line and says what to do. `status` is
    the HTTP status when there was one (publishers tell refusals apart by it)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@contextmanager
def translating(action: str, error_class: type[RequestError],
                explain: Callable[[BaseException], str | None],
                status_of: Callable[[BaseException], int | None]) -> Iterator[None]:
    """Re-raise a client library's failure inside the block as one-line
    `error_class(f"{action}: {explain(error)}")`; a failure `explain` does not know (None)
    is not the platform's and propagates unchanged, and so does a RequestError."""
    try:
        yield
    except RequestError:
        raise
    except Exception as error:
        problem = explain(error)
        if problem is None:
            raise
        raise error_class(f"{action}: {problem}", status=status_of(error)) from error


def is_timeout(error: BaseException) -> bool:
    """requests reports a read timeout that exhausted the retries as a ConnectionError
    wrapping urllib3's MaxRetryError(reason=ReadTimeoutError)."""
    import requests
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    if isinstance(error, requests.exceptions.Timeout):
        return True
    cause = error.args[0] if isinstance(error, requests.exceptions.ConnectionError) and \
        error.args else None
    reason = cause.reason if isinstance(cause, MaxRetryError) else None
    # urllib3 makes a refused connection (NewConnectionError) a kind of connect timeout.
    return isinstance(reason, Urllib3Timeout) and not isinstance(reason, NewConnectionError)


def times(attempts: int) -> str:
    return "1 attempt" if attempts == 1 else f"{attempts} attempts"


def retry_after(headers: Mapping[str, Any] | None) -> float | None:
    value = header(headers, "Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """Case-insensitive header lookup (PyGithub lower-cases names, urllib3 does not)."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def bounded(base: type, max_wait: float) -> type:
    """A subclass of the Retry class `base` with the rules above."""
    from urllib3.exceptions import MaxRetryError, ResponseError

    class BoundedRetry(base):  # type: ignore[misc, valid-type]
        def is_retry(self, method: str, status_code: int, has_retry_after: bool = False
                     ) -> bool:
            if method == "POST" and status_code >= 500:
                return False
            return bool(super().is_retry(method, status_code, has_retry_after))

        def increment(self, method: str | None = None, url: str | None = None,
                      response: Any = None, error: Exception | None = None,
                      _pool: Any = None, _stacktrace: Any = None) -> Any:
            if response is not None:
                wait = retry_after(response.headers)
                if wait is not None and wait > max_wait:
                    raise MaxRetryError(_pool, url, ResponseError(
                        f"Retry-After {wait:g}s exceeds {max_wait:g}s"))
            if error is not None and method == "POST" and self._is_read_error(error):
                raise error
            return super().increment(method, url, response, error, _pool, _stacktrace)

    return BoundedRetry
