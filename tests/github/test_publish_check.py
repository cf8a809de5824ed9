"""The check run and the commit status, end to end through PyGithub against the fake GitHub."""
from __future__ import annotations

import pytest

from policygate.github.checks import (CheckRunOptions, annotation, finish_check, publish_check,
                                      start_check)
from policygate.github.status import StatusOptions, publish_status
from policygate.github.verdict import check_conclusion, status_state
from policygate.model import Finding, Location, Report, Severity
from tests.github.publish_support import REPO, finding, plain_pr

HEAD = "ab" * 20


@pytest.fixture
def pr(fake_github):
    return plain_pr(fake_github, HEAD)


def test_120_annotations_go_out_in_3_batches_and_conclude(fake_github, client, pr):
    report = Report([finding(index + 1, column=3) for index in range(120)], files=1,
                    resources=1)
    result = publish_check(client, pr, report)
    create, = fake_github.calls("checks.create", "POST")
    assert create.json == {"name": "policygate", "head_sha": HEAD, "status": "in_progress",
                           "output": {"title": "checking",
                                      "summary": "policygate is checking the pull request."}}
    updates = fake_github.calls("checks.update", "PATCH")
    assert [len(u.json["output"]["annotations"]) for u in updates] == [50, 50, 20]
    assert ["conclusion" in u.json for u in updates] == [False, False, True]
    assert [u.json["output"]["summary"] for u in updates[:2]] == [
        "Adding annotations: 50 of 120…", "Adding annotations: 100 of 120…"]
    run, = fake_github.repo(REPO).check_runs
    assert (run.name, run.head_sha, run.status, run.conclusion) == (
        "policygate", HEAD, "completed", "failure")
    assert len(run.annotations) == 120
    assert run.annotations[0] == {
        "path": "deploy/web.yaml", "start_line": 1, "end_line": 1, "annotation_level": "failure",
        "title": "policygate: pss/privileged", "message": "problem at line 1",
        "start_column": 3, "end_column": 3}
    assert run.output["title"] == "120 errors — fails on error"
    assert run.output["summary"].startswith("## policygate\n\n❌ policygate: 120 errors")
    assert (result.fell_back, result.summary, result.counts) == (
        False, "check run policygate: failure, 120 annotations",
        {"annotations": 120, "requests": 4})
    assert result.url == f"https://github.com/{REPO}/runs/{run.id}"


def test_start_then_finish_shows_in_progress_while_checking(fake_github, client, pr):
    handle = start_check(client, pr, CheckRunOptions(name="gate", details_url="https://ci/1"))
    run, = fake_github.repo(REPO).check_runs
    assert (run.name, run.status, run.details_url) == ("gate", "in_progress", "https://ci/1")
    result = finish_check(client, handle, Report(), CheckRunOptions(name="gate"))
    assert (run.status, run.conclusion, run.output["title"]) == (
        "completed", "success", "no findings")
    assert [len(u.json["output"]["annotations"]) for u in fake_github.calls("checks.update")] \
        == [0]
    assert result.summary == "check run gate: success, 0 annotations"


@pytest.mark.parametrize("severities, failures, fail_on, conclusion, state", [
    ((), (), Severity.ERROR, "success", "success"),
    ((Severity.NOTE,), (), Severity.ERROR, "neutral", "success"),
    ((Severity.WARNING, Severity.NOTE), (), Severity.ERROR, "neutral", "success"),
    ((Severity.WARNING,), (), Severity.WARNING, "failure", "failure"),
    ((Severity.ERROR, Severity.WARNING), (), Severity.ERROR, "failure", "failure"),
    ((Severity.ERROR,), (), None, "neutral", "success"),          # --fail-on never
    ((), ("rego engine crashed",), Severity.ERROR, "failure", "error"),
])
def test_conclusion_and_state_mapping(fake_github, client, pr, severities, failures, fail_on,
                                      conclusion, state):
    report = Report([finding(i + 1, severity=s) for i, s in enumerate(severities)],
                    failures=list(failures))
    assert (check_conclusion(report, fail_on), status_state(report, fail_on)) == (
        conclusion, state)
    publish_check(client, pr, report, CheckRunOptions(fail_on=fail_on))
    publish_status(client, pr, report, StatusOptions(fail_on=fail_on))
    assert fake_github.repo(REPO).check_runs[0].conclusion == conclusion
    assert fake_github.repo(REPO).statuses[0].state == state


def test_titles_say_what_blocks():
    from policygate.github.verdict import title

    warned = Report([finding(1, severity=Severity.WARNING), finding(2, severity=Severity.NOTE)])
    assert title(warned, Severity.ERROR) == \
        "1 warning, 1 note — not blocking (fails only on error)"
    assert title(warned, None) == "1 warning, 1 note — not blocking (never fails)"
    assert title(warned, Severity.WARNING) == "1 warning, 1 note — fails on warning"
    assert title(Report(failures=["x"]), Severity.ERROR) == \
        "the check could not complete (no findings so far)"


def test_summary_stays_within_65535_characters(fake_github, client, pr):
    long = "x" * 590
    report = Report([finding(i + 1, message=f"{long} {i}") for i in range(3000)])
    result = publish_check(client, pr, report, CheckRunOptions(max_annotations=60))
    summary = fake_github.calls("checks.update")[-1].json["output"]["summary"]
    assert len(summary) <= 65_535
    assert "more findings not shown (a check run summary is limited to 65,535 characters)" \
        in summary
    assert summary.endswith("Only the first 60 findings are annotated; see the job summary or "
                            "the SARIF report for the other 2940.\n")
    assert result.counts == {"annotations": 60, "requests": 3}


def test_annotation_shapes():
    ranged = Finding("r/x", Severity.WARNING, "m", "a.yaml", Location(3, 5, 7), fix="do: it")
    assert annotation(ranged) == {
        "path": "a.yaml", "start_line": 3, "end_line": 7, "annotation_level": "warning",
        "title": "policygate: r/x", "message": "m", "raw_details": "Fix: do: it"}
    nowhere = Finding("r/y", Severity.NOTE, "", "b.yaml")
    assert annotation(nowhere) == {
        "path": "b.yaml", "start_line": 1, "end_line": 1, "annotation_level": "notice",
        "title": "policygate: r/y", "message": "r/y"}


def test_commit_status_alternative(fake_github, client, pr):
    report = Report([finding(1), finding(2, severity=Severity.WARNING)])
    result = publish_status(client, pr, report, StatusOptions(target_url="https://ci/7"))
    sent, = fake_github.calls("statuses.create", "POST")
    assert sent.path == f"/repos/{REPO}/statuses/{HEAD}"
    assert sent.json == {"state": "failure", "target_url": "https://ci/7",
                         "description": "policygate: 1 error, 1 warning — fails on error",
                         "context": "policygate"}
    assert (result.summary, result.fell_back) == ("commit status policygate: failure", False)


def test_a_run_that_failed_is_an_error_status(fake_github, client, pr):
    publish_status(client, pr, Report(failures=["boom"]), StatusOptions(name="policygate/prod"))
    status, = fake_github.repo(REPO).statuses
    assert (status.state, status.context, status.description) == (
        "error", "policygate/prod", "policygate: the check could not complete (no findings so far)")

