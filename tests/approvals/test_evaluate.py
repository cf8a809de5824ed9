"""Approval semantics: predicates, options, review handling, teams, CODEOWNERS, trees."""
from __future__ import annotations

import pytest

from policygate.model import ResourceId
from tests.approvals.cases import OLD, approved, judge, pr, statuses

PLATFORM = {"rules": [{"name": "platform-ok", "if": {"changed_files": ["deploy/prod/**"]},
                       "requires": {"count": 2, "teams": ["acme/platform"]}}],
            "teams": {"acme/platform": ["alice", "bob", "carol", "dave"]}}


def test_two_team_approvals_on_the_head_commit_approve():
    result = judge(PLATFORM, pr(reviews=[approved("alice"), approved("bob")]))
    assert result.status == "approved"
    assert result.rules["platform-ok"].approved_by == ("alice", "bob")


def test_one_approval_is_pending_with_the_exact_candidates():
    result = judge(PLATFORM, pr(reviews=[approved("alice")]))
    rule = result.rules["platform-ok"]
    assert (result.status, rule.status, rule.missing) == ("pending", "pending", 1)
    # dave is the author: never a candidate.
    assert rule.candidates == ("acme/platform (bob, carol)",)
    assert "needs 1 more approval from acme/platform (bob, carol)" in rule.reason


def test_stale_approval_on_an_older_commit_does_not_count():
    result = judge(PLATFORM, pr(reviews=[approved("alice"), approved("bob", commit=OLD)]))
    rule = result.rules["platform-ok"]
    assert rule.status == "pending"
    assert "bob: approved an older commit" in rule.reason


def test_invalidate_on_push_can_be_turned_off():
    config = {**PLATFORM, "rules": [{**PLATFORM["rules"][0],
                                     "options": {"invalidate_on_push": False}}]}
    result = judge(config, pr(reviews=[approved("alice"), approved("bob", commit=OLD)]))
    assert result.status == "approved"


def test_self_approval_does_not_count_unless_allowed():
    context = pr(reviews=[approved("alice"), approved("dave")])
    assert judge(PLATFORM, context).status == "pending"
    allowed = {**PLATFORM, "rules": [{**PLATFORM["rules"][0], "options": {"allow_author": True}}]}
    assert judge(allowed, context).status == "approved"


def test_contributors_do_not_count_unless_allowed():
    context = pr(reviews=[approved("alice"), approved("carol")],
                 commits=[{"sha": "d" * 40, "author": "dave", "committer": "carol"}])
    assert judge(PLATFORM, context).rules["platform-ok"].reason.endswith(
        "not counted: carol: committed to the pull request")
    allowed = {**PLATFORM, "rules": [{**PLATFORM["rules"][0],
                                      "options": {"allow_contributor": True}}]}
    assert judge(allowed, context).status == "approved"


def test_dismissed_review_never_counts_and_latest_review_wins():
    context = pr(reviews=[
        approved("alice"), approved("bob"),
        approved("bob", at="2026-11-21T10:00:00Z", state="DISMISSED"),
        approved("carol", at="2026-11-19T09:00:00Z"),
        approved("carol", at="2026-11-20T12:00:00Z", state="CHANGES_REQUESTED"),
        approved("alice", at="2026-11-22T10:00:00Z", state="COMMENTED")])
    result = judge(PLATFORM, context)
    assert result.rules["platform-ok"].approved_by == ("alice",)
    assert result.status == "pending"


def test_users_requirement():
    config = {"rules": [{"name": "named", "requires": {"count": 1, "users": ["erin"]}}]}
    assert judge(config, pr(reviews=[approved("alice")])).status == "pending"
    assert judge(config, pr(reviews=[approved("erin")])).status == "approved"


def test_count_zero_approves_without_reviews():
    config = {"rules": [{"name": "docs-only", "if": {"only_changed_files": ["docs/**"]},
                         "requires": {"count": 0}}]}
    result = judge(config, pr(files=[{"path": "docs/a.md", "status": "added"}]))
    assert result.status == "approved"


