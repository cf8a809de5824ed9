"""The pull request review: findings as comments on the exact lines of the diff.

    publish_review(client, pr, report, options, diff=DiffIndex.from_changes(run.changes),
                   head=ChangeSetReader(run.changes, root))

One run posts at most ONE review, and only when it has something new to say: new line
comments, a changed list of findings in its body, or a change request that is due. Its
line comments (at most 30) are placed by review_plan.py on lines GitHub's diff contains,
so GitHub never rejects the review for a line outside the diff; file-level comments go
through the single-comment endpoint (`subject_type: file`; a review cannot carry them);
the rest is listed in the review body. Order of requests: read our earlier comments and
reviews, post file comments, post the review, edit what changed, resolve or delete what
is stale, dismiss our own change request once nothing blocks any more. A run that did
not complete (`report.failures`) cleans up and dismisses nothing: a finding it lacks may
only not have been checked.

GitHub's 422s are handled, not fatal: a REQUEST_CHANGES that GitHub refuses on a
pull request of our own account is retried as COMMENT (and avoided up front when the
author is known to be us); a review GitHub rejects for its line comments (our diff and
GitHub's disagree, e.g. after a force-push) is posted again with every finding in its
body, saying so; a rejected file comment is listed in the body instead.
Refusals (403/404) return the fallback result (publishing.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policygate.approvals.context import PullRequestContext
from policygate.github.api import GitHubClient, GitHubError
from policygate.review.comment_text import resolved_comment, review_body, review_digest
from policygate.review.diffmap import DiffIndex
from policygate.review.headfiles import FileReader
from policygate.review.markers import read_finding_marker, read_review_marker
from policygate.github.publishing import (PublishResult, Refused, calling, lazy_repo,
                                          refused, resolve_login)
from policygate.review.review_plan import (REJECTED, Existing, ReviewOptions, ReviewPlan,
                                           plan_review)
from policygate.model import Report

__all__ = ["ReviewOptions", "publish_review"]

PUBLISHER = "review"
INCOMPLETE = ("the check did not complete, so earlier comments whose finding is missing now "
              "are kept")
OWN_PR = ("policygate cannot request changes on a pull request opened by its own account; "
          "this review is a comment instead")


@dataclass
class _Earlier:
    """What earlier runs left on the pull request."""
    comments: list[Existing]
    digest: str | None                      # of our latest review's body
    change_requests: list[Any]              # our reviews still requesting changes


@dataclass
class _Run:
    """Progress of one publication, for the result (also when it stops half-way)."""
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    url: str | None = None

    def add(self, name: str, number: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + number


def publish_review(client: GitHubClient, pr: PullRequestContext, report: Report,
                   options: ReviewOptions = ReviewOptions(), *, diff: DiffIndex,
                   head: FileReader | None = None) -> PublishResult:
    run = _Run()
    try:
        login = resolve_login(client, options.login)
        pull = lazy_repo(client, pr.repository).get_pull(pr.number)
        earlier = _read_earlier(client, pull, login, options.name)
        plan = plan_review(report.findings, diff, earlier.comments, options, head)
        if report.failures and plan.stale:
            # A finding missing from an incomplete run may just not have been checked.
            plan.left_alone += plan.stale
            plan.stale = []
            run.notes.append(INCOMPLETE)
        _post_file_comments(client, pull, pr, plan, run)
        _post_review(client, pull, pr, report, options, plan, earlier, login, run)
        _tidy(client, plan, options, pr.head.sha, run)
        if options.event == "REQUEST_CHANGES" and not report.failures \
                and not report.blocks(options.fail_on):
            _dismiss(client, earlier.change_requests, pr.head.sha, run)
    except Refused as error:
        return refused(PUBLISHER, error, **run.counts)
    return PublishResult(PUBLISHER, _summary(run.counts), url=run.url, notes=tuple(run.notes),
                         counts=dict(run.counts))


def _read_earlier(client: GitHubClient, pull: Any, login: str, name: str) -> _Earlier:
    with calling(client, "reading the pull request's review comments"):
        comments = list(pull.get_review_comments())
    with calling(client, "reading the pull request's reviews"):
        reviews = [r for r in pull.get_reviews() if r.user and r.user.login == login]
    listed = [(_json(c), c) for c in comments]
    replied = {data.get("in_reply_to_id") for data, _ in listed
               if data.get("in_reply_to_id") is not None and _author(data) != login}
    ours = []
    for data, comment in listed:
        marker = read_finding_marker(data.get("body"), name)
        if marker is None or data.get("in_reply_to_id") is not None or _author(data) != login:
            continue
        ours.append(Existing(data["id"], marker.fingerprint, marker.resolved, data["path"],
                             data.get("line"), data.get("start_line"),
                             data.get("subject_type") == "file", data["body"],
                             data["id"] in replied, comment))
    digests = [d for d in (read_review_marker(r.body, name) for r in reviews) if d]
    requests = [r for r in reviews if r.state == "CHANGES_REQUESTED"
                and read_review_marker(r.body, name)]
    return _Earlier(ours, digests[-1] if digests else None, requests)


def _json(listed: Any) -> dict[str, Any]:
    """A listed object's JSON as GitHub sent it. Reading an attribute GitHub left out
    (`in_reply_to_id` of every top-level comment) makes PyGithub fetch the object again,
    one GET per comment; the JSON answers the same question without a request."""
    data = getattr(listed, "_rawData", None)
    return data if isinstance(data, dict) else listed.raw_data


def _said(error: GitHubError) -> str:
    """GitHub's answer without the "doing what: " prefix the note already says."""
    return str(error).partition(": ")[2] or str(error)


