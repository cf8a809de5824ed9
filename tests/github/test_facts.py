"""fetch_pr_context: the PR facts from GitHub, complete or explicitly incomplete."""
from __future__ import annotations

import pytest

from policygate.approvals.context import ChangedFile, Commit, PullRequestContext, Ref, Review
from policygate.github.api import GitHubError, connect
from policygate.github.facts import fetch_pr_context, parse_team
from tests.github.clients import FAST
from tests.github.fake_state import fake_sha


@pytest.fixture
def pull(fake_github):
    pull = fake_github.add_pull("acme/gitops", 42, author="dave", labels=["prod"],
                                base=("main", fake_sha("base")), head=("feat", fake_sha("head")))
    pull.add_file("deploy/prod/web.yaml", before="replicas: 1\n", after="replicas: 2\n")
    pull.add_file("deploy/new.yaml", after="kind: ConfigMap\n")
    pull.add_file("deploy/b.yaml", before="x: 1\n", after="x: 1\n", previous_path="deploy/a.yaml")
    pull.add_commit("dave", sha=fake_sha("c1"))
    pull.add_commit(None, "web-flow", sha=fake_sha("c2"))
    pull.add_review("alice", "APPROVED")
    pull.add_review("bob", "CHANGES_REQUESTED", commit_id=fake_sha("c1"))
    fake_github.add_team("acme/platform", ["alice", "bob"])
    return pull


def test_reads_every_fact_of_the_pull_request(fake_github, pull, client):
    context = fetch_pr_context(client, "acme/gitops", 42, teams=["acme/platform"])
    assert context == PullRequestContext(
        repository="acme/gitops", number=42, author="dave",
        base=Ref("main", fake_sha("base")), head=Ref("feat", fake_sha("head")),
        labels=("prod",),
        files=(ChangedFile("deploy/prod/web.yaml", "modified"),
               ChangedFile("deploy/new.yaml", "added"),
               ChangedFile("deploy/b.yaml", "renamed", "deploy/a.yaml")),
        commits=(Commit(fake_sha("c1"), "dave", "dave"), Commit(fake_sha("c2"), None, "web-flow")),
        reviews=(Review("alice", "APPROVED", fake_sha("head"), "2026-01-05T09:04:00Z"),
                 Review("bob", "CHANGES_REQUESTED", fake_sha("c1"), "2026-01-05T09:05:00Z")),
        teams={"acme/platform": ("alice", "bob")})
    assert [r.endpoint for r in fake_github.requests] == [
        "repos.get", "pulls.get", "pulls.files", "pulls.commits", "pulls.reviews", "teams.get",
        "teams.members"]


def test_long_lists_are_read_page_by_page(fake_github, pull, client):
    pull.add_files(247)                                # 250 files
    pull.add_commits(148)                              # 150 commits
    pull.add_reviews(199)                              # 201 reviews
    fake_github.add_team("acme/big", [f"user{i}" for i in range(130)])
    context = fetch_pr_context(client, "acme/gitops", 42, teams=["acme/big"])
    assert (len(context.files), len(context.commits), len(context.reviews)) == (250, 150, 201)
    assert len(set(f.path for f in context.files)) == 250
    assert len(context.teams["acme/big"]) == 130 and not context.files_truncated
    pages = {endpoint: [r.query.get("page", "1") for r in fake_github.calls(endpoint)]
             for endpoint in ("pulls.files", "pulls.commits", "pulls.reviews", "teams.members")}
    assert pages == {"pulls.files": ["1", "2", "3"], "pulls.commits": ["1", "2"],
                     "pulls.reviews": ["1", "2", "3"], "teams.members": ["1", "2"]}
    assert all(r.query["per_page"] == "100" for r in fake_github.calls("pulls.files"))


def test_more_than_3000_files_marks_the_list_truncated(fake_github, pull, client):
    pull.add_files(2998)                               # 3,001 changed files
    context = fetch_pr_context(client, "acme/gitops", 42)
    assert (len(context.files), context.files_truncated) == (3000, True)
    assert context.to_json()["files_truncated"] is True


def test_exactly_3000_files_is_complete(fake_github, pull, client):
    pull.add_files(2997)
    context = fetch_pr_context(client, "acme/gitops", 42)
    assert (len(context.files), context.files_truncated) == (3000, False)


def test_more_than_250_commits_is_an_error_not_a_shorter_list(fake_github, pull, client):
    pull.add_commits(249)                              # 251 commits
    with pytest.raises(GitHubError) as caught:
        fetch_pr_context(client, "acme/gitops", 42)
    assert str(caught.value) == (
        "reading pull request acme/gitops#42: GitHub lists only 250 of the 251 commits, so not "
        "every commit author is known and approvals cannot be judged — split the pull request")


def test_a_push_leaves_earlier_reviews_on_the_old_head(fake_github, pull, client):
    old_head = pull.head_sha
    new_head = pull.push()
    context = fetch_pr_context(client, "acme/gitops", 42)
    assert context.head == Ref("feat", new_head) and new_head != old_head
    assert context.commits[-1] == Commit(new_head, "dave", "dave")
    assert [r.commit_id for r in context.reviews] == [old_head, fake_sha("c1")]


