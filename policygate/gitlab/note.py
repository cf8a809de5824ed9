"""One summary note on the merge request, updated in place on every run (the sticky note).

It is found by the marker on its first line (review/markers.py) among the notes of our own
account — a person's note that copies the marker is never touched — and edited only when
its text changed, so a re-run with the same verdict sends nothing. The body is the job
summary (reporters.summary_report: every finding by file), a line on where the findings
are discussed and why some are only listed here, and GitLab's own approval rules when the
API shows them; all of it Markdown-escaped, quick actions neutralised (publishing.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from policygate.gitlab.api import GitLabClient
from policygate.gitlab.facts import MergeRequest
from policygate.gitlab.publishing import Discussion, calling, refused, safe_body
from policygate.model import Finding, Report
from policygate.reporters.markdown import cap, escape_text
from policygate.reporters.summary_report import render_summary
from policygate.review.markers import is_sticky, sticky_marker
from policygate.review.result import PublishResult, Refused
from policygate.review.review_plan import (ABOUT_THE_PR, NOT_IN_DIFF, OVER_FILE_LIMIT,
                                           OVER_LINE_LIMIT)

BODY_LIMIT = 1_000_000                   # characters in a GitLab note
PUBLISHER = "summary note"
MORE = ("(a note is limited to 1,000,000 characters); see the job log or the Code Quality "
        "report.")


# review_plan's reasons in a merge request's words.
REASONS = {ABOUT_THE_PR: "about the merge request as a whole",
           NOT_IN_DIFF: "not in a file this merge request changes",
           OVER_LINE_LIMIT: "over the limit of line discussions",
           OVER_FILE_LIMIT: "over the limit of file discussions"}


@dataclass(frozen=True)
class NoteOptions:
    name: str = "policygate"
    username: str = ""                   # our account (publishing.whoami)


def note_body(report: Report, mr: MergeRequest, name: str, *, discussed: int,
              listed: Sequence[tuple[Finding, str]]) -> str:
    marker = sticky_marker(name)
    tail = []
    if discussed or listed:
        reasons: dict[str, int] = {}
        for _, reason in listed:
            reason = REASONS.get(reason, reason)
            reasons[reason] = reasons.get(reason, 0) + 1
        why = "; ".join(f"{count} {reason}" for reason, count in reasons.items())
        tail.append(f"{discussed} finding{'s' * (discussed != 1)} discussed on the diff"
                    + (f", {len(listed)} only listed here ({why})." if listed else "."))
    if mr.approval_rules:
        tail += ["", "**GitLab's approval rules** (shown, not judged by policygate):", ""]
        tail += [f"- {escape_text(rule, 300)}" for rule in mr.approval_rules]
    extra = "\n".join(tail)
    room = BODY_LIMIT - len(marker) - len(extra) - 64
    text = render_summary(report, name, limit=room, more=MORE)
    return safe_body(cap(f"{marker}\n{text}" + (f"\n{extra}\n" if extra else ""), BODY_LIMIT))


def publish_note(client: GitLabClient, mr: MergeRequest, body: str,
                 discussions: list[Discussion], options: NoteOptions) -> PublishResult:
    ours = next((d.first for d in discussions if d.individual and d.first.author ==
                 options.username and not d.first.system
                 and is_sticky(d.first.body, options.name)), None)
    path = f"/projects/{mr.project_id}/merge_requests/{mr.context.number}/notes"
    try:
        if ours is None:
            with calling(client, "posting the summary note", post=True):
                client.gl.http_post(path, post_data={"body": body})
            return PublishResult(PUBLISHER, f"{PUBLISHER}: posted", url=mr.web_url or None,
                                 counts={"created": 1})
        if ours.body == body:
            return PublishResult(PUBLISHER, f"{PUBLISHER}: unchanged", url=mr.web_url or None,
                                 counts={"unchanged": 1})
        with calling(client, f"updating the summary note {ours.id}"):
            client.gl.http_put(f"{path}/{ours.id}", post_data={"body": body})
        return PublishResult(PUBLISHER, f"{PUBLISHER}: updated", url=mr.web_url or None,
                             counts={"updated": 1})
    except Refused as error:
        return refused(PUBLISHER, error)
