"""`policygate mr`: one command for a GitLab merge-request pipeline — check, publish, exit.

The same verdict as `policygate pr`: the MR's facts come from GitLab, the config, policies,
approval rules and CODEOWNERS from the target commit, the change from the MR's commits
(the head is read as data, never run). It is reported where a GitLab reviewer looks:
discussions on the changed lines, one summary note, a commit status on the head, a Code
Quality report file for the MR widget, and the text report in the job log.

Which merge request: `--project/--mr`, else GitLab's predefined variables. In a detached
pipeline CI_COMMIT_SHA is the MR's head; in a merged-results (or merge-train) pipeline it
is a temporary merge commit, so the head is CI_MERGE_REQUEST_SOURCE_BRANCH_SHA and the
target CI_MERGE_REQUEST_TARGET_BRANCH_SHA (the very commit the pipeline merged into).
Either way the MR's own head is judged and its lines are what the discussions point at.
If the MR has moved on since the pipeline started, this run still sets the status of the
commit it judged but leaves discussions and the note to the newer pipeline.

A fork's pipeline (source project != target project) is judged with the target's config
all the same; its token usually may not write to the target's merge request, so the
publishers fall back and one line says so: the verdict, the exit code, the job log and
the Code Quality report are unchanged.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from policygate.model import Report, Severity
from policygate.review.result import chosen_reports

REPORTS = ("discussions", "note", "status", "codequality", "text")
DEFAULT_REPORTS = REPORTS
CODEQUALITY_FILE = "gl-code-quality-report.json"


class MrError(Exception):
    """The merge-request run cannot happen (exit 2); one line."""


@dataclass(frozen=True)
class MrRequest:
    check: Any                            # runner.CheckOptions
    project: str | None = None            # id or full path; else CI_MERGE_REQUEST_PROJECT_ID
    iid: int | None = None                # else CI_MERGE_REQUEST_IID
    reports: tuple[str, ...] | None = None
    fail_on: str = "error"
    name: str | None = None               # status name and marker name
    codequality_file: str | None = None


@dataclass(frozen=True)
class Target:
    project: str
    iid: int
    head_sha: str | None = None           # the commit this pipeline runs for
    base_sha: str | None = None           # the target commit it merged into (merged results)


def target(request: MrRequest, env: Mapping[str, str]) -> Target:
    """The merge request: from the options, else from GitLab CI's predefined variables."""
    if request.project and request.iid:
        return Target(request.project, request.iid)
    iid = env.get("CI_MERGE_REQUEST_IID")
    project = request.project or env.get("CI_MERGE_REQUEST_PROJECT_ID") or \
        env.get("CI_MERGE_REQUEST_PROJECT_PATH")
    if not iid:
        where = ("this pipeline is not a merge request pipeline: add `rules: - if: "
                 "$CI_PIPELINE_SOURCE == \"merge_request_event\"` to the job"
                 if env.get("GITLAB_CI") else "outside GitLab CI")
        raise MrError(f"no merge request ({where}): pass --project PATH-OR-ID --mr IID")
    if not iid.isdigit() or not project:
        raise MrError(f"CI_MERGE_REQUEST_IID={iid!r} / CI_MERGE_REQUEST_PROJECT_ID: not a "
                      f"merge request pipeline's values; pass --project and --mr")
    merged = env.get("CI_MERGE_REQUEST_EVENT_TYPE") in ("merged_result", "merge_train")
    head = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") if merged else env.get("CI_COMMIT_SHA")
    base = env.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA") or None
    return Target(project, int(iid), head or None, base if merged else None)


def _settings(request: MrRequest, config: Any) -> tuple[tuple[str, ...], str, str, int]:
    section = config.sections.get("gitlab") or {}
    try:
        reports = chosen_reports(request.reports, section, DEFAULT_REPORTS, REPORTS)
    except ValueError as error:
        raise MrError(str(error)) from None
    name = request.name or section.get("status_name") or "policygate"
    codequality = request.codequality_file or section.get("codequality_file") or \
        CODEQUALITY_FILE
    return reports, name, codequality, int(section.get("max_discussions", 50))


