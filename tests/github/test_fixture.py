"""The fake GitHub answers PyGithub like GitHub does: shapes, pagination, limits, errors.

These tests use a bare PyGithub client (no policygate code): they pin the fixture that the
policygate.github tests (and the reporters) rely on.
"""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timezone

import pytest
from github.GithubException import GithubException, UnknownObjectException

from tests.github.fake_state import fake_sha

OLD = "".join(f"line{i}: {i}\n" for i in range(1, 31))
# Two hunks: new lines 2-8 (line 5 changed) and new lines 17-24 (20 changed, 21 added).
NEW = OLD.replace("line5: 5", "line5: five").replace("line20: 20\n",
                                                      "line20: twenty\nline20b: new\n")
TOKEN = "ghs_fixtureTokenValue0123456789abcdef"


@pytest.fixture
def hub(fake_github):
    pull = fake_github.add_pull("acme/gitops", 42, author="dave", labels=["prod", "rbac"])
    pull.add_file("deploy/web.yaml", before=OLD, after=NEW)
    pull.add_file("deploy/new.yaml", after="kind: ConfigMap\n")
    pull.add_file("deploy/moved.yaml", before="a: 1\n", after="a: 1\n", previous_path="old.yaml",
                  patch=None)
    return fake_github


def gh_pull(hub, **kwargs):
    return hub.pygithub(**kwargs).get_repo("acme/gitops").get_pull(42)


def error_of(call) -> GithubException:
    with pytest.raises(GithubException) as caught:
        call()
    return caught.value


# --- read shapes ------------------------------------------------------------------------------
def test_pull_request_attributes_parse_as_on_github(hub):
    pull = hub.repo("acme/gitops").pulls[42]
    pull.add_commit("dave")
    pr = gh_pull(hub)
    assert (pr.number, pr.user.login, pr.state, pr.draft) == (42, "dave", "open", False)
    assert (pr.base.ref, pr.base.sha) == ("main", pull.base_sha)
    assert (pr.head.ref, pr.head.sha) == ("feature", pull.head_sha)
    assert pr.base.repo.full_name == "acme/gitops"
    assert [label.name for label in pr.labels] == ["prod", "rbac"]
    assert (pr.changed_files, pr.commits, pr.additions, pr.deletions) == (3, 1, 4, 2)
    assert pr.created_at == datetime(2026, 1, 5, 9, 1, tzinfo=timezone.utc)
    assert [r.endpoint for r in hub.requests] == ["repos.get", "pulls.get"]


def test_changed_files_carry_status_patch_and_rename(hub):
    files = {f.filename: f for f in gh_pull(hub).get_files()}
    web, new, moved = files["deploy/web.yaml"], files["deploy/new.yaml"], files["deploy/moved.yaml"]
    assert (web.status, web.additions, web.deletions, web.changes) == ("modified", 3, 2, 5)
    assert web.patch.startswith("@@ -2,7 +2,7 @@\n line2: 2\n")
    assert (new.status, new.patch) == ("added", "@@ -0,0 +1 @@\n+kind: ConfigMap")
    assert (moved.status, moved.previous_filename, moved.patch) == ("renamed", "old.yaml", None)
    assert web.previous_filename is None


def test_files_paginate_with_link_headers_like_github(hub):
    hub.repo("acme/gitops").pulls[42].add_files(247)
    names = [f.filename for f in gh_pull(hub, per_page=100).get_files()]
    assert len(names) == 250 and len(set(names)) == 250
    pages = hub.calls("pulls.files")
    repo_id = hub.repo("acme/gitops").id
    assert [(r.path, r.query) for r in pages] == [
        ("/repos/acme/gitops/pulls/42/files", {"per_page": "100"}),
        (f"/repositories/{repo_id}/pulls/42/files", {"per_page": "100", "page": "2"}),
        (f"/repositories/{repo_id}/pulls/42/files", {"per_page": "100", "page": "3"})]


def test_link_header_names_next_last_prev_first(hub):
    hub.repo("acme/gitops").pulls[42].add_files(97)          # 100 files: 4 pages of 30
    def link(page):
        url = f"{hub.url}/repos/acme/gitops/pulls/42/files?page={page}"
        request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(request) as response:
            return response.headers["Link"], len(json.load(response))
    base = f"{hub.url}/repositories/{hub.repo('acme/gitops').id}/pulls/42/files"
    first, size = link(1)
    assert size == 30 and first == (f'<{base}?per_page=30&page=2>; rel="next", '
                                    f'<{base}?per_page=30&page=4>; rel="last"')
    middle, _ = link(2)
    assert middle == (f'<{base}?per_page=30&page=1>; rel="prev", '
                      f'<{base}?per_page=30&page=3>; rel="next", '
                      f'<{base}?per_page=30&page=4>; rel="last", '
                      f'<{base}?per_page=30&page=1>; rel="first"')
    last, size = link(4)
    assert size == 10 and last == (f'<{base}?per_page=30&page=3>; rel="prev", '
                                   f'<{base}?per_page=30&page=1>; rel="first"')