@pytest.mark.parametrize("condition, context, applies", [
    ({"changed_files": ["deploy/prod/**"]}, pr(), True),
    ({"changed_files": {"paths": ["deploy/**"], "ignore": ["deploy/prod/**"]}}, pr(), False),
    ({"changed_files": ["clusters/**"]}, pr(), False),
    ({"only_changed_files": ["docs/**"]}, pr(files=[{"path": "docs/a.md", "status": "added"},
                                                    {"path": "README.md", "status": "modified"}]), False),
    ({"only_changed_files": ["docs/**", "*.md"]}, pr(files=[{"path": "docs/a.md", "status": "added"},
                                                            {"path": "README.md", "status": "modified"}]), True),
    ({"targets_branch": ["main", "release/*"]}, pr(), True),
    ({"targets_branch": ["release/*"]}, pr(base={"ref": "release/1.2", "sha": "c" * 40}), True),
    ({"targets_branch": ["release/*"]}, pr(), False),
    ({"has_labels": ["prod", "urgent"]}, pr(labels=["urgent"]), True),
    ({"has_labels": ["prod"]}, pr(labels=["docs"]), False),
    ({"has_author_in": {"users": ["dave"]}}, pr(), True),
    ({"has_author_in": {"teams": ["acme/interns"]}}, pr(teams={"acme/interns": ["dave"]}), True),
    ({"has_author_in": {"teams": ["acme/interns"]}}, pr(teams={"acme/interns": ["zoe"]}), False),
    ({"policy_changed": True}, pr(), False),
])
def test_predicates(condition, context, applies):
    config = {"rules": [{"name": "r", "if": condition, "requires": {"count": 1}}],
              "if_no_rule_applies": "pass"}
    status = statuses(judge(config, context))["r"]
    assert status == ("pending" if applies else "skipped")


def test_changed_resources_by_kind_and_namespace():
    crb = ResourceId("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", None, "admins")
    web = ResourceId("apps/v1", "Deployment", "prod", "web")
    config = {"rules": [{"name": "rbac", "if": {"changed_resources": {"kinds": ["ClusterRoleBinding"]}}},
                        {"name": "prod", "if": {"changed_resources": {"namespaces": ["prod*"]}}}],
              "if_no_rule_applies": "pass"}
    assert statuses(judge(config, pr(), resources=(crb,))) == {"rbac": "pending", "prod": "skipped"}
    assert statuses(judge(config, pr(), resources=(web,))) == {"rbac": "skipped", "prod": "pending"}
    unknown = judge(config, pr(), resources=None)
    assert statuses(unknown) == {"rbac": "error", "prod": "error"}
    assert "resources this change touches are unknown" in unknown.rules["rbac"].reason


def test_policy_changed_predicate():
    config = {"rules": [{"name": "gate", "if": {"policy_changed": True},
                         "requires": {"users": ["sec"]}}], "if_no_rule_applies": "pass"}
    assert statuses(judge(config, pr(), policy_changed=True)) == {"gate": "pending"}
    assert statuses(judge(config, pr(), policy_changed=False)) == {"gate": "skipped"}


def test_everything_skipped_fails_closed_unless_configured():
    config = {"rules": [{"name": "prod", "if": {"changed_files": ["clusters/**"]}}]}
    result = judge(config, pr())
    assert (result.status, result.nothing_applies) == ("pending", True)
    assert judge({**config, "if_no_rule_applies": "pass"}, pr()).status == "approved"


def test_unknown_team_membership_cannot_be_verified():
    config = {"rules": [{"name": "platform-ok", "requires": {"count": 1, "teams": ["acme/platform"]}}]}
    context = pr(reviews=[approved("alice")],
                 team_errors={"acme/platform": "403 from GitHub"})
    rule = judge(config, context).rules["platform-ok"]
    assert rule.status == "error"
    assert ("cannot verify membership of acme/platform (403 from GitHub) — give the action a "
            "token with Members: read, or list the team under `approvals.teams`") in rule.reason
    # Static membership in the config makes it verifiable.
    static = {**config, "teams": {"acme/platform": ["alice"]}}
    assert judge(static, context).status == "approved"


def test_unknown_team_does_not_matter_once_named_users_approve():
    config = {"rules": [{"name": "r", "requires": {"count": 1, "users": ["erin"],
                                                   "teams": ["acme/platform"]}}]}
    assert judge(config, pr(reviews=[approved("erin")])).status == "approved"


def test_disapproval_blocks():
    config = {"rules": [{"name": "any", "requires": {"count": 1}}],
              "disapproval": {"teams": ["acme/security"]},
              "teams": {"acme/security": ["sam"]}}
    context = pr(reviews=[approved("alice"), approved("sam", state="CHANGES_REQUESTED")])
    result = judge(config, context)
    assert result.status == "pending"
    assert [d.user for d in result.disapprovals] == ["sam"]
    later = pr(reviews=[approved("alice"), approved("sam", state="CHANGES_REQUESTED"),
                        approved("sam", at="2026-11-21T00:00:00Z")])
    assert judge(config, later).status == "approved"


