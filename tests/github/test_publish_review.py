"""The PR review end to end: placement on GitHub's diff, batching, re-runs, 422s, events.

Each test builds the pull request twice from the same texts (publish_support.make_pr): a
real git repository gives the run's own diff, the fake GitHub judges the comments with
its own hunks and answers 422 exactly where GitHub would.
"""
from __future__ import annotations

import pytest

from policygate.baseline import fingerprint
from policygate.github.api import connect
from policygate.github.review import ReviewOptions, publish_review
from policygate.model import Report, Severity
from tests.github.clients import FAST
from tests.github.publish_support import finding, lines, make_pr

BEFORE = lines(40)
# Two hunks in GitHub's diff of web.yaml: head lines 7-13 (10 changed), 27-33 (30 changed).
AFTER = BEFORE.replace("key10: 10\n", "key10: ten\n").replace("key30: 30\n", "key30: thirty\n")


@pytest.fixture
def pr(fake_github, tmp_path):
    return make_pr(fake_github, tmp_path, {"deploy/web.yaml": BEFORE},
                   {"deploy/web.yaml": AFTER, "deploy/new.yaml": lines(6)})


def publish(client, pr, findings, **options):
    return publish_review(client, pr.pr, Report(list(findings)), ReviewOptions(**options),
                          diff=pr.diff, head=pr.head)


def posted(hub, index=-1):
    return hub.calls("pulls.create_review", "POST")[index].json


def placements(comments):
    return [(c["path"], c.get("start_line"), c["line"], c["side"]) for c in comments]


# --- one run --------------------------------------------------------------------------------
def test_findings_inside_and_outside_the_diff_get_exactly_the_expected_review(
        fake_github, client, pr):
    on_line = finding(10)
    ranged = finding(28, end=31, rule="pss/host-ports")
    across_hunks = finding(12, end=28, rule="pss/sysctls")
    warning = finding(11, rule="image/latest-tag", severity=Severity.WARNING)
    outside_hunks = finding(20, rule="pss/host-namespaces")
    no_line = finding(None, file="deploy/new.yaml", rule="rego/main")
    untouched = finding(5, file="deploy/other.yaml", rule="pss/proc-mount")
    approval = finding(3, file=".policygate.yaml", rule="approval/missing", resource=None,
                       source="approvals")
    result = publish(client, pr, [warning, untouched, on_line, ranged, across_hunks,
                                  outside_hunks, no_line, approval])

    review = posted(fake_github)
    assert review["event"] == "COMMENT" and review["commit_id"] == pr.pr.head.sha
    assert placements(review["comments"]) == [
        ("deploy/web.yaml", None, 10, "RIGHT"),          # errors first, by file and line
        ("deploy/web.yaml", None, 12, "RIGHT"),          # end in another hunk: one line
        ("deploy/web.yaml", 28, 31, "RIGHT"),            # both ends in one hunk: a range
        ("deploy/web.yaml", None, 11, "RIGHT")]          # then the warning
    assert review["comments"][2]["start_side"] == "RIGHT"
    assert review["comments"][0]["body"] == (
        f"<!-- policygate:finding policygate {fingerprint(on_line)} -->\n"
        "🔴 error · `pss/privileged`\n\nproblem at line 10\n\n"
        "`Deployment/shop/web` · `spec.line10`\n")
    files = fake_github.calls("pulls.create_review_comment", "POST")
    assert [(c.json["path"], c.json["subject_type"], c.json["commit_id"]) for c in files] == [
        ("deploy/new.yaml", "file", pr.pr.head.sha), ("deploy/web.yaml", "file", pr.pr.head.sha)]
    # Off the diff's lines: a file-level comment that names the line; without a line, none.
    assert files[1].json["body"] == (
        f"<!-- policygate:finding policygate {fingerprint(outside_hunks)} -->\n"
        "🔴 error · `pss/host-namespaces`\n\n**Line 20** (outside the changed lines)\n\n"
        "problem at line 20\n\n`Deployment/shop/web` · `spec.line20`\n")
    assert files[0].json["body"] == (
        f"<!-- policygate:finding policygate {fingerprint(no_line)} -->\n"
        "🔴 error · `rego/main`\n\nproblem at line None\n\n"
        "`Deployment/shop/web` · `spec.lineNone`\n")
    body = review["body"]
    assert body.startswith("<!-- policygate:review policygate ")
    assert body.split("\n", 1)[1] == (
        "### ❌ policygate: 7 errors, 1 warning\n\n"
        "8 findings for review: 4 commented on changed lines, 2 on changed files, "
        "2 listed below.\n\n"
        "<details>\n"
        "<summary>2 findings without a comment on the diff (1 about the pull request as a "
        "whole; 1 not in a file this pull request changes)</summary>\n\n"
        "| File | Line | Severity | Rule | Message |\n|---|---:|---|---|---|\n"
        "| `.policygate.yaml` | 3 | 🔴 error | `approval/missing` | problem at line 3 |\n"
        "| `deploy/other.yaml` | 5 | 🔴 error | `pss/proc-mount` | problem at line 5 |\n\n"
        "</details>\n")
    stored = fake_github.repo("acme/gitops").pulls[42].review_comments
    assert len(stored) == 6 and all(c.user == "github-actions[bot]" for c in stored)
    assert result.counts == {"file_comments": 2, "reviews": 1, "line_comments": 4,
                             "listed": 2, "unchanged": 0, "left_alone": 0}
    assert result.summary == ("review: 1 review posted, 4 new line comments, 2 new file "
                              "comments, 2 listed in the body")
    assert [r.endpoint for r in fake_github.requests if r.method == "GET"] == [
        "users.me", "pulls.review_comments", "pulls.reviews"]


