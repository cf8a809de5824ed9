"""Decide what a review run posts, edits and cleans up — without talking to GitHub.

Input: the findings, the diff (diffmap.DiffIndex), the head files (for suggestions) and
our comments from earlier runs (found by their markers). Output: a ReviewPlan that
review.py carries out. Kept apart so every placement rule is testable on plain data.

Where a finding goes (the first that applies):
1. a finding of the approval rules (about the pull request, on base-commit lines), or in
   a file the pull request does not change -> listed in the review body;
2. a mechanical fix that can be proven (suggestions.py), on a diff line -> a line
   comment there with a ```suggestion block;
3. its line is in a hunk -> a line comment (a range, `start_line`..`line`, when its last
   line is in the same hunk: GitHub rejects a range across hunks);
4. otherwise, a changed file -> a file-level comment naming the line.
Each kind has a budget (GitHub: 30 line comments per review request, 10 file comments,
each a request of its own, per run; GitLab: discussions on the merge request, counting
the ones that still stand); the overflow is listed, most severe first.

Re-runs: a comment of ours with the same finding fingerprint at the same place is left
as it is (edited if its text changed, e.g. a resolved note whose finding is back); a
comment of ours whose finding is gone or now commented elsewhere is stale and gets
resolved or deleted — unless somebody replied in its thread: a conversation is never
edited away under people's feet. A finding that is still there but only listed keeps
its old comment.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from policygate.baseline import fingerprint
from policygate.review.comment_text import finding_comment
from policygate.review.diffmap import DiffIndex
from policygate.review.headfiles import FileReader
from policygate.review.suggestions import suggest
from policygate.model import Finding, Severity

NOT_IN_DIFF = "not in a file this pull request changes"
ABOUT_THE_PR = "about the pull request as a whole"
OVER_LINE_LIMIT = "over the limit of line comments per run"
OVER_FILE_LIMIT = "over the limit of file comments per run"
REJECTED = "rejected by GitHub as a comment"


@dataclass(frozen=True)
class PlanOptions:
    """What placing findings needs; both platforms' publisher options extend it."""
    name: str = "policygate"                   # the check's name, also in every marker
    max_comments: int = 30                     # line comments per run
    max_file_comments: int = 10                # file-level comments per run
    min_severity: Severity = Severity.NOTE     # findings below it are not reviewed
    suggestions: bool = True
    # A finding over several lines is commented as a range (GitHub); GitLab's API places a
    # range by line codes, so there a finding is commented on its first line.
    ranges: bool = True
    # Whether our earlier comments that still stand use up the budget. GitHub: no, a run
    # posts up to the budget in its one review; GitLab: yes, the budget caps discussions
    # on the merge request, so a re-run with the same findings posts nothing.
    count_earlier: bool = False


@dataclass(frozen=True)
class ReviewOptions(PlanOptions):
    """GitHub's review: PlanOptions plus the review event and cleanup."""
    event: str = "COMMENT"                     # or REQUEST_CHANGES (only when blocking)
    fail_on: Severity | None = Severity.ERROR
    cleanup: str = "resolve"                   # stale comments: "resolve" (edit) or "delete"
    login: str | None = None                   # our account (an App: "<slug>[bot]"); None: ask

    def __post_init__(self) -> None:
        if self.event not in ("COMMENT", "REQUEST_CHANGES"):
            raise ValueError(f"review event {self.event!r}: expected COMMENT or "
                             f"REQUEST_CHANGES")
        if self.cleanup not in ("resolve", "delete"):
            raise ValueError(f"review cleanup {self.cleanup!r}: expected resolve or delete")
        if not 0 <= self.max_comments <= 30 or self.max_file_comments < 0:
            raise ValueError("review comment limits: 0-30 line comments, >= 0 file comments")


@dataclass(frozen=True)
class Existing:
    """One of our earlier top-level review comments, read back through its marker."""
    id: int
    fingerprint: str
    resolved: bool
    path: str
    line: int | None                 # None: file-level, or outdated (its line is gone)
    start_line: int | None
    file_level: bool
    body: str
    replied: bool                    # somebody else replied in its thread
    handle: Any = None               # PyGithub's PullRequestComment (to edit or delete)

    def at(self, planned: Planned) -> bool:
        if self.path != planned.path:
            return False
        if planned.line is None:
            return self.file_level
        return (not self.file_level and self.line == planned.line
                and self.start_line == planned.start_line)