def test_file_list_stops_at_3000_like_github(hub):
    hub.repo("acme/gitops").pulls[42].add_files(3000)        # 3,003 changed files
    pr = gh_pull(hub, per_page=100)
    assert pr.changed_files == 3003
    assert len(list(pr.get_files())) == 3000
    assert len(hub.calls("pulls.files")) == 30


def test_commits_without_an_account_have_no_user_and_stop_at_250(hub):
    pull = hub.repo("acme/gitops").pulls[42]
    pull.add_commit("dave", "web-flow")
    pull.add_commit(None, None)
    commits = list(gh_pull(hub).get_commits())
    assert [(c.author.login if c.author else None, c.committer.login if c.committer else None)
            for c in commits] == [("dave", "web-flow"), (None, None)]
    assert commits[0].commit.author.email == "dave@example.com"
    pull.add_commits(260)
    pr = gh_pull(hub, per_page=100)
    assert (pr.commits, len(list(pr.get_commits()))) == (262, 250)


def test_reviews_keep_user_state_commit_and_time(hub):
    pull = hub.repo("acme/gitops").pulls[42]
    pull.add_review("alice", "APPROVED")
    pull.add_review("bob", "CHANGES_REQUESTED", commit_id=fake_sha("old"))
    pull.add_review("carol", "PENDING")
    reviews = list(gh_pull(hub).get_reviews())
    assert [(r.user.login, r.state, r.commit_id) for r in reviews] == [
        ("alice", "APPROVED", pull.head_sha), ("bob", "CHANGES_REQUESTED", fake_sha("old")),
        ("carol", "PENDING", pull.head_sha)]
    assert reviews[0].submitted_at == datetime(2026, 1, 5, 9, 2, tzinfo=timezone.utc)
    assert reviews[2].submitted_at is None


def test_team_by_slug_then_members(hub):
    hub.add_team("acme/platform", ["alice", "bob"])
    team = hub.pygithub().get_organization("acme").get_team_by_slug("platform")
    assert (team.slug, team.members_count, team.organization.login) == ("platform", 2, "acme")
    assert [user.login for user in team.get_members()] == ["alice", "bob"]
    members = hub.calls("teams.members")[0]
    assert members.path == f"/organizations/{team.organization.id}/team/{team.id}/members"


def test_secret_and_missing_teams_are_404(hub):
    hub.add_team("acme/security", ["carol"], secret=True)
    org = hub.pygithub().get_organization("acme")
    for slug in ("security", "nope"):
        with pytest.raises(UnknownObjectException):
            org.get_team_by_slug(slug).id


def test_contents_at_base_and_head(hub):
    repo = hub.pygithub().get_repo("acme/gitops")
    pull = hub.repo("acme/gitops").pulls[42]
    assert repo.get_contents("deploy/web.yaml", ref=pull.base_sha).decoded_content == OLD.encode()
    assert repo.get_contents("deploy/web.yaml", ref="feature").decoded_content == NEW.encode()
    assert repo.get_contents("old.yaml", ref=pull.base_sha).decoded_content == b"a: 1\n"
    with pytest.raises(UnknownObjectException):
        repo.get_contents("deploy/new.yaml", ref=pull.base_sha)
    missing_ref = error_of(lambda: repo.get_contents("deploy/web.yaml", ref="nope"))
    assert missing_ref.data["message"] == "No commit found for the ref nope"