def test_at_most_30_line_comments_per_run_the_rest_in_the_body(fake_github, client, tmp_path):
    pr = make_pr(fake_github, tmp_path, {}, {"deploy/big.yaml": lines(40)})
    errors = [finding(n, file="deploy/big.yaml") for n in range(1, 31)]
    warnings = [finding(n, file="deploy/big.yaml", severity=Severity.WARNING, rule="w/x")
                for n in range(31, 36)]
    result = publish(client, pr, warnings + errors)
    review = posted(fake_github)
    assert [c["line"] for c in review["comments"]] == list(range(1, 31))
    assert review["body"].count("| `deploy/big.yaml` | 3") == 5          # lines 31-35
    assert "5 over the limit of line comments per run" in review["body"]
    assert result.counts["line_comments"] == 30 and result.counts["listed"] == 5
    assert len(fake_github.calls("pulls.create_review")) == 1             # one review per run


def test_file_comments_are_capped_too(fake_github, client, pr):
    far = [finding(n, rule=f"r/{n}") for n in range(15, 22)]
    publish(client, pr, far, max_file_comments=3)
    assert len(fake_github.calls("pulls.create_review_comment")) == 3
    assert "4 over the limit of file comments per run" in posted(fake_github)["body"]


def test_nothing_to_say_posts_nothing(fake_github, client, pr):
    result = publish(client, pr, [])
    assert [r.method for r in fake_github.requests] == ["GET", "GET", "GET"]
    assert result.summary == "review: nothing new to post"


# --- re-runs ----------------------------------------------------------------------------------
def test_second_run_repeats_nothing_and_cleans_up_what_was_fixed(fake_github, client, pr):
    kept, fixed, replied = finding(10), finding(12, rule="pss/sysctls"), finding(30, rule="x/y")
    file_level, listed = finding(20, rule="a/b"), finding(5, file="deploy/other.yaml")
    publish(client, pr, [kept, fixed, replied, file_level, listed])
    pull = fake_github.repo("acme/gitops").pulls[42]
    by_line = {c.line: c for c in pull.review_comments}
    human = pull.add_review_comment("alice", "deploy/web.yaml", "this is intended",
                                    in_reply_to=by_line[30].id)
    fixed_body = by_line[12].body
    fake_github.clear_log()

    # The same findings again: nothing is posted or edited.
    again = publish(client, pr, [kept, fixed, replied, file_level, listed])
    assert [r.method for r in fake_github.requests] == ["GET", "GET", "GET"]
    assert again.counts == {"unchanged": 4, "left_alone": 0}

    # Two fixed (one of them has a human reply), one new.
    new = finding(31, rule="new/one")
    result = publish(client, pr, [kept, file_level, listed, new])
    assert placements(posted(fake_github)["comments"]) == [("deploy/web.yaml", None, 31, "RIGHT")]
    assert fake_github.calls("pulls.create_review_comment") == []       # file comment kept
    edited, = fake_github.calls("pulls.update_review_comment", "PATCH")
    assert edited.path.endswith(f"/pulls/comments/{by_line[12].id}")
    assert by_line[12].body == (
        f"<!-- policygate:finding policygate {fingerprint(fixed)} resolved -->\n"
        f"✅ **Resolved:** policygate no longer reports this here (checked at "
        f"`{pr.pr.head.sha[:12]}`).\n") != fixed_body
    assert by_line[30].body.startswith(f"<!-- policygate:finding policygate "
                                       f"{fingerprint(replied)} -->")      # replied: untouched
    assert human in pull.review_comments
    assert result.counts == {"reviews": 1, "line_comments": 1, "listed": 1, "resolved": 1,
                             "unchanged": 2, "left_alone": 1}

    # A resolved finding that comes back reopens its comment in place.
    fake_github.clear_log()
    publish(client, pr, [kept, file_level, listed, new, fixed])
    assert fake_github.calls("pulls.create_review") == []
    assert by_line[12].body == fixed_body


