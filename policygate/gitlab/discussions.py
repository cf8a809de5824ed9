"""Findings as discussions on the exact lines of the merge request's diff.

    publish_discussions(client, mr, report, options, diff=DiffIndex.from_changes(run.changes),
                        discussions=read_discussions(...), head=ChangeSetReader(...))

review_plan.py decides where each finding goes (a line of the diff, the file, or only the
summary note) and what earlier runs left: this module carries the plan out with GitLab's
positions. A discussion on a line is `position_type: text` with the diff's base, start
and head SHAs, the old and new path, the new line and — on an unchanged line — the old
line (DiffIndex.old_line), as GitLab requires; one on a changed file outside the diff is
`position_type: file`. Each discussion starts with the finding's marker, so a re-run
recognises its own (by author and marker) and posts nothing twice.

Budget and pacing: at most `max_discussions` line and `max_file_discussions` file
discussions stand on the merge request (earlier ones count), the rest is listed in the
summary note; writes are paced by the client (GitLab.com limits notes per minute) and a
429 is waited out as long as Retry-After allows. A discussion GitLab rejects (400: a
position it cannot place, e.g. after a force-push) is listed instead; the others go on.

Re-runs: an unchanged finding is left alone; a changed text is edited in place; a
finding that is gone gets its note edited to "resolved" and its discussion resolved —
unless a person replied: a conversation is never closed under people's feet. A run that
did not complete resolves nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policygate.gitlab.api import GitLabClient, GitLabError
from policygate.gitlab.facts import MergeRequest
from policygate.gitlab.publishing import (Discussion, calling, refused, safe_body)
from policygate.model import Finding, Report, Severity
from policygate.review.comment_text import resolved_comment
from policygate.review.diffmap import DiffIndex
from policygate.review.headfiles import FileReader
from policygate.review.markers import read_finding_marker
from policygate.review.result import PublishResult, Refused
from policygate.review.review_plan import Existing, Planned, PlanOptions, plan_review

PUBLISHER = "discussions"
REJECTED = "rejected by GitLab as a discussion"
INCOMPLETE = ("the check did not complete, so earlier discussions whose finding is missing "
              "now are kept open")


@dataclass(frozen=True)
class DiscussionOptions:
    name: str = "policygate"                 # the gate's name, in every marker
    max_discussions: int = 50                # line discussions standing on the MR
    max_file_discussions: int = 10
    min_severity: Severity = Severity.NOTE
    suggestions: bool = True
    username: str = ""                       # our account (publishing.whoami)

    def plan(self) -> PlanOptions:
        return PlanOptions(name=self.name, max_comments=self.max_discussions,
                           max_file_comments=self.max_file_discussions,
                           min_severity=self.min_severity, suggestions=self.suggestions,
                           ranges=False, count_earlier=True)


@dataclass
class _Run:
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    listed: list[tuple[Finding, str]] = field(default_factory=list)

    def add(self, name: str, number: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + number


@dataclass(frozen=True)
class DiscussionsResult:
    """The publisher's result, and what the summary note should list (finding, why)."""
    result: PublishResult
    listed: tuple[tuple[Finding, str], ...] = ()
    discussed: int = 0


def publish_discussions(client: GitLabClient, mr: MergeRequest, report: Report,
                        options: DiscussionOptions, *, diff: DiffIndex,
                        discussions: list[Discussion], head: FileReader | None = None
                        ) -> DiscussionsResult:
    run = _Run()
    earlier = _ours(discussions, options)
    plan = plan_review(report.findings, diff, earlier, options.plan(), head)
    if report.failures and plan.stale:
        plan.left_alone += plan.stale
        plan.stale = []
        run.notes.append(INCOMPLETE)
    run.listed = list(plan.listed)
    try:
        for planned in plan.inline + plan.file_level:
            _post(client, mr, planned, diff, run)
        for existing, body in plan.updates:
            _edit(client, mr, existing, body, run)
        for existing in plan.stale:
            _resolve(client, mr, existing, options.name, run)
    except Refused as error:
        return DiscussionsResult(refused(PUBLISHER, error, **run.counts), tuple(run.listed))
    run.add("unchanged", len(plan.unchanged))
    run.add("left_alone", len(plan.left_alone))
    standing = plan.commented(file_level=False) + plan.commented(file_level=True) - \
        run.counts.get("rejected", 0)
    return DiscussionsResult(
        PublishResult(PUBLISHER, _summary(run.counts), url=mr.web_url or None,
                      notes=tuple(run.notes), counts=dict(run.counts)),
        tuple(run.listed), standing)


