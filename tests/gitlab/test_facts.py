"""A merge request's facts from GitLab into the shared PR context, and the groups and
GitLab CODEOWNERS sections that decide approvals — through python-gitlab and the fake."""
from __future__ import annotations

import json

import pytest

from policygate.approvals.context_file import load_context_file
from policygate.gitlab.facts import fetch_merge_request, read_groups, resolve_owner_names
from policygate.model import Severity
from policygate.runner import RunError
from tests.gitlab.fake_state import DEVELOPER, MAINTAINER, fake_sha
from tests.gitlab.mr_world import run

OWNERS_GATE = ("approvals:\n  rules:\n    - name: owners\n"
               "      requires: {count: 0, codeowners: true}\n")
CODEOWNERS = """\
* @acme/platform

[Security][2] @acme/security
deploy/

^[Docs] @writer
*.md
"""


def test_files_commits_labels_and_approvals_fill_the_shared_context(world, fake_gitlab,
                                                                    client, tmp_path):
    mr = world.mr
    mr.labels = ["prod", "needs-review"]
    mr.add_file("deploy/new.yaml", None, "a: 1\n")
    mr.add_file("deploy/gone.yaml", "a: 1\n", None)
    mr.add_file("deploy/b.yaml", "a: 1\n", "a: 1\n", old_path="deploy/a.yaml")
    mr.add_commit("Alice Example")
    mr.approve("alice", approved_at="2026-11-20T09:00:00.000Z")
    fake_gitlab.user("alice").name = "Alice Example"
    fetched = fetch_merge_request(client, "acme/infra/gitops", 7)
    context = fetched.context
    assert (context.platform, context.repository, context.number, context.author) == \
        ("gitlab", "acme/infra/gitops", 7, "dave")
    assert [(f.path, f.status, f.previous_path) for f in context.files] == [
        ("deploy/web.yaml", "modified", None), ("deploy/new.yaml", "added", None),
        ("deploy/gone.yaml", "removed", None), ("deploy/b.yaml", "renamed", "deploy/a.yaml")]
    assert context.labels == ("prod", "needs-review")
    # Commit authors are usernames where GitLab's author name is a known person's.
    assert [(c.author, c.committer) for c in context.commits] == [
        ("dave", "dave"), ("alice", "alice")]
    assert [(r.user, r.state, r.commit_id, r.submitted_at) for r in context.reviews] == [
        ("alice", "APPROVED", world.head, "2026-11-20T09:00:00Z")]
    assert not context.files_truncated
    # The same structure as a file: it validates against pr-context.schema.json.
    path = tmp_path / "mr.json"
    path.write_text(json.dumps(context.to_json()))
    assert load_context_file(path) == context


def test_approvals_without_a_time_count_for_the_head_only_when_pushes_reset_them(
        world, fake_gitlab, client):
    world.mr.approve("alice", approved_at=None)             # GitLab before approved_at
    world.project.reset_approvals_on_push = True
    assert fetch_merge_request(client, 42, 7).context.reviews[0].commit_id == world.head
    world.project.reset_approvals_on_push = False
    assert fetch_merge_request(client, 42, 7).context.reviews[0].commit_id is None
    world.project.reset_approvals_on_push = None             # settings not readable: unknown
    assert fetch_merge_request(client, 42, 7).context.reviews[0].commit_id is None


def test_gitlab_approval_rules_are_shown_when_the_api_has_them(world, fake_gitlab, client):
    world.mr.approval_rules = [{"id": 1, "name": "Security", "rule_type": "regular",
                                "approvals_required": 2, "approved": False,
                                "approved_by": [{"username": "sam"}], "users": [],
                                "groups": [], "contains_hidden_groups": False}]
    assert fetch_merge_request(client, 42, 7).approval_rules == (
        "Security: pending, 1 of 2 required (sam)",)
    _, _, said = run(world, reports=("text",))
    assert "policygate: GitLab approval rule Security: pending, 1 of 2 required (sam)" in said
    world.mr.approval_rules = None                           # Free tier: 403
    assert fetch_merge_request(client, 42, 7).approval_rules == ()


def test_group_membership_is_three_valued(world, fake_gitlab, client):
    fake_gitlab.add_group("acme", {"root": MAINTAINER})
    fake_gitlab.add_group("acme/platform", ["pat"])
    fake_gitlab.add_group("acme/platform/sre", ["sue"])
    fake_gitlab.add_group("acme/secret", ["sam"])
    fake_gitlab.tokens[fake_gitlab.DEFAULT_TOKEN].hidden_groups.add("acme/secret")
    world.project.members = {"mia": MAINTAINER, "dev": DEVELOPER}
    members, errors = read_groups(client, 42, ["acme/platform/sre", "acme/secret",
                                               "acme/nope", "@@maintainer"])
    # Nested groups inherit the members of their parents.
    assert members == {"acme/platform/sre": ("sue", "root", "pat"), "@@maintainer": ("mia",)}
    assert errors == {
        "acme/secret": "403 403 Forbidden: the token may not read the members of acme/secret",
        "acme/nope": "404 404 Group Not Found: acme/nope does not exist, or the token cannot "
                     "see it"}


