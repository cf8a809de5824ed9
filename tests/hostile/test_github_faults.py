"""GitHub faults in `policygate pr`: every one gives a clear error or a clean fallback,
and none ends as a success that was not established."""
from __future__ import annotations

import pytest

from policygate.github.api import GitHubError
from policygate.model import Severity
from tests.github.pr_world import run


def test_pull_request_gone_is_a_clear_error(world, fake_github):
    _, _, env, _ = world
    fake_github.fail("pulls.get", 404, "Not Found")
    with pytest.raises(GitHubError, match="PR or repository not found, or the token cannot see it"):
        run(env, reports=("annotations",))


def test_bad_token_says_so(world):
    _, _, env, _ = world
    with pytest.raises(GitHubError, match="401"):
        run({**env, "GITHUB_TOKEN": "ghs_not_a_token"}, reports=("annotations",))


def test_server_errors_are_retried_a_bounded_number_of_times_then_fail(world, fake_github):
    _, _, env, _ = world
    fake_github.fail("pulls.get", 502, "Bad Gateway", times=None)
    with pytest.raises(GitHubError) as raised:
        run(env, reports=("annotations",))
    assert "502" in str(raised.value)
    assert len(fake_github.calls("pulls.get")) == 4  # the first try and 3 retries


def test_secondary_rate_limit_is_waited_out_once(world, fake_github):
    _, _, env, _ = world
    fake_github.rate_limit("pulls.files", retry_after=0, times=1)
    report, _, _ = run(env, reports=("annotations",))
    assert report.worst() == Severity.ERROR
    assert len(fake_github.calls("pulls.files")) == 2


def test_review_rejected_with_422_falls_back_to_the_body(world, fake_github):
    _, pull, env, _ = world
    fake_github.fail("pulls.create_review", 422, "Unprocessable Entity", times=1)
    report, _, said = run(env, reports=("review",))
    assert report.worst() == Severity.ERROR
    [review] = pull.reviews
    assert "pss/privileged" in review.body
    assert said == [
        "policygate: note: the line comments were not accepted: GitHub rejected the request "
        "(422 Unprocessable Entity); every finding is listed below instead"]


def test_denied_check_run_falls_back_and_keeps_the_verdict(world, fake_github):
    _, _, env, tmp = world
    fake_github.deny("checks.create")
    report, stdout, said = run(env, reports=("check",))
    assert report.worst() == Severity.ERROR
    assert any("could not publish" in line and "checks: write" in line for line in said)
    assert "::error file=deploy/web.yaml" in stdout
    assert "pss/privileged" in (tmp / "summary.md").read_text()


def test_many_files_and_reviews_are_paginated(world, fake_github):
    _, pull, env, _ = world
    pull.add_files(250)
    for index in range(130):
        pull.add_review(f"user{index}", "COMMENTED")
    report, _, _ = run(env, reports=("annotations",))
    assert len(fake_github.calls("pulls.files")) == 3
    assert len(fake_github.calls("pulls.reviews")) >= 2
    assert report.worst() == Severity.ERROR
