"""policygate.github.api: the client's configuration, bounded retries and error messages.

Every call goes through PyGithub over HTTP to the fake GitHub; retries are counted in the
fake's request log.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from policygate.github.api import (ClientSettings, GitHubError, connect, describe_permissions)
from tests.github.clients import FAST, fast

ACTION = "reading pull request acme/gitops#42"


@pytest.fixture
def hub(fake_github):
    pull = fake_github.add_pull("acme/gitops", 42, author="dave")
    pull.add_file("deploy/web.yaml", before="a: 1\n", after="a: 2\n")
    return fake_github


def read_pull(client) -> None:
    with client.errors(ACTION):
        client.github.get_repo("acme/gitops").get_pull(42)


def message_of(call) -> str:
    with pytest.raises(GitHubError) as caught:
        call()
    return str(caught.value)


# --- configuration ------------------------------------------------------------------------------
def test_connects_with_token_and_url_from_the_environment(hub):
    client = connect(FAST, env=hub.env())
    assert client.api_url == hub.url
    assert client.github.get_repo("acme/gitops").full_name == "acme/gitops"
    request = hub.requests[0]
    assert (request.auth, request.login) == ("token", "github-actions[bot]")
    assert request.headers["User-Agent"].startswith("policygate/")


def test_token_variable_and_base_url_can_be_chosen(hub):
    hub.add_token("ghp_other", login="policygate-app[bot]")
    client = connect(fast(token_env="POLICYGATE_TOKEN", base_url=hub.url),
                     env={"POLICYGATE_TOKEN": "ghp_other", "GITHUB_API_URL": "http://unused"})
    client.github.get_repo("acme/gitops")
    assert hub.requests[0].login == "policygate-app[bot]"


def test_pages_are_requested_100_at_a_time(hub, client):
    list(client.github.get_repo("acme/gitops").get_pull(42).get_files())
    assert hub.calls("pulls.files")[0].query == {"per_page": "100"}


def test_missing_token_says_which_variable_to_set():
    assert message_of(lambda: connect(FAST, env={})) == (
        "no GitHub token: set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: "
        "${{ secrets.GITHUB_TOKEN }}`)")
    assert "set MY_TOKEN" in message_of(lambda: connect(fast(token_env="MY_TOKEN"),
                                                        env={"MY_TOKEN": "  "}))


def test_api_url_must_be_http():
    assert message_of(lambda: connect(FAST, env={"GITHUB_TOKEN": "t",
                                                 "GITHUB_API_URL": "api.github.com"})) == (
        "GitHub API URL 'api.github.com' is not an http(s) URL: fix GITHUB_API_URL or the "
        "configured base URL")


def test_defaults_are_githubs():
    defaults = ClientSettings()
    assert (defaults.per_page, defaults.token_env, defaults.attempts) == (100, "GITHUB_TOKEN", 4)
    client = connect(defaults, env={"GITHUB_TOKEN": "t"})
    assert client.api_url == "https://api.github.com"


def test_importing_the_package_does_not_import_pygithub():
    code = ("import sys, policygate.github.api, policygate.github.facts, "
            "policygate.approvals.context_file; "
            "print(json.dumps(sorted(m for m in ('github', 'requests', 'urllib3', 'jsonschema',"
            " 'yaml') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) == []


# --- error messages -----------------------------------------------------------------------------
def test_401_says_the_token_is_bad_and_never_shows_it(hub):
    client = connect(FAST, env=hub.env(token="ghp_secretValue42"))
    message = message_of(lambda: read_pull(client))
    assert message == (f"{ACTION}: GitHub rejected the token (401 Bad credentials) — check "
                       f"that GITHUB_TOKEN holds a valid, unexpired token")
    assert "ghp_secretValue42" not in message + repr(client) + repr(hub.requests)
    assert len(hub.requests) == 1                              # 401 is not retried


def test_403_names_the_missing_permission(hub, client):
    hub.deny("pulls.get")
    assert message_of(lambda: read_pull(client)) == (
        f"{ACTION}: GitHub answered 403 Resource not accessible by integration: the token "
        f"lacks pull-requests: read (or contents: read) — grant it in the workflow's "
        f"`permissions:` (or the app/token settings)")
    assert len(hub.calls("pulls.get")) == 1                     # not a rate limit: no retry


def test_403_for_a_write_by_a_read_only_token(hub):
    hub.add_token("fork-token", permissions={"pull_requests": "read", "contents": "read"})
    client = connect(FAST, env=hub.env(token="fork-token"))
    pull = client.github.get_repo("acme/gitops").get_pull(42)
    with pytest.raises(GitHubError) as caught:
        with client.errors("posting the review on acme/gitops#42", attempts=1):
            pull.create_review(body="x", event="COMMENT")
    assert str(caught.value) == (
        "posting the review on acme/gitops#42: GitHub answered 403 Resource not accessible by "
        "integration: the token lacks pull-requests: write — grant it in the workflow's "
        "`permissions:` (or the app/token settings)")
    assert caught.value.status == 403


def test_403_that_is_not_a_missing_permission(hub, client):
    hub.fail("pulls.get", 403, "Must have admin rights to Repository.")
    assert message_of(lambda: read_pull(client)) == (
        f"{ACTION}: GitHub refused (403 Must have admin rights to Repository.) — the token is "
        f"not allowed to do this; the endpoint accepts pull-requests: read (or contents: read)")


def test_404_says_not_found_or_not_visible(hub, client):
    with pytest.raises(GitHubError) as caught:
        with client.errors("reading pull request acme/gitops#43"):
            client.github.get_repo("acme/gitops").get_pull(43)
    assert str(caught.value) == ("reading pull request acme/gitops#43: PR or repository not "
                                 "found, or the token cannot see it (404)")
    assert caught.value.status == 404


def test_422_carries_githubs_reasons(hub, client):
    pull = client.github.get_repo("acme/gitops").get_pull(42)
    with pytest.raises(GitHubError) as caught:
        with client.errors("posting the review", attempts=1):
            pull.create_review(body="b", event="COMMENT", comments=[
                {"path": "deploy/web.yaml", "line": 9, "body": "x"}])
    assert str(caught.value) == (
        "posting the review: GitHub rejected the request (422 Unprocessable Entity Pull request "
        "review thread line must be part of the diff and Pull request review thread diff hunk "
        "can't be blank)")


def test_5xx_on_reads_is_retried_a_bounded_number_of_times(hub):
    hub.fail("pulls.get", 502, times=None)
    client = connect(fast(retries=2), env=hub.env())
    assert message_of(lambda: read_pull(client)) == (
        f"{ACTION}: GitHub answered 502 Server Error (3 attempts) — GitHub may be having "
        f"problems; retry later")
    assert [r.status for r in hub.calls("pulls.get")] == [502, 502, 502]


def test_a_non_json_error_page_is_quoted_briefly(hub):
    page = b"<html><body><h1>503 Service Unavailable</h1>No server is available.</body></html>"
    hub.inject("pulls.get", status=503, body=page, times=None)
    client = connect(fast(retries=1), env=hub.env())
    assert message_of(lambda: read_pull(client)) == (
        f"{ACTION}: GitHub answered 503 <html><body><h1>503 Service Unavailable</h1>No server "
        f"is available.</body></html> (2 attempts) — GitHub may be having problems; retry later")
    assert hub.calls("pulls.get")[0].status == 503


def test_a_passing_5xx_is_absorbed_by_the_retry(hub, client):
    hub.fail("pulls.get", 503, times=2)
    read_pull(client)
    assert [r.status for r in hub.calls("pulls.get")] == [503, 503, 200]


def test_post_is_not_retried_on_5xx_but_patch_is(hub, client):
    pull = client.github.get_repo("acme/gitops").get_pull(42)
    hub.fail("issues.create_comment", 502, times=1)
    with pytest.raises(GitHubError) as caught:
        with client.errors("posting the summary comment", attempts=1):
            pull.create_issue_comment("summary")
    assert str(caught.value) == ("posting the summary comment: GitHub answered 502 Server "
                                 "Error (1 attempt) — GitHub may be having problems; retry later")
    assert len(hub.calls("issues.create_comment")) == 1        # may have been applied: no retry
    comment = pull.create_issue_comment("summary")
    hub.fail("issues.update_comment", 502, times=1)
    comment.edit("summary v2")                                  # idempotent: retried
    assert [r.status for r in hub.calls("issues.update_comment")] == [502, 200]


def test_secondary_rate_limit_is_waited_out_then_reported(hub, client):
    hub.rate_limit("pulls.get", retry_after=0, times=2)
    read_pull(client)
    assert [r.status for r in hub.calls("pulls.get")] == [403, 403, 200]
    hub.clear_log()
    hub.rate_limit("pulls.get", retry_after=0, times=None)
    assert message_of(lambda: read_pull(client)) == (
        f"{ACTION}: GitHub secondary rate limit still hit after 4 attempts (403) — wait a few "
        f"minutes, or run fewer jobs against GitHub at once")
    assert len(hub.calls("pulls.get")) == 4


def test_secondary_rate_limit_as_429(hub, client):
    hub.rate_limit("pulls.get", retry_after=0, times=None, status=429)
    assert message_of(lambda: read_pull(client)).startswith(
        f"{ACTION}: GitHub secondary rate limit still hit after 4 attempts (429)")


def test_a_wait_longer_than_allowed_fails_at_once(hub, client):
    hub.rate_limit("pulls.get", retry_after=120, times=None)
    assert message_of(lambda: read_pull(client)) == (
        f"{ACTION}: GitHub secondary rate limit: it asks to wait 120s, longer than the 5s "
        f"policygate waits — retry later")
    assert len(hub.calls("pulls.get")) == 1


def test_primary_rate_limit_until_reset(hub, client):
    hub.primary_rate_limit("pulls.get", reset_in=3600)
    message = message_of(lambda: read_pull(client))
    assert message.startswith(f"{ACTION}: GitHub rate limit: it asks to wait 36")
    assert message.endswith("s, longer than the 5s policygate waits — retry later")
    assert len(hub.calls("pulls.get")) == 1


def test_timeouts_are_retried_then_reported(hub):
    hub.slow("pulls.get", 1.5, times=None)
    client = connect(fast(timeout=1, retries=1), env=hub.env())
    assert message_of(lambda: read_pull(client)) == (
        f"{ACTION}: GitHub did not answer within 1s (2 attempts) — retry later, or raise the "
        f"timeout")
    assert len(hub.calls("pulls.get")) == 2


def test_a_post_that_timed_out_is_not_retried(hub):
    hub.slow("issues.create_comment", 1.5)          # GitHub applies it, but answers too late
    client = connect(fast(timeout=1), env=hub.env())
    pull = client.github.get_repo("acme/gitops").get_pull(42)
    with pytest.raises(GitHubError) as caught:
        with client.errors("posting the summary comment", attempts=1):
            pull.create_issue_comment("summary")
    assert str(caught.value) == ("posting the summary comment: GitHub did not answer within 1s "
                                 "(1 attempt) — retry later, or raise the timeout")
    assert len(hub.calls("issues.create_comment")) == 1


def test_unreachable_github():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]                           # closed again: nobody listens
    client = connect(fast(retries=0), env={"GITHUB_TOKEN": "t",
                                           "GITHUB_API_URL": f"http://127.0.0.1:{port}"})
    assert message_of(lambda: read_pull(client)) == (
        f"{ACTION}: cannot reach GitHub at http://127.0.0.1:{port} — check GITHUB_API_URL and "
        f"the network")


def test_errors_that_are_not_githubs_pass_through(client):
    with pytest.raises(KeyError):
        with client.errors(ACTION):
            raise KeyError("ours")


@pytest.mark.parametrize("accepted, described", [
    ("pull_requests=write", "pull-requests: write"),
    ("issues=write; pull_requests=write", "issues: write (or pull-requests: write)"),
    ("contents=read,pull_requests=read", "contents: read and pull-requests: read"),
    ("members=read", "members: read"),
    ("", ""),
])
def test_permissions_are_spelled_like_workflow_permissions(accepted, described):
    assert describe_permissions(accepted) == described