def test_cleanup_can_delete_instead(fake_github, client, pr):
    publish(client, pr, [finding(10), finding(12, rule="r/x")], cleanup="delete")
    publish(client, pr, [finding(10)], cleanup="delete")
    assert [c.line for c in fake_github.repo("acme/gitops").pulls[42].review_comments] == [10]
    assert len(fake_github.calls("pulls.delete_review_comment", "DELETE")) == 1


def test_an_outdated_comment_is_replaced(fake_github, client, pr):
    moved = finding(10)
    publish(client, pr, [moved])
    old, = fake_github.repo("acme/gitops").pulls[42].review_comments
    old.line = None                      # GitHub: the commented line changed in a new push
    result = publish(client, pr, [moved])
    assert placements(posted(fake_github)["comments"]) == [("deploy/web.yaml", None, 10, "RIGHT")]
    assert "resolved -->" in old.body and result.counts["resolved"] == 1


def test_other_peoples_comments_and_other_gates_are_never_ours(fake_github, client, pr):
    current = finding(10)
    pull = fake_github.repo("acme/gitops").pulls[42]
    fake = pull.add_review_comment(
        "mallory", "deploy/web.yaml",
        f"<!-- policygate:finding policygate {fingerprint(current)} -->\nfake", line=10)
    other_gate = pull.add_review_comment(
        "github-actions[bot]", "deploy/web.yaml",
        f"<!-- policygate:finding policygate-prod {fingerprint(finding(12))} -->\nx", line=12)
    publish(client, pr, [current])
    assert placements(posted(fake_github)["comments"]) == [("deploy/web.yaml", None, 10, "RIGHT")]
    assert fake_github.calls("pulls.update_review_comment") == []
    assert "fake" in fake.body and other_gate.body.endswith("x")


def test_an_unchanged_body_list_is_not_posted_again_but_a_changed_one_is(fake_github, client,
                                                                          pr):
    far = finding(5, file="deploy/other.yaml")
    publish(client, pr, [far])
    publish(client, pr, [far])
    assert len(fake_github.calls("pulls.create_review")) == 1
    publish(client, pr, [far, finding(6, file="deploy/other.yaml")])
    assert len(fake_github.calls("pulls.create_review")) == 2


# --- events -----------------------------------------------------------------------------------
def test_request_changes_only_when_blocking_and_dismissed_when_fixed(fake_github, client, pr):
    blocking = finding(10)
    publish(client, pr, [finding(12, severity=Severity.WARNING)], event="REQUEST_CHANGES")
    assert posted(fake_github)["event"] == "COMMENT"
    publish(client, pr, [blocking], event="REQUEST_CHANGES")
    assert posted(fake_github)["event"] == "REQUEST_CHANGES"
    publish(client, pr, [blocking], event="REQUEST_CHANGES")             # still blocking
    assert len(fake_github.calls("pulls.create_review")) == 2
    result = publish(client, pr, [], event="REQUEST_CHANGES")
    dismissal, = fake_github.calls("pulls.dismiss_review", "PUT")
    assert dismissal.json == {"message": "policygate: nothing blocks the merge any more "
                                         f"(checked at {pr.pr.head.sha[:12]})."}
    states = [r.state for r in fake_github.repo("acme/gitops").pulls[42].reviews]
    assert states == ["COMMENTED", "DISMISSED"]
    assert result.counts["dismissed"] == 1


def test_never_requests_changes_on_its_own_pull_request(fake_github, tmp_path):
    fake_github.add_token("dave-token", login="dave")
    pr = make_pr(fake_github, tmp_path, {}, {"deploy/new.yaml": lines(3)}, author="dave")
    client = connect(FAST, env=fake_github.env("dave-token"))
    result = publish(client, pr, [finding(1, file="deploy/new.yaml")], event="REQUEST_CHANGES")
    review = posted(fake_github)
    assert review["event"] == "COMMENT" and len(fake_github.calls("pulls.create_review")) == 1
    assert "> policygate cannot request changes on a pull request opened by its own account" \
        in review["body"]
    assert result.notes == ("policygate cannot request changes on a pull request opened by its "
                            "own account; this review is a comment instead",)


