"""What every GitHub publisher shares: its result, the fallback rule, who we are.

The publishers (checks, status, review, sticky) all have the shape

    publish_x(client, pr, report, options, ...) -> PublishResult

with `client` from api.connect, `pr` the approvals.context.PullRequestContext of the run
and `report` the model.Report whose verdict has already been decided. They never change
the verdict: they only say what they did.

The fallback contract. A pull request from a fork (and any weak token) may read but not
write: every write answers 403, or 404 where GitHub hides the resource. A publisher that
meets such a refusal stops, writes nothing more, and returns a result with `fallback`
set instead of raising; the caller then prints the annotations and the job summary and
one line (`fallback_line`) saying why. Other failures (bad token, GitHub down, a rate
limit that outlasts our patience) still raise api.GitHubError with a one-line message:
they are not a property of the token, so they are not silently papered over.

PyGithub is imported inside functions only (see the package docstring).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from policygate.github.api import GitHubClient, is_refusal
from policygate.review.result import PublishResult, Refused, refusing
from policygate.review.result import fallback_line as review_fallback_line

__all__ = ["PublishResult", "Refused", "calling", "fallback_line", "lazy_repo", "refused",
           "resolve_login"]

# The login of the default GITHUB_TOKEN. It cannot ask GitHub who it is (GET /user answers
# 403 to installation tokens), so this is what such a token's comments are authored by.
ACTIONS_LOGIN = "github-actions[bot]"


def calling(client: GitHubClient, action: str, *, post: bool = False) -> Any:
    """Context manager for GitHub calls: errors become one-line GitHubErrors, refusals
    become Refused.

    `post=True` for POSTs, which are never retried (a retried POST could post twice), so
    the error message counts one attempt."""
    return refusing(client.errors(action, attempts=1 if post else None), is_refusal)


def refused(publisher: str, reason: Refused | str, **counts: int) -> PublishResult:
    """The fallback result: GitHub refused; `counts` says what was done before that."""
    return PublishResult.refused(publisher, "GitHub", reason, **counts)


def fallback_line(results: Iterable[PublishResult]) -> str | None:
    """The one line to print when some publishers fell back; None when none did."""
    return review_fallback_line(results, "pull request",
                                "a pull request from a fork gets a read-only token",
                                "the annotations and the job summary")


def resolve_login(client: GitHubClient, login: str | None = None) -> str:
    """The login our comments are authored by, to recognise them on the next run.

    Given explicitly (a GitHub App's `<slug>[bot]`) it is used as is; otherwise GitHub is
    asked (personal tokens); an installation token may not ask and is the Actions bot."""
    if login:
        return login
    try:
        with calling(client, "finding out which account the token belongs to"):
            return str(client.github.get_user().login)
    except Refused:
        return ACTIONS_LOGIN


def lazy_repo(client: GitHubClient, repository: str) -> Any:
    """The repository as a lazy PyGithub object: no request until something is asked."""
    return client.github.withLazy(True).get_repo(repository)