def test_review_by_a_deleted_account_and_a_pending_review(fake_github, pull, client):
    pull.reviews.clear()
    pull.add_review("carol", "PENDING")
    pull.add_review(None, "APPROVED")                  # GitHub sends "user": null
    context = fetch_pr_context(client, "acme/gitops", 42)
    assert [(r.user, r.state, r.submitted_at) for r in context.reviews] == [
        ("carol", "PENDING", None), ("ghost", "APPROVED", "2026-01-05T09:06:00Z")]


# --- team membership: known, or "cannot verify" with the reason ---------------------------------
def test_team_that_does_not_exist_cannot_be_verified(fake_github, pull, client):
    context = fetch_pr_context(client, "acme/gitops", 42, teams=["acme/platform", "acme/ghosts"])
    assert context.teams == {"acme/platform": ("alice", "bob")}
    assert context.team_errors == {"acme/ghosts": (
        "404 Not Found: the team does not exist, or the token cannot see it (reading teams "
        "needs members: read)")}


def test_secret_team_cannot_be_verified_and_is_not_empty(fake_github, pull, client):
    fake_github.add_team("acme/security", ["carol"], secret=True)
    context = fetch_pr_context(client, "acme/gitops", 42, teams=["@acme/security"])
    assert "acme/security" not in context.teams
    assert context.team_errors["acme/security"].startswith("404 Not Found: the team does not")


def test_token_without_members_permission_cannot_verify(fake_github, pull):
    fake_github.add_token("actions-token", permissions={"pull_requests": "read",
                                                        "contents": "read"})
    client = connect(FAST, env=fake_github.env(token="actions-token"))
    context = fetch_pr_context(client, "acme/gitops", 42, teams=["acme/platform"])
    assert context.teams == {}
    assert context.team_errors == {
        "acme/platform": "403 Resource not accessible by integration: the token lacks "
                         "members: read"}
    assert len(fake_github.calls("teams.get")) == 1 and fake_github.calls("teams.members") == []


def test_members_list_refused_after_the_team_was_found(fake_github, pull, client):
    fake_github.deny("teams.members")
    context = fetch_pr_context(client, "acme/gitops", 42, teams=["acme/platform"])
    assert context.teams == {}
    assert context.team_errors == {
        "acme/platform": "403 Resource not accessible by integration: the token lacks "
                         "members: read"}


def test_team_lookup_outage_fails_the_run_instead_of_guessing(fake_github, pull, client):
    fake_github.fail("teams.get", 500, times=None)
    with pytest.raises(GitHubError) as caught:
        fetch_pr_context(client, "acme/gitops", 42, teams=["acme/platform"])
    assert str(caught.value) == (
        "reading the members of team acme/platform: GitHub answered 500 Server Error "
        "(4 attempts) — GitHub may be having problems; retry later")


def test_team_rate_limit_is_not_mistaken_for_cannot_verify(fake_github, pull, client):
    fake_github.rate_limit("teams.members", retry_after=0, times=None)
    with pytest.raises(GitHubError, match="secondary rate limit still hit after 4 attempts"):
        fetch_pr_context(client, "acme/gitops", 42, teams=["acme/platform"])


def test_each_team_is_read_once(fake_github, pull, client):
    context = fetch_pr_context(client, "acme/gitops", 42,
                               teams=["acme/platform", "@acme/platform"])
    assert list(context.teams) == ["acme/platform"]
    assert len(fake_github.calls("teams.get")) == 1


@pytest.mark.parametrize("spec, parsed", [("acme/platform", ("acme", "platform")),
                                          ("@acme/platform", ("acme", "platform"))])
def test_team_spellings(spec, parsed):
    assert parse_team(spec) == parsed


@pytest.mark.parametrize("spec", ["platform", "acme/", "/platform", "acme/platform/x"])
def test_bad_team_spellings(spec):
    with pytest.raises(GitHubError, match=f"team '{spec}' is not of the form org/team"):
        parse_team(spec)


# --- failures of the pull request itself --------------------------------------------------------
def test_missing_pull_request(fake_github, pull, client):
    with pytest.raises(GitHubError) as caught:
        fetch_pr_context(client, "acme/gitops", 7)
    assert str(caught.value) == ("reading pull request acme/gitops#7: PR or repository not "
                                 "found, or the token cannot see it (404)")


def test_a_page_failing_midway_fails_the_read(fake_github, pull, client):
    pull.add_files(200)
    fake_github.inject("pulls.files", status=502, message="Server Error", times=None,
                       path="/repos/acme/gitops/pulls/42/files")   # page 1 is fine; 2+ are not
    with pytest.raises(GitHubError, match="GitHub answered 502 Server Error"):
        fetch_pr_context(client, "acme/gitops", 42)
    assert [r.status for r in fake_github.calls("pulls.files")] == [502, 502, 502, 502]