# --- pull request reviews ---------------------------------------------------------------------
def test_review_with_comments_on_diff_lines_is_stored(hub):
    pr = gh_pull(hub)
    review = pr.create_review(body="policygate found 2 problems", event="REQUEST_CHANGES",
                              comments=[
        {"path": "deploy/web.yaml", "line": 5, "side": "RIGHT", "body": "fix"},
        {"path": "deploy/web.yaml", "start_line": 20, "line": 22, "body": "range"},
        {"path": "deploy/web.yaml", "line": 20, "side": "LEFT", "body": "old line"}])
    assert (review.state, review.user.login) == ("CHANGES_REQUESTED", "github-actions[bot]")
    stored = hub.repo("acme/gitops").pulls[42].review_comments
    assert [(c.line, c.side, c.start_line, c.start_side, c.review_id) for c in stored] == [
        (5, "RIGHT", None, None, review.id), (22, "RIGHT", 20, "RIGHT", review.id),
        (20, "LEFT", None, None, review.id)]
    listed = list(pr.get_review_comments())
    assert [(c.path, c.line, c.start_line, c.position) for c in listed] == [
        ("deploy/web.yaml", 5, None, 5), ("deploy/web.yaml", 22, 20, 16),
        ("deploy/web.yaml", 20, None, 13)]
    assert listed[0].diff_hunk == ("@@ -2,7 +2,7 @@\n line2: 2\n line3: 3\n line4: 4\n"
                                   "-line5: 5\n+line5: five")
    sent = hub.calls("pulls.create_review")[0].json
    assert sent["event"] == "REQUEST_CHANGES" and len(sent["comments"]) == 3


@pytest.mark.parametrize("comment, sentence", [
    ({"path": "deploy/web.yaml", "line": 12, "body": "x"},
     "Pull request review thread line must be part of the diff and Pull request review "
     "thread diff hunk can't be blank"),
    ({"path": "deploy/web.yaml", "start_line": 5, "line": 20, "body": "x"},
     "Pull request review thread start line must be part of the same hunk as the line."),
    ({"path": "deploy/web.yaml", "start_line": 6, "line": 6, "body": "x"},
     "Pull request review thread start line must precede the end line."),
    ({"path": "README.md", "line": 1, "body": "x"},
     "Pull request review thread path is invalid and Pull request review thread diff hunk "
     "can't be blank"),
    ({"path": "deploy/web.yaml", "line": 24, "side": "LEFT", "body": "x"},
     "Pull request review thread line must be part of the diff and Pull request review "
     "thread diff hunk can't be blank"),
])
def test_one_comment_outside_the_diff_rejects_the_whole_review(hub, comment, sentence):
    pr = gh_pull(hub)
    good = {"path": "deploy/web.yaml", "line": 5, "body": "fine"}
    error = error_of(lambda: pr.create_review(body="b", event="COMMENT",
                                              comments=[good, comment]))
    assert error.status == 422
    assert error.data == {
        "message": "Unprocessable Entity", "errors": [sentence],
        "documentation_url": "https://docs.github.com/rest/pulls/reviews"
                             "#create-a-review-for-a-pull-request", "status": "422"}
    pull = hub.repo("acme/gitops").pulls[42]
    assert pull.reviews == [] and pull.review_comments == []


def test_several_problems_join_like_github(hub):
    error = error_of(lambda: gh_pull(hub).create_review(event="COMMENT", body="b", comments=[
        {"path": "deploy/web.yaml", "line": 12, "body": "x"},
        {"path": "deploy/web.yaml", "start_line": 5, "line": 20, "body": "y"}]))
    assert error.data["errors"] == [
        "Pull request review thread line must be part of the diff, Pull request review thread "
        "start line must be part of the same hunk as the line., and Pull request review "
        "thread diff hunk can't be blank"]


def test_author_cannot_approve_own_pull_request(hub):
    hub.add_token("dave-token", login="dave")
    error = error_of(lambda: gh_pull(hub, token="dave-token").create_review(event="APPROVE"))
    assert (error.status, error.data["errors"]) == (
        422, ["Can not approve your own pull request"])


def test_dismissing_a_review(hub):
    pull = hub.repo("acme/gitops").pulls[42]
    approval = pull.add_review("alice", "APPROVED")
    comment = pull.add_review("bob", "COMMENTED")
    pr = gh_pull(hub)
    pr.get_review(approval.id).dismiss("stale")
    assert approval.state == "DISMISSED"
    assert hub.calls("pulls.dismiss_review")[0].json == {"message": "stale"}
    error = error_of(lambda: pr.get_review(comment.id).dismiss("no"))
    assert (error.status, error.data["message"]) == (
        422, "Can not dismiss a commented pull request review")


