"""What every publisher (GitHub or GitLab) returns, and the one-line fallback rule.

A merge or pull request from a fork (and any weak token) may read but not write: every
write is refused (403, or 404 where the platform hides the resource). A publisher that
meets a refusal stops, writes nothing more, and returns a result with `fallback` set
instead of raising; the caller then shows the findings where it still can (the job log,
annotations, job summary, a report file) and prints one line (`fallback_line`) saying
why. Other failures (bad token, platform down, a rate limit that outlasts our patience)
still raise with a one-line message: they are not a property of the token.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from policygate.retrying import RequestError


@dataclass(frozen=True)
class PublishResult:
    """What one publisher did.

    `summary` is one line for the log ("check run policygate: failure, 120 annotations").
    `fallback` is set when the platform refused (403/404): it holds the platform's one-line
    answer, and the caller shows the findings elsewhere (see `fallback_line`).
    `notes` are further one-line facts worth logging (a 422 that was worked around, a
    REQUEST_CHANGES that became a COMMENT); `counts` are for tests and the job summary.
    """
    publisher: str
    summary: str
    fallback: str | None = None
    url: str | None = None
    notes: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def fell_back(self) -> bool:
        return self.fallback is not None

    @classmethod
    def refused(cls, publisher: str, platform: str, reason: object, **counts: int
                ) -> PublishResult:
        """The fallback result: `platform` refused; `counts` says what was done before."""
        return cls(publisher, f"{publisher}: not published ({platform} refused)",
                   fallback=str(reason), counts=counts)


class Refused(Exception):
    """The platform refused a request with 403/404 (not a rate limit): the token may not."""


@contextmanager
def refusing(errors: AbstractContextManager[Any],
             is_refusal: Callable[[Any], bool]) -> Iterator[None]:
    """Run platform calls inside `errors` (the client's one-line error translation); a
    refusal among the errors becomes Refused, the signal to fall back, the rest propagate."""
    try:
        with errors:
            yield
    except RequestError as error:
        if is_refusal(error):
            raise Refused(str(error)) from error
        raise


def fallback_line(results: Iterable[PublishResult], target: str, why: str, instead: str
                  ) -> str | None:
    """The one line to print when some publishers fell back; None when none did.

    `target` is "pull request" or "merge request", `why` the usual reason a token may not
    write there, `instead` where the findings are shown instead."""
    failed = [result for result in results if result.fell_back]
    if not failed:
        return None
    names = _join([result.publisher for result in failed])
    return (f"policygate: could not publish the {names} to the {target} — "
            f"{failed[0].fallback} ({why}); the findings are in {instead} instead, the "
            f"verdict is unchanged")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def chosen_reports(requested: tuple[str, ...] | None, section: Mapping[str, object],
                   defaults: tuple[str, ...], known: tuple[str, ...]) -> tuple[str, ...]:
    """The reports a run publishes: the command line's, else the config section's, else
    the defaults; an unknown name raises ValueError naming the choices."""
    reports = requested or tuple(section.get("reports") or defaults)  # type: ignore[arg-type]
    unknown = [report for report in reports if report not in known]
    if unknown:
        raise ValueError(f"unknown report {unknown[0]!r}: choose from {', '.join(known)}")
    return reports