def test_a_bare_codeowners_name_is_a_user_or_a_group(world, fake_gitlab, client):
    fake_gitlab.add_user("alice")
    fake_gitlab.add_group("platform", ["pat"])
    assert resolve_owner_names(client, ["alice", "platform", "nobody"]) == ["platform", "nobody"]


def _with_codeowners(world, codeowners: str) -> None:
    """The target branch moves on with this gate and CODEOWNERS (the MR is judged by it)."""
    world.repo.git("checkout", "-q", "main")
    world.mr.start_sha = world.repo.commit({".policygate.yaml": OWNERS_GATE,
                                            "CODEOWNERS": codeowners}, "owners")
    world.repo.git("checkout", "-q", "feature")


def test_codeowners_sections_and_counts_decide_the_mr_approvals(world, fake_gitlab):
    _with_codeowners(world, CODEOWNERS)
    fake_gitlab.add_group("acme/platform", ["pat"])
    fake_gitlab.add_group("acme/security", ["sec1", "sec2", "sec3"])
    for user in ("pat", "sec1"):
        world.mr.approve(user, approved_at="2026-11-20T10:00:00.000Z")
    report, _, _ = run(world, reports=("text",))
    [missing] = [f for f in report.findings if f.rule == "approval/missing"]
    assert ("needs 2 code owner approvals (1 more) for [Security] deploy/ (deploy/web.yaml; "
            "acme/security)") in missing.message
    world.mr.approve("sec2", approved_at="2026-11-20T10:00:00.000Z")
    report, _, _ = run(world, reports=("text",))
    assert [f.rule for f in report.findings if f.rule.startswith("approval/")] == []
    # The groups were read from GitLab (members/all), the bare names looked up once.
    assert sorted(r.path for r in fake_gitlab.calls("groups.members_all")) == sorted(
        2 * ["/groups/acme/platform/members/all", "/groups/acme/security/members/all"])


def test_a_codeowners_group_the_token_cannot_read_is_cannot_verify_with_the_fix(world,
                                                                               fake_gitlab):
    _with_codeowners(world, CODEOWNERS)
    fake_gitlab.add_group("acme/platform", ["pat"])
    fake_gitlab.add_group("acme/security", ["sec1", "sec2"])
    fake_gitlab.tokens[fake_gitlab.DEFAULT_TOKEN].hidden_groups.add("acme/security")
    world.mr.approve("pat", approved_at="2026-11-20T10:00:00.000Z")
    report, _, _ = run(world, reports=("text",))
    [error] = [f for f in report.findings if f.rule.startswith("approval/")]
    assert error.severity == Severity.ERROR
    assert error.message.endswith(
        "cannot verify membership of acme/security (403 403 Forbidden: the token may not read "
        "the members of acme/security) — give the job a token that may read the members "
        "(read_api scope, a member of the group), or list it under `approvals.teams`")


def test_invalid_codeowners_lines_are_reported_from_the_target(world, fake_gitlab):
    _with_codeowners(world, "[Ops][2]\ndeploy/ @acme/ops not-an-owner\n^[Broken\n")
    fake_gitlab.add_group("acme/ops", ["olly"])
    report, _, _ = run(world, reports=("text",))
    assert [(f.rule, f.file, f.location.line, f.message) for f in report.findings
            if f.rule == "approval/invalid-codeowners"] == [
        ("approval/invalid-codeowners", "CODEOWNERS", 2,
         "CODEOWNERS line: 'not-an-owner' is not an @user, @group, @@role or e-mail address; "
         "the line's other owners still count (malformed_entry_owner)"),
        ("approval/invalid-codeowners", "CODEOWNERS", 3,
         "CODEOWNERS line: section header without a closing `]` (invalid_section_format)")]


def test_gitlab_head_ref_is_named_when_the_clone_lacks_it(world, fake_gitlab):
    world.mr.head_sha = fake_sha("elsewhere")
    world.env["CI_COMMIT_SHA"] = world.mr.head_sha
    with pytest.raises(RunError, match=r"run `git fetch origin refs/merge-requests/7/head` "
                                       r"first"):
        run(world, reports=("text",))
