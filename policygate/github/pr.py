"""`policygate pr`: one command for CI — check the pull request, publish, exit by verdict.

The PR's facts come from GitHub; the config, policies and approval rules from the base
commit; the change from the PR's commits (the head is read as data, never run). Every
publisher that GitHub refuses (a fork's read-only token) falls back to annotations and
the job summary: where the verdict is shown changes, the verdict does not.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from policygate.model import Report, Severity
from policygate.review.result import chosen_reports

REPORTS = ("review", "check", "status", "annotations", "summary", "sarif", "sticky")
DEFAULT_REPORTS = ("check", "annotations", "summary")


class PrError(Exception):
    """The pull-request run cannot happen (exit 2); one line."""


@dataclass(frozen=True)
class PrRequest:
    check: Any                          # runner.CheckOptions
    repository: str | None = None       # else from the event / GITHUB_REPOSITORY
    number: int | None = None           # else from the event
    reports: tuple[str, ...] | None = None
    fail_on: str = "error"
    name: str | None = None             # check run / status / marker name
    review_event: str | None = None     # COMMENT | REQUEST_CHANGES
    sarif_file: str | None = None


def target(request: PrRequest, env: Mapping[str, str]) -> tuple[str, int]:
    """The repository and PR number: from the options, else from the Actions event."""
    if request.repository and request.number:
        return request.repository, request.number
    event_path = env.get("GITHUB_EVENT_PATH")
    if not event_path:
        raise PrError("no pull request: pass --repo OWNER/NAME --pr N, or run in a GitHub "
                      "Actions pull_request / pull_request_target workflow")
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PrError(f"{event_path}: cannot read the GitHub event: {error}") from None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict) or not isinstance(pull.get("number"), int):
        raise PrError(f"the {env.get('GITHUB_EVENT_NAME', 'current')} event is not about a pull "
                      f"request: run policygate pr on pull_request or pull_request_target")
    repository = request.repository or env.get("GITHUB_REPOSITORY") or (
        (event.get("repository") or {}).get("full_name"))
    if not repository:
        raise PrError("cannot tell the repository: set GITHUB_REPOSITORY or pass --repo")
    return repository, pull["number"]


def _settings(request: PrRequest, config: Any) -> tuple[tuple[str, ...], str, str]:
    section = config.sections.get("github") or {}
    try:
        reports = chosen_reports(request.reports, section, DEFAULT_REPORTS, REPORTS)
    except ValueError as error:
        raise PrError(str(error)) from None
    name = request.name or section.get("check_name") or "policygate"
    event = (request.review_event or section.get("review_event") or "comment").upper()
    return reports, name, event.replace("-", "_")


def _write_file(path: str, text: str, append: bool = False) -> None:
    with open(path, "a" if append else "w", encoding="utf-8") as handle:
        handle.write(text)


def _step_outputs(env: Mapping[str, str], values: dict[str, str]) -> None:
    """Outputs for later steps ($GITHUB_OUTPUT); values never contain newlines."""
    output = env.get("GITHUB_OUTPUT")
    if output:
        _write_file(output, "".join(f"{key}={value}\n" for key, value in values.items()),
                    append=True)


def run_pr(request: PrRequest, env: Mapping[str, str] | None = None,
           out: TextIO | None = None, say: Callable[[str], None] = print,
           client_settings: Any = None) -> Report:
    """Run and publish; returns the report (the caller maps it to an exit code).

    Raises PrError / RunError / GitHubError for runs that cannot happen (exit 2)."""
    import sys

    from policygate.github.api import connect
    from policygate.prmode import setup_from_github
    from policygate.runner import RunError, run_checks
    from policygate.sources.files import repo_root

    env = os.environ if env is None else env
    out = out or sys.stdout
    client = connect(client_settings, env=env)  # first: it names a missing `github` extra
    repository, number = target(request, env)
    root = repo_root(Path.cwd().resolve())
    setup = setup_from_github(client, repository, number, root, request.check.config_file)
    reports, name, review_event = _settings(request, setup.config)
    fail_on = Severity.threshold(request.fail_on)

    results = []
    handle = None
    if "check" in reports:
        from policygate.github.checks import CheckRunOptions, start_check

        check_options = CheckRunOptions(name=name, fail_on=fail_on, details_url=_run_url(env))
        handle = start_check(client, setup.pr, check_options)
    try:
        run = run_checks(request.check, setup)
    except RunError as error:
        if handle is not None:  # never leave a required check hanging "in progress"
            from policygate.github.checks import finish_check

            finish_check(client, handle, Report(failures=[str(error)]), check_options)
        raise
    report = run.report
    if handle is not None:
        from policygate.github.checks import finish_check

        results.append(finish_check(client, handle, report, check_options))
    results += _publish_to_github(client, setup, run, reports, name, review_event, fail_on, env)
    return _publish_locally(report, reports, results, request, env, out, say)


def _run_url(env: Mapping[str, str]) -> str | None:
    server, repository, run_id = (env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"),
                                  env.get("GITHUB_RUN_ID"))
    return f"{server}/{repository}/actions/runs/{run_id}" if server and repository and run_id \
        else None


def _publish_to_github(client: Any, setup: Any, run: Any, reports: tuple[str, ...], name: str,
                       review_event: str, fail_on: Severity | None,
                       env: Mapping[str, str]) -> list[Any]:
    from policygate.github.publishing import resolve_login

    results = []
    report = run.report
    login = resolve_login(client) if {"review", "sticky"} & set(reports) else None
    if "status" in reports:
        from policygate.github.status import StatusOptions, publish_status

        results.append(publish_status(client, setup.pr, report, StatusOptions(
            name=name, fail_on=fail_on, target_url=_run_url(env))))
    if "review" in reports:
        from policygate.github.diff import fetch_diff
        from policygate.review.diffmap import DiffIndex
        from policygate.review.headfiles import ChangeSetReader
        from policygate.github.review import publish_review
        from policygate.review.review_plan import ReviewOptions

        diff = (DiffIndex.from_changes(run.changes) if run.changes is not None
                else fetch_diff(client, setup.pr.repository, setup.pr.number))
        head = ChangeSetReader(run.changes, setup.root) if run.changes is not None else setup.head
        results.append(publish_review(client, setup.pr, report, ReviewOptions(
            name=name, event=review_event, fail_on=fail_on, login=login), diff=diff, head=head))
    if "sticky" in reports:
        from policygate.github.sticky import StickyOptions, publish_sticky

        results.append(publish_sticky(client, setup.pr, report,
                                      StickyOptions(name=name, login=login)))
    return results


def _publish_locally(report: Report, reports: tuple[str, ...], results: list[Any],
                     request: PrRequest, env: Mapping[str, str], out: TextIO,
                     say: Callable[[str], None]) -> Report:
    from policygate.github.publishing import fallback_line

    for result in results:
        for note in result.notes:
            say(f"policygate: note: {note}")
    fallback = fallback_line(results)
    if fallback:
        say(fallback)
    wanted = set(reports) | ({"annotations", "summary"} if fallback else set())
    if "annotations" in wanted:
        from policygate.reporters.github_report import render

        out.write(render(report))
    if "summary" in wanted and env.get("GITHUB_STEP_SUMMARY"):
        from policygate.reporters.safe_lines import defuse
        from policygate.reporters.summary_report import render_summary

        _write_file(env["GITHUB_STEP_SUMMARY"], defuse(render_summary(report), "markdown"),
                    append=True)
    outputs = {"findings": str(len(report.findings))}
    if "sarif" in wanted:
        from policygate.reporters import render as render_format

        sarif_file = request.sarif_file or "policygate.sarif"
        _write_file(sarif_file, render_format("sarif", report))
        outputs["sarif-file"] = sarif_file
    _step_outputs(env, outputs)
    return report