def _author(data: dict[str, Any]) -> str | None:
    user = data.get("user")
    return user.get("login") if isinstance(user, dict) else None


def _post_file_comments(client: GitHubClient, pull: Any, pr: PullRequestContext,
                        plan: ReviewPlan, run: _Run) -> None:
    for planned in list(plan.file_level):
        try:
            with calling(client, f"commenting on {planned.path!r}", post=True):
                pull.create_review_comment(planned.body, pr.head.sha, planned.path,
                                           subject_type="file")
            run.add("file_comments")
        except GitHubError as error:
            if error.status != 422:
                raise
            plan.file_level.remove(planned)
            plan.listed.append((planned.finding, REJECTED))
            # repr: a file name must not break the note's one line (it reaches the log)
            run.notes.append(f"the file comment on {planned.path!r} was not accepted: "
                             f"{_said(error)}; it is listed below instead")


def _post_review(client: GitHubClient, pull: Any, pr: PullRequestContext, report: Report,
                 options: ReviewOptions, plan: ReviewPlan, earlier: _Earlier, login: str,
                 run: _Run) -> None:
    event = "COMMENT"
    if options.event == "REQUEST_CHANGES" and report.blocks(options.fail_on):
        event = "REQUEST_CHANGES"
        if pr.author == login:
            event = "COMMENT"
            run.notes.append(OWN_PR)
    digest = review_digest(event, plan.listed_fingerprints)
    if not (plan.inline or (plan.listed and digest != earlier.digest)
            or (event == "REQUEST_CHANGES" and not earlier.change_requests)):
        return
    commit = lazy_repo(client, pr.repository).get_commit(pr.head.sha)
    while True:
        digest = review_digest(event, plan.listed_fingerprints)
        body = review_body(options.name, report, digest,
                           on_lines=plan.commented(file_level=False),
                           on_files=plan.commented(file_level=True), listed=plan.listed,
                           notes=run.notes)
        try:
            with calling(client, "posting the review", post=True):
                review = pull.create_review(commit=commit, body=body, event=event,
                                            comments=[p.review_comment() for p in plan.inline])
        except GitHubError as error:
            if error.status != 422:
                raise
            if event == "REQUEST_CHANGES" and "own pull request" in str(error):
                event = "COMMENT"
                run.notes.append(OWN_PR)
                continue
            if not plan.inline:
                raise
            plan.listed[:0] = [(p.finding, REJECTED) for p in plan.inline]
            plan.inline.clear()
            run.notes.append(f"the line comments were not accepted: {_said(error)}; every "
                             f"finding is listed below instead")
            continue
        run.add("reviews")
        run.add("line_comments", len(plan.inline))
        run.add("listed", len(plan.listed))
        run.url = getattr(review, "html_url", None)
        author = (_json(review).get("user") or {}).get("login")
        if author and author != login:       # e.g. a GitHub App token, which cannot ask
            run.notes.append(f"the review was posted as {author!r}, not {login!r}: pass that "
                             f"login to the review options, or the next run cannot recognise "
                             f"its own comments and repeats them")
        return


def _tidy(client: GitHubClient, plan: ReviewPlan, options: ReviewOptions, head_sha: str,
          run: _Run) -> None:
    """Edit comments whose text changed; resolve or delete stale ones."""
    for comment, body in plan.updates:
        with calling(client, f"updating review comment {comment.id}"):
            comment.handle.edit(body)
        run.add("updated")
    for comment in plan.stale:
        if options.cleanup == "delete":
            with calling(client, f"deleting review comment {comment.id}"):
                comment.handle.delete()
            run.add("deleted")
        else:
            with calling(client, f"resolving review comment {comment.id}"):
                comment.handle.edit(resolved_comment(options.name, comment.fingerprint,
                                                     head_sha))
            run.add("resolved")
    run.add("unchanged", len(plan.unchanged))
    run.add("left_alone", len(plan.left_alone))


def _dismiss(client: GitHubClient, reviews: list[Any], head_sha: str, run: _Run) -> None:
    """Withdraw our change requests once nothing blocks (they would keep blocking)."""
    for review in reviews:
        try:
            with calling(client, f"dismissing review {review.id}"):
                review.dismiss(f"policygate: nothing blocks the merge any more (checked at "
                               f"{head_sha[:12]}).")
            run.add("dismissed")
        except Refused as error:        # protected branches may restrict dismissals
            run.notes.append(f"could not dismiss the earlier change request: {error}")


def _summary(counts: dict[str, int]) -> str:
    words = [("reviews", "review posted"), ("line_comments", "new line comments"),
             ("file_comments", "new file comments"), ("listed", "listed in the body"),
             ("unchanged", "already there"), ("updated", "updated"), ("resolved", "resolved"),
             ("deleted", "deleted"), ("left_alone", "left alone (replied to)"),
             ("dismissed", "change requests dismissed")]
    said = [f"{counts[key]} {text}" for key, text in words if counts.get(key)]
    return f"{PUBLISHER}: {', '.join(said) if said else 'nothing new to post'}"