def test_or_and_nesting():
    config = {"policy": ["base-ok", {"or": ["security-ok", "docs-only"]}],
              "rules": [{"name": "base-ok", "requires": {"count": 1}},
                        {"name": "security-ok", "requires": {"users": ["sam"]}},
                        {"name": "docs-only", "if": {"only_changed_files": ["docs/**"]},
                         "requires": {"count": 0}}]}
    assert judge(config, pr(reviews=[approved("alice")])).status == "pending"
    assert judge(config, pr(reviews=[approved("alice"), approved("sam")])).status == "approved"
    docs = pr(files=[{"path": "docs/x.md", "status": "added"}], reviews=[approved("alice")])
    assert judge(config, docs).status == "approved"


CODEOWNERS = """\
*                   @acme/platform
/deploy/prod/       @alice @acme/sre
/deploy/prod/db/
docs/*              @writer
"""


def test_codeowners_require_an_owner_per_file_last_match_wins():
    config = {"rules": [{"name": "owners", "requires": {"count": 1, "codeowners": True}}],
              "teams": {"acme/platform": ["pat"], "acme/sre": ["sue"]}}
    files = [{"path": "deploy/prod/web.yaml", "status": "modified"},
             {"path": "deploy/prod/db/pg.yaml", "status": "modified"},  # unowned: no owners
             {"path": "docs/x.md", "status": "modified"}]
    only_sue = judge(config, pr(files=files, reviews=[approved("sue")]), CODEOWNERS)
    assert only_sue.status == "pending"
    assert "needs a code owner's approval for docs/x.md (writer)" in only_sue.rules["owners"].reason
    both = judge(config, pr(files=files, reviews=[approved("sue"), approved("writer")]), CODEOWNERS)
    assert both.status == "approved"
    # The catch-all line does not apply to deploy/prod/web.yaml: a later line wins.
    platform = judge(config, pr(files=files[:1], reviews=[approved("pat")]), CODEOWNERS)
    assert platform.status == "pending"


def test_truncated_file_list_fails_closed():
    context = pr(files_truncated=True, reviews=[approved("alice"), approved("bob")])
    result = judge(PLATFORM, context)
    assert result.status == "error"
    assert "only the first 3,000 changed files" in result.rules["platform-ok"].reason


def test_branch_patterns_match_whole_names():
    config = {"rules": [{"name": "main-only", "if": {"targets_branch": ["main", "release/*"]},
                         "requires": {"count": 1}}], "if_no_rule_applies": "pass"}
    for branch, applies in (("main", True), ("team/main", False), ("release/1.0", True),
                            ("release/1.0/hotfix", False)):
        status = statuses(judge(config, pr(base={"ref": branch, "sha": "c" * 40})))["main-only"]
        assert status == ("pending" if applies else "skipped"), branch


def test_truncated_file_list_fails_codeowners_and_policy_changed_closed():
    owners = {"rules": [{"name": "owners", "requires": {"count": 0, "codeowners": True}}]}
    truncated = pr(files_truncated=True)
    assert judge(owners, truncated, "* @alice\n").status == "error"
    assert judge(owners, pr(reviews=[approved("alice")]), "* @alice\n").status == "approved"
    gate = {"rules": [{"name": "not-gate", "if": {"policy_changed": False},
                       "requires": {"count": 0}}]}
    assert judge(gate, truncated).status == "error"
    assert judge(gate, pr()).status == "approved"


def test_gate_files_include_every_policy_input_the_config_loads():
    from policygate.approvals.run import gate_patterns
    from policygate.config import parse_config
    from policygate.globs import match_any

    config = parse_config(b"policies: {dirs: [policy], data: [opa-data/x.json]}\n"
                          b"gatekeeper: {dirs: [gk]}\n", ".policygate.yaml")
    patterns = gate_patterns(config, None)
    for path in (".policygate.yaml", ".github/CODEOWNERS", "policy/main.rego",
                 "opa-data/x.json", "gk/templates/t.yaml"):
        assert match_any(patterns, path), path
    for path in ("deploy/policy/x.yaml", "policies/main.rego", "opa-data/y.json"):
        assert not match_any(patterns, path), path
