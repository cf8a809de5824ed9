"""One summary comment on the pull request, updated in place on every run.

A new comment per run would bury the conversation; this one is created once and then
edited, so the pull request always shows the latest verdict in one place. It is found
by the marker on its first line (markers.py) among the comments of our own account —
a human comment that copies the marker is never touched. The body is the job summary
(reporters.summary_report) capped to GitHub's 65,536 characters.
"""
from __future__ import annotations

from dataclasses import dataclass

from policygate.approvals.context import PullRequestContext
from policygate.github.api import GitHubClient
from policygate.review.markers import is_sticky, sticky_marker
from policygate.github.publishing import (PublishResult, Refused, calling, lazy_repo,
                                          refused, resolve_login)
from policygate.model import Report
from policygate.reporters.markdown import cap
from policygate.reporters.summary_report import render_summary

BODY_LIMIT = 65_536
PUBLISHER = "summary comment"
MORE = ("(a comment is limited to 65,536 characters); see the check run, the job summary "
        "or the SARIF report.")


@dataclass(frozen=True)
class StickyOptions:
    name: str = "policygate"                 # the check's name: one comment per name
    login: str | None = None                 # our account; None: ask GitHub (publishing.py)


def sticky_body(report: Report, name: str) -> str:
    marker = sticky_marker(name)
    text = render_summary(report, name, limit=BODY_LIMIT - len(marker.encode()) - 64, more=MORE)
    return cap(f"{marker}\n{text}", BODY_LIMIT)


def publish_sticky(client: GitHubClient, pr: PullRequestContext, report: Report,
                   options: StickyOptions = StickyOptions()) -> PublishResult:
    body = sticky_body(report, options.name)
    try:
        login = resolve_login(client, options.login)
        issue = lazy_repo(client, pr.repository).get_issue(pr.number)
        with calling(client, "reading the pull request's comments"):
            ours = next((c for c in issue.get_comments()
                         if c.user is not None and c.user.login == login
                         and is_sticky(c.body, options.name)), None)
        if ours is None:
            with calling(client, "posting the summary comment", post=True):
                created = issue.create_comment(body)
            return PublishResult(PUBLISHER, f"{PUBLISHER}: posted", url=created.html_url,
                                 counts={"created": 1})
        if ours.body == body:
            return PublishResult(PUBLISHER, f"{PUBLISHER}: unchanged", url=ours.html_url,
                                 counts={"unchanged": 1})
        with calling(client, f"updating the summary comment {ours.id}"):
            ours.edit(body)
        return PublishResult(PUBLISHER, f"{PUBLISHER}: updated", url=ours.html_url,
                             counts={"updated": 1})
    except Refused as error:
        return refused(PUBLISHER, error)