@dataclass(frozen=True)
class Planned:
    """A comment to post: on `line` (and from `start_line`), or file-level (line None)."""
    finding: Finding
    fingerprint: str
    path: str
    body: str
    line: int | None = None
    start_line: int | None = None

    def review_comment(self) -> dict[str, Any]:
        """As an item of a review's `comments` (head side only)."""
        comment: dict[str, Any] = {"path": self.path, "line": self.line, "side": "RIGHT",
                                   "body": self.body}
        if self.start_line is not None:
            comment.update(start_line=self.start_line, start_side="RIGHT")
        return comment


@dataclass
class ReviewPlan:
    inline: list[Planned] = field(default_factory=list)
    file_level: list[Planned] = field(default_factory=list)
    listed: list[tuple[Finding, str]] = field(default_factory=list)   # (finding, why)
    unchanged: list[Existing] = field(default_factory=list)
    updates: list[tuple[Existing, str]] = field(default_factory=list)  # (comment, new body)
    stale: list[Existing] = field(default_factory=list)
    left_alone: list[Existing] = field(default_factory=list)           # stale, but replied to

    @property
    def listed_fingerprints(self) -> list[str]:
        return [fingerprint(f) for f, _ in self.listed]

    def commented(self, *, file_level: bool) -> int:
        """Findings that have a comment of this kind after the run (new or earlier)."""
        new = self.file_level if file_level else self.inline
        earlier = [e for e in self.unchanged + [u for u, _ in self.updates]
                   if e.file_level == file_level]
        return len(new) + len(earlier)


def plan_review(findings: Iterable[Finding], diff: DiffIndex, existing: Sequence[Existing],
                options: PlanOptions, head: FileReader | None = None) -> ReviewPlan:
    plan = ReviewPlan()
    standing = {True: 0, False: 0}             # earlier comments kept, by file_level
    earlier: dict[str, list[Existing]] = {}
    for comment in existing:
        earlier.setdefault(comment.fingerprint, []).append(comment)
    used: set[int] = set()
    current: set[str] = set()
    for finding in _ordered(findings, options.min_severity):
        key = fingerprint(finding)
        if key in current:                     # the same finding twice: one comment
            continue
        current.add(key)
        target = _target(finding, key, diff, options, head)
        if isinstance(target, str):
            plan.listed.append((finding, target))
            continue
        match = next((e for e in earlier.get(key, ()) if e.id not in used and e.at(target)),
                     None)
        if match is not None:
            used.add(match.id)
            standing[match.file_level] += options.count_earlier
            if match.body == target.body:
                plan.unchanged.append(match)
            else:
                plan.updates.append((match, target.body))
        elif target.line is not None and \
                len(plan.inline) + standing[False] < options.max_comments:
            plan.inline.append(target)
        elif target.line is None and \
                len(plan.file_level) + standing[True] < options.max_file_comments:
            plan.file_level.append(target)
        else:
            plan.listed.append((finding, OVER_LINE_LIMIT if target.line is not None
                                else OVER_FILE_LIMIT))
    commented = {p.fingerprint for p in plan.inline + plan.file_level} | {
        e.fingerprint for e in existing if e.id in used}
    for comment in existing:
        if comment.id in used or comment.resolved:
            continue
        if comment.fingerprint in current and comment.fingerprint not in commented:
            continue                           # still true, just not commented this time
        (plan.left_alone if comment.replied else plan.stale).append(comment)
    return plan


def _ordered(findings: Iterable[Finding], floor: Severity) -> list[Finding]:
    """Most severe first (they win the comment budget), then by file and line."""
    kept = [f for f in findings if f.severity >= floor]
    return sorted(kept, key=lambda f: (-f.severity, f.sort_key()))


def _target(finding: Finding, key: str, diff: DiffIndex, options: PlanOptions,
            head: FileReader | None) -> Planned | str:
    """Where the finding's comment goes, or why it is only listed."""
    if finding.source == "approvals":
        return ABOUT_THE_PR
    if not diff.has_file(finding.file):
        return NOT_IN_DIFF
    location = finding.location
    hunk = diff.hunk(finding.file, location.line) if location is not None else None
    if location is None or hunk is None:
        body = finding_comment(options.name, key, finding, off_diff_line=True)
        return Planned(finding, key, finding.file, body)
    suggestion = None
    if options.suggestions and finding.fix and head is not None:
        suggestion = suggest(finding, head.read(finding.file))
    if suggestion is not None:                 # replaces exactly this one line
        body = finding_comment(options.name, key, finding, suggestion=suggestion)
        return Planned(finding, key, finding.file, body, line=suggestion.line)
    body = finding_comment(options.name, key, finding)
    end = location.end_line
    if options.ranges and end > location.line and diff.hunk(finding.file, end) == hunk:
        return Planned(finding, key, finding.file, body, line=end, start_line=location.line)
    return Planned(finding, key, finding.file, body, line=location.line)