def run_mr(request: MrRequest, env: Mapping[str, str] | None = None,
           out: TextIO | None = None, say: Callable[[str], None] = print,
           client_settings: Any = None) -> Report:
    """Run and publish; returns the report (the caller maps it to an exit code).

    Raises MrError / RunError / GitLabError / GitError / ConfigError / MissingExtra for
    runs that cannot happen (exit 2)."""
    import sys

    from policygate.gitlab.api import connect
    from policygate.gitlab.setup import setup_from_gitlab
    from policygate.runner import RunError, run_checks
    from policygate.sources.files import repo_root

    env = os.environ if env is None else env
    out = out or sys.stdout
    where = target(request, env)
    client = connect(client_settings, env=env)
    root = repo_root(Path.cwd().resolve())
    setup, mr = setup_from_gitlab(client, where.project, where.iid, root,
                                  request.check.config_file, where.head_sha, where.base_sha)
    reports, name, codequality, budget = _settings(request, setup.config)
    for rule in mr.approval_rules:        # shown, not judged: the gate judges its own rules
        say(f"policygate: GitLab approval rule {rule}")
    fail_on = Severity.threshold(request.fail_on)
    try:
        run = run_checks(request.check, setup)
    except RunError as error:
        if "status" in reports:          # never leave "Pipelines must succeed" guessing
            _publish_status(client, mr, Report(failures=[str(error)]), name, fail_on, env)
        raise
    results = _publish_to_gitlab(client, setup, mr, run, reports, name, fail_on, budget, env,
                                 say)
    return _publish_locally(run.report, mr, reports, results, codequality, out, say)


def _publish_to_gitlab(client: Any, setup: Any, mr: Any, run: Any, reports: tuple[str, ...],
                       name: str, fail_on: Severity | None, budget: int,
                       env: Mapping[str, str], say: Callable[[str], None]) -> list[Any]:
    from policygate.gitlab.publishing import read_discussions, refused, whoami
    from policygate.review.result import Refused

    results = []
    report = run.report
    wanted = [r for r in ("discussions", "note") if r in reports]
    if wanted and mr.moved_on:
        say(f"policygate: note: merge request !{mr.context.number} has a newer head "
            f"({mr.moved_on[:12]}) than this pipeline's {mr.context.head.sha[:12]}; its "
            f"discussions and summary note are left to the newer pipeline")
        wanted = []
    if wanted:
        try:
            username = whoami(client, env.get("POLICYGATE_GITLAB_USERNAME") or None)
            discussions = read_discussions(client, mr.project_id, mr.context.number)
        except Refused as error:
            results += [refused(_PUBLISHERS[r], error) for r in wanted]
            wanted = []
    discussed, listed = 0, ()
    if "discussions" in wanted:
        from policygate.gitlab.discussions import DiscussionOptions, publish_discussions
        from policygate.review.diffmap import DiffIndex
        from policygate.review.headfiles import ChangeSetReader

        outcome = publish_discussions(
            client, mr, report, DiscussionOptions(name=name, username=username,
                                                  max_discussions=budget),
            diff=DiffIndex.from_changes(run.changes), discussions=discussions,
            head=ChangeSetReader(run.changes, setup.root) if run.changes else None)
        results.append(outcome.result)
        discussed, listed = outcome.discussed, outcome.listed
    if "note" in wanted:
        from policygate.gitlab.note import NoteOptions, note_body, publish_note

        body = note_body(report, mr, name, discussed=discussed, listed=listed)
        results.append(publish_note(client, mr, body, discussions,
                                    NoteOptions(name=name, username=username)))
    if "status" in reports:
        results.append(_publish_status(client, mr, report, name, fail_on, env))
    return results


_PUBLISHERS = {"discussions": "discussions", "note": "summary note"}


def _publish_status(client: Any, mr: Any, report: Report, name: str,
                    fail_on: Severity | None, env: Mapping[str, str]) -> Any:
    from policygate.gitlab.status import StatusOptions, publish_status

    same_project = str(env.get("CI_PROJECT_ID") or "") == str(mr.project_id)
    pipeline = env.get("CI_PIPELINE_ID") if same_project else None
    return publish_status(client, mr, report, StatusOptions(
        name=name, fail_on=fail_on, target_url=env.get("CI_JOB_URL") or None,
        pipeline_id=int(pipeline) if pipeline and pipeline.isdigit() else None,
        ref=mr.context.head.ref if same_project else None))


def _publish_locally(report: Report, mr: Any, reports: tuple[str, ...], results: list[Any],
                     codequality: str, out: TextIO, say: Callable[[str], None]) -> Report:
    from policygate.review.result import fallback_line

    for result in results:
        say(f"policygate: {result.summary}")
        for note in result.notes:
            say(f"policygate: note: {note}")
    why = ("a merge request from a fork runs with a token that may not write to the target "
           "project" if mr.fork else "the token may not write to the merge request")
    fallback = fallback_line(results, "merge request", why,
                             "the job log and the Code Quality report")
    if fallback:
        say(fallback)
    if "text" in reports or fallback:
        from policygate.reporters import render

        out.write(render("text", report))
    if "codequality" in reports:
        from policygate.reporters import render as render_format

        try:
            with open(codequality, "w", encoding="utf-8") as handle:
                handle.write(render_format("gitlab-codequality", report))
        except OSError as error:
            raise MrError(f"cannot write {codequality}: {error.strerror}") from None
    return report
