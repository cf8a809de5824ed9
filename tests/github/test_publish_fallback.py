"""Forks and weak tokens: a refused write becomes a fallback result and one line; other
failures still raise; importing the publishers loads no HTTP stack."""
from __future__ import annotations

import subprocess
import sys

import pytest

from policygate.github.api import GitHubError, connect
from policygate.github.checks import CheckRunOptions, finish_check, publish_check, start_check
from policygate.github.publishing import ACTIONS_LOGIN, fallback_line, resolve_login
from policygate.github.review import ReviewOptions, publish_review
from policygate.github.status import publish_status
from policygate.github.sticky import publish_sticky
from policygate.model import Report
from tests.github.clients import FAST
from tests.github.publish_support import REPO, finding, lines, make_pr, plain_pr

# What a pull_request workflow from a fork gets: read-only, whatever the workflow asks.
FORK = {"contents": "read", "pull_requests": "read", "issues": "read", "checks": "read",
        "statuses": "read"}


def publish_everything(client, pr, report):
    return [publish_check(client, pr.pr, report),
            publish_status(client, pr.pr, report),
            publish_review(client, pr.pr, report, ReviewOptions(), diff=pr.diff, head=pr.head),
            publish_sticky(client, pr.pr, report)]


def test_fork_token_falls_back_cleanly_with_one_line(fake_github, tmp_path):
    fake_github.add_token("fork-token", login="github-actions[bot]", permissions=FORK)
    pr = make_pr(fake_github, tmp_path, {}, {"deploy/new.yaml": lines(3)})
    client = connect(FAST, env=fake_github.env("fork-token"))
    report = Report([finding(1, file="deploy/new.yaml"), finding(9, file="deploy/x.yaml")])

    results = publish_everything(client, pr, report)

    assert [r.fell_back for r in results] == [True] * 4
    assert [r.publisher for r in results] == ["check run", "commit status", "review",
                                              "summary comment"]
    assert results[0].fallback == (
        "creating check run 'policygate': GitHub answered 403 Resource not accessible by "
        "integration: the token lacks checks: write — grant it in the workflow's "
        "`permissions:` (or the app/token settings)")
    writes = [(r.endpoint, r.status) for r in fake_github.requests if r.method != "GET"]
    assert writes == [("checks.create", 403), ("statuses.create", 403),
                      ("pulls.create_review", 403), ("issues.create_comment", 403)]
    repo = fake_github.repo(REPO)
    assert (repo.check_runs, repo.statuses, repo.pulls[42].reviews,
            repo.pulls[42].issue_comments) == ([], [], [], [])
    assert fallback_line(results) == (
        "policygate: could not publish the check run, commit status, review and summary "
        "comment to the pull request — creating check run 'policygate': GitHub answered 403 "
        "Resource not accessible by integration: the token lacks checks: write — grant it in "
        "the workflow's `permissions:` (or the app/token settings) (a pull request from a "
        "fork gets a read-only token); the findings are in the annotations and the job "
        "summary instead, the verdict is unchanged")
    assert "\n" not in fallback_line(results)


def test_only_the_refused_publisher_falls_back(fake_github, client):
    pr = plain_pr(fake_github)
    fake_github.deny("checks.create")
    results = [publish_check(client, pr, Report()), publish_status(client, pr, Report())]
    assert [r.fell_back for r in results] == [True, False]
    assert fallback_line(results).startswith("policygate: could not publish the check run to ")
    assert fallback_line(results[1:]) is None


def test_refusal_after_the_check_run_was_created(fake_github, client):
    pr = plain_pr(fake_github)
    handle = start_check(client, pr)
    fake_github.deny("checks.update")
    result = finish_check(client, handle, Report([finding(i + 1) for i in range(60)]),
                          CheckRunOptions())
    assert result.fell_back and result.counts == {"annotations": 0}
    assert len(fake_github.calls("checks.update")) == 1          # stops at the refusal


def test_404_on_a_write_is_a_fallback_too(fake_github, client, tmp_path):
    pr = make_pr(fake_github, tmp_path, {}, {"deploy/new.yaml": lines(3)})
    fake_github.fail("pulls.create_review", 404)
    result = publish_review(client, pr.pr, Report([finding(1, file="deploy/new.yaml")]),
                            ReviewOptions(), diff=pr.diff, head=pr.head)
    assert result.fell_back and "(404)" in result.fallback


def test_a_refused_write_after_others_keeps_the_counts(fake_github, client, tmp_path):
    pr = make_pr(fake_github, tmp_path, {"deploy/web.yaml": lines(30)},
                 {"deploy/web.yaml": lines(30).replace("key1: 1\n", "key1: one\n")})
    fake_github.deny("pulls.create_review")
    result = publish_review(client, pr.pr, Report([finding(2), finding(20, rule="r/x")]),
                            ReviewOptions(), diff=pr.diff, head=pr.head)
    assert result.fell_back and result.counts == {"file_comments": 1}


def test_rate_limits_are_not_refusals(fake_github, client):
    pr = plain_pr(fake_github)
    fake_github.rate_limit("statuses.create", retry_after=600)
    with pytest.raises(GitHubError, match="secondary rate limit: it asks to wait 600s"):
        publish_status(client, pr, Report())


def test_login_of_a_token_that_may_not_ask_is_the_actions_bot(fake_github, client):
    assert resolve_login(client) == "github-actions[bot]"
    fake_github.deny("users.me", "")                             # installation tokens: 403
    assert resolve_login(client) == ACTIONS_LOGIN
    assert resolve_login(client, "policygate-app[bot]") == "policygate-app[bot]"
    assert len(fake_github.calls("users.me")) == 2


def test_importing_the_publishers_loads_no_http_stack():
    code = ("import sys\n"
            "import policygate.github.checks, policygate.github.status, policygate.github.review,"
            " policygate.github.sticky, policygate.review.diffmap, policygate.review.headfiles\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('github', 'requests', 'urllib3', 'jsonschema')))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "[]"