def test_githubs_own_pr_422_is_retried_as_a_comment(fake_github, tmp_path):
    fake_github.add_token("dave-token", login="dave")
    pr = make_pr(fake_github, tmp_path, {}, {"deploy/new.yaml": lines(3)}, author="dave")
    client = connect(FAST, env=fake_github.env("dave-token"))
    # A configured login that is not the token's: the author check cannot see it coming.
    publish(client, pr, [finding(1, file="deploy/new.yaml")], event="REQUEST_CHANGES",
            login="policygate-app[bot]")
    first, second = fake_github.calls("pulls.create_review")
    assert (first.status, first.json["event"]) == (422, "REQUEST_CHANGES")
    assert (second.status, second.json["event"]) == (200, "COMMENT")
    assert len(second.json["comments"]) == 1


# --- 422 ----------------------------------------------------------------------------------------
def test_a_rejected_review_is_posted_again_with_everything_in_the_body(fake_github, client,
                                                                      pr):
    # GitHub's diff of web.yaml has no context (say, it was recomputed after a force-push):
    # line 12 is context in ours, outside GitHub's hunks.
    fake_github.repo("acme/gitops").pulls[42].file("deploy/web.yaml").patch = (
        "@@ -10 +10 @@\n-key10: 10\n+key10: ten\n@@ -30 +30 @@\n-key30: 30\n+key30: thirty")
    result = publish(client, pr, [finding(10), finding(12, rule="r/x")])
    first, second = fake_github.calls("pulls.create_review")
    assert first.status == 422 and len(first.json["comments"]) == 2
    assert second.status == 200 and second.json["comments"] == []
    body = second.json["body"]
    assert ("> the line comments were not accepted\\: GitHub rejected the request \\(422 "
            "Unprocessable Entity Pull request review thread line must be part of the diff and "
            "Pull request review thread diff hunk can\\'t be blank\\); every finding is listed "
            "below instead\n") in body
    assert "2 rejected by GitHub as a comment" in body
    assert body.count("| `deploy/web.yaml` |") == 2
    assert fake_github.repo("acme/gitops").pulls[42].review_comments == []
    assert result.counts["line_comments"] == 0 and result.counts["listed"] == 2
    assert result.notes == ("the line comments were not accepted: GitHub rejected the request "
                            "(422 Unprocessable Entity Pull request review thread line must be "
                            "part of the diff and Pull request review thread diff hunk can't be "
                            "blank); every finding is listed below instead",)


def test_a_rejected_file_comment_is_listed_instead(fake_github, client, pr):
    fake_github.fail("pulls.create_review_comment", 422, times=1)
    result = publish(client, pr, [finding(20)])
    assert "1 rejected by GitHub as a comment" in posted(fake_github)["body"]
    assert result.counts.get("file_comments", 0) == 0 and result.counts["listed"] == 1


def test_other_errors_still_raise_one_line(fake_github, client, pr):
    from policygate.github.api import GitHubError

    fake_github.fail("pulls.create_review", 502, times=1)
    with pytest.raises(GitHubError, match=r"^posting the review: GitHub answered 502 Server "
                                          r"Error \(1 attempt\)"):
        publish(client, pr, [finding(10)])


def test_a_wrong_guess_of_our_login_is_reported(fake_github, tmp_path):
    fake_github.add_token("app-token", login="policygate-app[bot]")
    pr = make_pr(fake_github, tmp_path, {}, {"deploy/new.yaml": lines(3)})
    client = connect(FAST, env=fake_github.env("app-token"))
    fake_github.deny("users.me", "")                 # installation tokens cannot ask
    result = publish(client, pr, [finding(1, file="deploy/new.yaml")])
    assert result.notes == (
        "the review was posted as 'policygate-app[bot]', not 'github-actions[bot]': pass that "
        "login to the review options, or the next run cannot recognise its own comments and "
        "repeats them",)
    again = publish(client, pr, [finding(1, file="deploy/new.yaml")],
                    login="policygate-app[bot]")
    assert again.counts == {"unchanged": 1, "left_alone": 0}


def test_an_incomplete_run_cleans_up_nothing(fake_github, client, pr):
    publish(client, pr, [finding(10), finding(12, rule="r/x")], event="REQUEST_CHANGES")
    result = publish_review(client, pr.pr, Report([finding(10)], failures=["engine crashed"]),
                            ReviewOptions(event="REQUEST_CHANGES"), diff=pr.diff, head=pr.head)
    assert fake_github.calls("pulls.update_review_comment") == []
    assert result.counts["left_alone"] == 1 and result.notes == (
        "the check did not complete, so earlier comments whose finding is missing now are "
        "kept",)
    publish_review(client, pr.pr, Report(failures=["engine crashed"]),
                   ReviewOptions(event="REQUEST_CHANGES"), diff=pr.diff, head=pr.head)
    assert fake_github.calls("pulls.dismiss_review") == []