# --- review comments ----------------------------------------------------------------------------
def test_single_comments_on_lines_files_and_replies(hub):
    gh = hub.pygithub()
    pr = gh.get_repo("acme/gitops").get_pull(42)
    head = gh.get_repo("acme/gitops").get_commit(pr.head.sha)
    on_line = pr.create_review_comment("line", head, "deploy/web.yaml", line=21, side="RIGHT")
    on_file = pr.create_review_comment("file", head, "deploy/new.yaml", subject_type="file")
    reply = pr.create_review_comment_reply(on_line.id, "thanks")
    assert (on_line.line, on_line.subject_type, on_line.pull_request_review_id) == (
        21, "line", None)
    assert (on_file.line, on_file.subject_type) == (None, "file")
    assert (reply.in_reply_to_id, reply.line, reply.path) == (on_line.id, 21, "deploy/web.yaml")
    error = error_of(lambda: pr.create_review_comment("x", head, "deploy/web.yaml", line=12))
    assert error.status == 422 and error.data["message"] == "Validation Failed"
    assert error.data["errors"] == [
        {"resource": "PullRequestReviewComment", "code": "custom",
         "field": "pull_request_review_thread.line",
         "message": "pull_request_review_thread.line must be part of the diff"},
        {"resource": "PullRequestReviewComment", "code": "missing_field",
         "field": "pull_request_review_thread.diff_hunk"}]


def test_review_comments_are_listed_edited_and_deleted(hub):
    pull = hub.repo("acme/gitops").pulls[42]
    ours = pull.add_review_comment("github-actions[bot]", "deploy/web.yaml", "old", line=5)
    human = pull.add_review_comment("alice", "deploy/web.yaml", "why?", in_reply_to=ours.id)
    pr = gh_pull(hub)
    listed = {c.id: c for c in pr.get_review_comments()}
    assert listed[human.id].in_reply_to_id == ours.id and listed[human.id].user.login == "alice"
    listed[ours.id].edit("new")
    assert ours.body == "new"
    listed[ours.id].delete()
    assert [c.id for c in pull.review_comments] == [human.id]
    assert [(r.method, r.endpoint, r.status) for r in hub.requests[-2:]] == [
        ("PATCH", "pulls.update_review_comment", 200),
        ("DELETE", "pulls.delete_review_comment", 204)]
    with pytest.raises(UnknownObjectException):
        listed[ours.id].edit("again")


# --- issue comments ----------------------------------------------------------------------------
def test_issue_comments_crud(hub):
    human = hub.repo("acme/gitops").pulls[42].add_issue_comment("alice", "LGTM")
    pr = gh_pull(hub)
    created = pr.create_issue_comment("summary v1")
    assert created.user.login == "github-actions[bot]"
    assert hub.calls("issues.create_comment")[0].status == 201
    pr.get_issue_comment(created.id).edit("summary v2")
    assert [(c.user.login, c.body) for c in pr.get_issue_comments()] == [
        ("alice", "LGTM"), ("github-actions[bot]", "summary v2")]
    created.delete()
    assert [c.id for c in pr.get_issue_comments()] == [human.id]
    error = error_of(lambda: pr.create_issue_comment(""))
    assert (error.status, error.data["message"]) == (422, 'Invalid request.\n\n"body" wasn\'t '
                                                          'supplied.')


# --- check runs and statuses --------------------------------------------------------------------
def annotations(count: int, level: str = "failure") -> list[dict]:
    return [{"path": "deploy/web.yaml", "start_line": i + 1, "end_line": i + 1,
             "annotation_level": level, "message": f"finding {i}"} for i in range(count)]


def test_check_run_created_updated_in_batches_and_concluded(hub):
    repo = hub.pygithub().get_repo("acme/gitops")
    head = hub.repo("acme/gitops").pulls[42].head_sha
    run = repo.create_check_run("policygate", head, status="in_progress",
                                output={"title": "Checking", "summary": "running",
                                        "annotations": annotations(50)})
    assert (run.status, run.conclusion, run.output.annotations_count) == ("in_progress", None, 50)
    run.edit(output={"title": "Checking", "summary": "more", "annotations": annotations(50)})
    run.edit(conclusion="failure", output={"title": "3 problems", "summary": "done",
                                           "annotations": annotations(20, "warning")})
    stored = hub.repo("acme/gitops").check_runs[0]
    assert (stored.status, stored.conclusion, len(stored.annotations)) == (
        "completed", "failure", 120)
    assert run.conclusion == "failure" and run.completed_at is not None
    listed = list(repo.get_check_run(run.id).get_annotations())
    assert (len(listed), listed[-1].annotation_level, listed[0].message) == (
        120, "warning", "finding 0")
    found = repo.get_commit(head).get_check_runs(check_name="policygate")
    assert [r.id for r in found] == [run.id]


