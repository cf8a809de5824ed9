"""The check run on the pull request head: the status branch protection can require.

    handle = start_check(client, pr, options)       # early: the PR shows "in progress"
    ...check...
    result = finish_check(client, handle, report, options)

or `publish_check(client, pr, report, options)` for both at once. The run is created
`in_progress`; its annotations go out in updates of at most 50 (GitHub rejects more per
request, and appends each update's annotations to the run's); the last update concludes
it (mapping in verdict.py) with a title and a Markdown summary of at most 65,535
characters (GitHub's limit), rendered by reporters.summary_report.

A token that may not write checks (a fork's) gets a refusal: `start_check` remembers it
and `finish_check` returns the fallback result without further requests (publishing.py
has the contract). Tokens that never can create check runs should use status.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policygate.approvals.context import PullRequestContext
from policygate.github import verdict
from policygate.github.api import GitHubClient
from policygate.github.publishing import PublishResult, Refused, calling, lazy_repo, refused
from policygate.model import Finding, Report, Severity
from policygate.reporters.markdown import cap
from policygate.reporters.summary_report import render_summary

ANNOTATIONS_PER_REQUEST = 50          # GitHub's limit per create/update request
SUMMARY_LIMIT = 65_535                # characters in a check run's output.summary
TITLE_LIMIT = 255
MESSAGE_LIMIT = 60_000                # an annotation's message / raw_details (GitHub: 64 KB)
LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTE: "notice"}
SUMMARY_MORE = ("(a check run summary is limited to 65,535 characters); see the annotations, "
                "the job summary or the SARIF report.")
PUBLISHER = "check run"


@dataclass(frozen=True)
class CheckRunOptions:
    name: str = "policygate"                  # the check's name, as branch protection lists it
    fail_on: Severity | None = Severity.ERROR  # None: --fail-on never
    details_url: str | None = None            # e.g. the workflow run's URL
    max_annotations: int = 1000               # 20 update requests at most; the rest: summary


@dataclass(frozen=True)
class CheckHandle:
    """A created check run (`run` is PyGithub's CheckRun), or why it could not be."""
    run: Any = None
    refused: str | None = None


def start_check(client: GitHubClient, pr: PullRequestContext,
                options: CheckRunOptions = CheckRunOptions()) -> CheckHandle:
    """Create the check run `in_progress` on the PR head."""
    extra = {"details_url": options.details_url} if options.details_url else {}
    try:
        with calling(client, f"creating check run {options.name!r}", post=True):
            run = lazy_repo(client, pr.repository).create_check_run(
                options.name, pr.head.sha, status="in_progress",
                output={"title": "checking", "summary": "policygate is checking the pull "
                                                         "request."}, **extra)
    except Refused as error:
        return CheckHandle(refused=str(error))
    return CheckHandle(run)


def finish_check(client: GitHubClient, handle: CheckHandle, report: Report,
                 options: CheckRunOptions = CheckRunOptions()) -> PublishResult:
    """Add the annotations in batches of 50 and conclude the run."""
    if handle.refused is not None:
        return refused(PUBLISHER, handle.refused)
    annotations = [annotation(f) for f in report.findings if f.file][:options.max_annotations]
    batches = [annotations[start:start + ANNOTATIONS_PER_REQUEST]
               for start in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)] or [[]]
    conclusion = verdict.check_conclusion(report, options.fail_on)
    title = cap(verdict.title(report, options.fail_on), TITLE_LIMIT)
    done = 0
    try:
        for number, batch in enumerate(batches, start=1):
            done += len(batch)
            last = number == len(batches)
            output = {"title": title,
                      "summary": summary(report, options, len(annotations)) if last else
                      f"Adding annotations: {done} of {len(annotations)}…",
                      "annotations": batch}
            with calling(client, f"updating check run {options.name!r} "
                                 f"(annotations batch {number} of {len(batches)})"):
                if last:
                    handle.run.edit(conclusion=conclusion, output=output)
                else:
                    handle.run.edit(output=output)
    except Refused as error:
        return refused(PUBLISHER, error, annotations=done - len(batch))
    return PublishResult(
        PUBLISHER, f"{PUBLISHER} {options.name}: {conclusion}, {len(annotations)} "
                   f"annotation{'s' * (len(annotations) != 1)}", url=_url(handle),
        counts={"annotations": len(annotations), "requests": len(batches) + 1})


def publish_check(client: GitHubClient, pr: PullRequestContext, report: Report,
                  options: CheckRunOptions = CheckRunOptions()) -> PublishResult:
    """Create, annotate and conclude the check run in one go."""
    return finish_check(client, start_check(client, pr, options), report, options)


def annotation(finding: Finding) -> dict[str, Any]:
    """A check-run annotation: plain text (annotations do not render Markdown).

    Columns only on single-line annotations: GitHub rejects them on a range."""
    location = finding.location
    start = location.line if location else 1
    end = max(location.end_line, start) if location else start
    shaped: dict[str, Any] = {
        "path": finding.file, "start_line": start, "end_line": end,
        "annotation_level": LEVELS[finding.severity],
        "title": cap(f"policygate: {finding.rule}", TITLE_LIMIT),
        "message": cap(finding.message, MESSAGE_LIMIT) or finding.rule}
    if location is not None and end == start:
        shaped["start_column"] = location.column
        shaped["end_column"] = max(location.end_column or location.column, location.column)
    if finding.fix:
        shaped["raw_details"] = cap(f"Fix: {finding.fix}", MESSAGE_LIMIT)
    return shaped


def summary(report: Report, options: CheckRunOptions, annotated: int) -> str:
    """The run's Markdown summary, within GitHub's 65,535 characters."""
    unannotated = len(report.findings) - annotated
    note = (f"\nOnly the first {annotated} findings are annotated; see the job summary or "
            f"the SARIF report for the other {unannotated}.\n" if unannotated > 0 else "")
    # A byte budget is also a character budget (UTF-8 never has fewer bytes than chars).
    text = render_summary(report, options.name, limit=SUMMARY_LIMIT - len(note.encode()) - 64,
                          more=SUMMARY_MORE)
    return cap(text + note, SUMMARY_LIMIT)


def _url(handle: CheckHandle) -> str | None:
    return getattr(handle.run, "html_url", None)