def _ours(discussions: list[Discussion], options: DiscussionOptions) -> list[Existing]:
    """Our earlier finding discussions: first note by us, starting with our marker."""
    found = []
    for discussion in discussions:
        first = discussion.first
        marker = read_finding_marker(first.body, options.name)
        if marker is None or first.author != options.username or first.position is None:
            continue
        position = first.position
        replied = any(n.author != options.username and not n.system
                      for n in discussion.notes[1:])
        file_level = position.get("position_type") == "file"
        found.append(Existing(first.id, marker.fingerprint, marker.resolved,
                              position.get("new_path") or "",
                              None if file_level else position.get("new_line"), None,
                              file_level, first.body, replied, discussion))
    return found


def position(mr: MergeRequest, planned: Planned, diff: DiffIndex) -> dict[str, Any]:
    """GitLab's position for a planned comment (head side; old side for context lines)."""
    refs = mr.diff_refs
    old_path = next((f.previous_path for f in mr.context.files
                     if f.path == planned.path and f.previous_path), planned.path)
    shaped: dict[str, Any] = {"base_sha": refs.base_sha, "start_sha": refs.start_sha,
                              "head_sha": refs.head_sha, "old_path": old_path,
                              "new_path": planned.path}
    if planned.line is None:
        shaped["position_type"] = "file"
        return shaped
    shaped.update(position_type="text", new_line=planned.line)
    old_line = diff.old_line(planned.path, planned.line)
    if old_line is not None:
        shaped["old_line"] = old_line
    return shaped


def _post(client: GitLabClient, mr: MergeRequest, planned: Planned, diff: DiffIndex,
          run: _Run) -> None:
    where = f"{planned.path}:{planned.line}" if planned.line else planned.path
    data = {"body": safe_body(planned.body), "position": position(mr, planned, diff)}
    try:
        with calling(client, f"opening a discussion on {where}", post=True):
            client.project(mr.project_id).mergerequests.get(
                mr.context.number, lazy=True).discussions.create(data)
    except GitLabError as error:
        if error.status not in (400, 422):
            raise
        run.listed.append((planned.finding, REJECTED))
        run.add("rejected")
        if run.counts["rejected"] == 1:
            run.notes.append(f"GitLab rejected the discussion on {where} "
                             f"({str(error).partition(': ')[2]}); such findings are listed "
                             f"in the summary note instead")
        return
    run.add("file_discussions" if planned.line is None else "line_discussions")


def _edit(client: GitLabClient, mr: MergeRequest, existing: Existing, body: str,
          run: _Run) -> None:
    discussion: Discussion = existing.handle
    _put_note(client, mr, discussion, existing.id, body)
    if existing.resolved and discussion.resolved:      # the finding is back: reopen
        _set_resolved(client, mr, discussion, False)
        run.add("reopened")
    run.add("updated")


def _resolve(client: GitLabClient, mr: MergeRequest, existing: Existing, name: str,
             run: _Run) -> None:
    discussion: Discussion = existing.handle
    _put_note(client, mr, discussion, existing.id,
              resolved_comment(name, existing.fingerprint, mr.context.head.sha))
    if not discussion.resolved:
        _set_resolved(client, mr, discussion, True)
    run.add("resolved")


def _put_note(client: GitLabClient, mr: MergeRequest, discussion: Discussion, note_id: int,
              body: str) -> None:
    with calling(client, f"updating discussion note {note_id}"):
        client.gl.http_put(_discussion_path(mr, discussion) + f"/notes/{note_id}",
                           post_data={"body": safe_body(body)})


def _set_resolved(client: GitLabClient, mr: MergeRequest, discussion: Discussion,
                  resolved: bool) -> None:
    with calling(client, f"{'resolving' if resolved else 'reopening'} discussion "
                         f"{discussion.id}"):
        client.gl.http_put(_discussion_path(mr, discussion), post_data={"resolved": resolved})


def _discussion_path(mr: MergeRequest, discussion: Discussion) -> str:
    return (f"/projects/{mr.project_id}/merge_requests/{mr.context.number}/discussions/"
            f"{discussion.id}")


def _summary(counts: dict[str, int]) -> str:
    words = [("line_discussions", "new line discussions"),
             ("file_discussions", "new file discussions"), ("unchanged", "already there"),
             ("updated", "updated"), ("reopened", "reopened"), ("resolved", "resolved"),
             ("left_alone", "left alone (replied to)"), ("rejected", "rejected by GitLab")]
    said = [f"{counts[key]} {text}" for key, text in words if counts.get(key)]
    return f"{PUBLISHER}: {', '.join(said) if said else 'nothing new to post'}"