def test_more_than_50_annotations_in_one_request_is_422(hub):
    repo = hub.pygithub().get_repo("acme/gitops")
    head = hub.repo("acme/gitops").pulls[42].head_sha
    error = error_of(lambda: repo.create_check_run(
        "policygate", head, output={"title": "t", "summary": "s", "annotations": annotations(51)}))
    assert (error.status, error.data["message"]) == (
        422, "Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied.")
    assert hub.repo("acme/gitops").check_runs == []
    too_long = error_of(lambda: repo.create_check_run(
        "policygate", head, output={"title": "t", "summary": "s" * 65536}))
    assert too_long.data["message"] == ("Invalid request.\n\nOnly 65535 characters are allowed; "
                                        "65536 were supplied.")


def test_commit_status_is_created_and_validated(hub):
    repo = hub.pygithub().get_repo("acme/gitops")
    head = hub.repo("acme/gitops").pulls[42].head_sha
    status = repo.get_commit(head).create_status("failure", description="2 errors",
                                                 context="policygate")
    assert (status.state, status.context, status.creator.login) == (
        "failure", "policygate", "github-actions[bot]")
    assert hub.calls("statuses.create")[0].json == {"state": "failure", "description": "2 errors",
                                                    "context": "policygate"}
    assert [s.state for s in repo.get_commit(head).get_statuses()] == ["failure"]
    error = error_of(lambda: repo.get_commit(head).create_status("failure", description="x" * 141))
    assert error.data["errors"][0]["message"] == "description is too long (maximum is 140 " \
                                                 "characters)"


# --- tokens, permissions, faults, the request log ----------------------------------------------
def test_restricted_token_gets_403_naming_the_permission(hub):
    hub.add_token("fork-token", permissions={"pull_requests": "read", "contents": "read"})
    pr = gh_pull(hub, token="fork-token")                      # reading is allowed
    error = error_of(lambda: pr.create_review(body="x", event="COMMENT"))
    assert (error.status, error.data["message"]) == (403, "Resource not accessible by integration")
    assert error.headers["x-accepted-github-permissions"] == "pull_requests=write"
    assert hub.repo("acme/gitops").pulls[42].reviews == []


def test_unknown_token_is_401_and_anonymous_writes_need_authentication(hub):
    error = error_of(lambda: hub.pygithub(token="ghp_wrong").get_repo("acme/gitops"))
    assert (error.status, error.data["message"]) == (401, "Bad credentials")
    anonymous = hub.pygithub(token=None).get_repo("acme/gitops").get_pull(42)
    assert error_of(lambda: anonymous.create_issue_comment("x")).status == 401


def test_injected_faults_have_githubs_shape_and_run_out(hub):
    hub.fail("pulls.get", 502, times=1)
    hub.deny("pulls.files")
    hub.rate_limit("pulls.reviews", retry_after=30)
    repo = hub.pygithub().get_repo("acme/gitops")
    server_error = error_of(lambda: repo.get_pull(42))
    assert server_error.status == 502 and server_error.data["status"] == "502"
    pr = repo.get_pull(42)                                     # times=1: the fault is used up
    denied = error_of(lambda: list(pr.get_files()))
    assert denied.headers["x-accepted-github-permissions"] == "pull_requests=read"
    limited = error_of(lambda: list(pr.get_reviews()))
    assert (limited.status, limited.headers["retry-after"]) == (403, "30")
    assert limited.data["message"].startswith("You have exceeded a secondary rate limit.")
    assert [r.status for r in hub.requests] == [200, 502, 200, 403, 403]


def test_a_misspelt_endpoint_is_refused_not_silently_ignored(hub):
    with pytest.raises(KeyError, match="unknown endpoint 'pulls.file'"):
        hub.fail("pulls.file", 500)
    hub.fail("*", 500, times=1)                                # every endpoint
    assert error_of(lambda: hub.pygithub().get_user("dave")).status == 500


def test_slow_fault_delays_the_answer(hub):
    import time

    hub.slow("repos.get", 0.2)
    started = time.monotonic()
    hub.pygithub().get_repo("acme/gitops")
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    hub.pygithub().get_repo("acme/gitops")                     # times=1: no delay now
    assert time.monotonic() - started < 0.2


def test_request_log_records_the_request_but_never_the_token(hub):
    gh_pull(hub).create_issue_comment("hello")
    posted = hub.calls("issues.create_comment")[0]
    assert (posted.method, posted.path, posted.query, posted.json) == (
        "POST", "/repos/acme/gitops/issues/42/comments", {}, {"body": "hello"})
    assert (posted.auth, posted.login, posted.headers["User-Agent"]) == (
        "token", "github-actions[bot]", "PyGithub/Python")
    assert TOKEN not in repr(hub.requests)
    assert hub.calls("nope") == []
