"""A commit status on the pull request head: the check for tokens without `checks: write`.

Some tokens cannot create check runs (a personal access token, a GitHub App without the
Checks permission, a GITHUB_TOKEN whose workflow grants only `statuses: write`), but a
commit status works for them and branch protection can require it just the same. The
context is the check's name, so switching between the two keeps the required check's
name. States follow verdict.py: error when the run failed, failure when a finding is at
or above the threshold, success otherwise (a status has no neutral; the description
says what was found). The description is plain text, at most 140 characters (GitHub's
limit), and made only of our own words and counts — nothing from the pull request.
"""
from __future__ import annotations

from dataclasses import dataclass

from policygate.approvals.context import PullRequestContext
from policygate.github import verdict
from policygate.github.api import GitHubClient
from policygate.github.publishing import PublishResult, Refused, calling, lazy_repo, refused
from policygate.model import Report, Severity
from policygate.reporters.markdown import cap

DESCRIPTION_LIMIT = 140
PUBLISHER = "commit status"


@dataclass(frozen=True)
class StatusOptions:
    name: str = "policygate"                   # the status context
    fail_on: Severity | None = Severity.ERROR
    target_url: str | None = None              # e.g. the workflow run's URL


def description(report: Report, fail_on: Severity | None) -> str:
    return cap(f"policygate: {verdict.title(report, fail_on)}", DESCRIPTION_LIMIT)


def publish_status(client: GitHubClient, pr: PullRequestContext, report: Report,
                   options: StatusOptions = StatusOptions()) -> PublishResult:
    state = verdict.status_state(report, options.fail_on)
    extra = {"target_url": options.target_url} if options.target_url else {}
    try:
        with calling(client, f"setting commit status {options.name!r}", post=True):
            lazy_repo(client, pr.repository).get_commit(pr.head.sha).create_status(
                state, description=description(report, options.fail_on),
                context=options.name, **extra)
    except Refused as error:
        return refused(PUBLISHER, error)
    return PublishResult(PUBLISHER, f"{PUBLISHER} {options.name}: {state}",
                         counts={"requests": 1})
