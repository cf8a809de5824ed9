"""What the rule tree says, exactly: who approved, who could still approve and why some
approvals do not count, each node's tally, code owner gaps, and blocking disapprovals."""
from __future__ import annotations

from tests.approvals.cases import OLD, approved, judge, pr

TEAMS = {"acme/platform": ["alice", "bob", "carol", "dave"], "acme/empty": ["dave"]}


def _rule(requires, context, **kwargs):
    result = judge({"rules": [{"name": "r", "requires": requires}], "teams": TEAMS}, context,
                   **kwargs)
    rule = result.rules["r"]
    return rule.status, rule.reason, rule.approved_by, rule.missing, rule.candidates


def test_pending_names_the_candidates_and_every_approval_that_did_not_count():
    context = pr(reviews=[approved("alice"), approved("bob", commit=OLD), approved("dave"),
                          approved("erin")],
                 commits=[{"sha": "d" * 40, "author": "dave", "committer": "erin"}])
    assert _rule({"count": 3, "users": ["zed", "dave", "bob", "alice"],
                  "teams": ["acme/platform", "acme/empty"]}, context) == (
        "pending",
        "always applies; needs 2 more approvals from zed; acme/platform (carol); "
        "acme/empty (no eligible member); not counted: bob: approved an older commit, "
        "dave: the author cannot approve, erin: committed to the pull request",
        ("alice",), 2, ("zed", "acme/platform (carol)", "acme/empty (no eligible member)"))


def test_one_missing_approval_is_singular_and_anyone_can_give_it():
    assert _rule({"count": 2}, pr(reviews=[approved("alice")])) == (
        "pending", "always applies; needs 1 more approval from anyone with write access "
                   "except the author", ("alice",), 1,
        ("anyone with write access except the author",))


def test_approved_names_the_approvers_or_that_none_was_needed():
    assert _rule({"count": 2}, pr(reviews=[approved("bob"), approved("alice")])) == (
        "approved", "always applies; approved by bob, alice", ("bob", "alice"), 0, ())
    assert _rule({"count": 0}, pr()) == (
        "approved", "always applies; approved by no approval needed", (), 0, ())


def test_unverifiable_team_membership_is_an_error_that_keeps_the_counted_approvals():
    context = pr(reviews=[approved("alice"), approved("zoe")],
                 team_errors={"acme/ghost": "404 from GitHub"})
    assert _rule({"count": 2, "users": ["alice"], "teams": ["acme/ghost"]}, context) == (
        "error", "always applies; cannot verify membership of acme/ghost (404 from GitHub) — "
                 "give the action a token with Members: read, or list the team under "
                 "`approvals.teams`", ("alice",), 0, ())


def test_a_condition_that_cannot_be_decided_is_an_error_naming_why():
    status, reason, *_ = _rule({"count": 0, "codeowners": True}, pr(files_truncated=True),
                               codeowners="* @alice\n")
    assert (status, reason) == ("error", "GitHub listed only the first 3,000 changed files, so "
                                         "file-based conditions cannot be evaluated; split the "
                                         "pull request")
    result = judge({"rules": [{"name": "r", "if": {"changed_resources": {"kinds": ["Pod"]}},
                               "requires": {"count": 0}}]}, pr(), resources=None)
    assert (result.rules["r"].status, result.rules["r"].rule.name) == ("error", "r")
    skipped = judge({"rules": [{"name": "s", "if": {"has_labels": ["x"]}}],
                     "if_no_rule_applies": "pass"}, pr())
    assert (skipped.rules["s"].status, skipped.rules["s"].rule.name) == ("skipped", "s")


def test_the_unverifiable_team_is_named_not_a_known_one():
    context = pr(reviews=[approved("zoe")], teams={"acme/a-known": ["kim"]})
    assert _rule({"count": 1, "teams": ["acme/a-known", "acme/z-unknown"]}, context)[:2] == (
        "error", "always applies; cannot verify membership of acme/z-unknown — give the "
                 "action a token with Members: read, or list the team under `approvals.teams`")


def test_a_team_of_unknown_members_is_still_a_candidate_while_nobody_approved():
    assert _rule({"count": 1, "teams": ["acme/ghost"]}, pr())[:2] == (
        "pending", "always applies; needs 1 more approval from acme/ghost (members unknown)")


OWNERS = """\
/deploy/prod/   @alice @acme/sre
/docs/          @writer
/charts/        @carol
"""


def test_github_code_owner_gaps_name_the_first_file_and_count_the_rest():
    config = {"rules": [{"name": "owners", "requires": {"count": 0, "codeowners": True}}],
              "teams": {"acme/sre": ["sue"]}}
    files = [{"path": p, "status": "modified"} for p in
             ("deploy/prod/web.yaml", "docs/a.md", "charts/x.yaml")]
    rule = judge(config, pr(files=files), OWNERS).rules["owners"]
    assert (rule.status, rule.reason, rule.candidates) == (
        "pending", "always applies; needs a code owner's approval for deploy/prod/web.yaml "
                   "(alice, acme/sre) (and 2 more files)", ("alice", "acme/sre", "writer", "carol"))
    two = judge(config, pr(files=files[:2]), OWNERS).rules["owners"]
    assert two.reason == ("always applies; needs a code owner's approval for "
                          "deploy/prod/web.yaml (alice, acme/sre) (and 1 more files)")
    one = judge(config, pr(files=files[1:2]), OWNERS).rules["owners"]
    assert one.reason == "always applies; needs a code owner's approval for docs/a.md (writer)"


GITLAB_OWNERS = """\
[Platform][2] @alice @bob
/deploy/

[Docs] @writer
/docs/
"""


def test_gitlab_section_gaps_name_the_section_files_and_owners():
    config = {"rules": [{"name": "owners", "requires": {"count": 0, "codeowners": True}}]}
    files = [{"path": f"deploy/{n}.yaml", "status": "modified"} for n in "abcde"] + [
        {"path": "docs/x.md", "status": "modified"}]
    context = pr(platform="gitlab", files=files, reviews=[approved("alice")])
    rule = judge(config, context, GITLAB_OWNERS).rules["owners"]
    assert rule.reason == (
        "always applies; needs 2 code owner approvals (1 more) for [Platform] /deploy/ "
        "(deploy/a.yaml, deploy/b.yaml, deploy/c.yaml and 2 more; alice, bob) (and 1 more "
        "code owner rules)")
    docs = judge(config, pr(platform="gitlab", files=files[-1:]), GITLAB_OWNERS).rules["owners"]
    assert docs.reason == ("always applies; needs a code owner's approval for [Docs] /docs/ "
                           "(docs/x.md; writer)")
    four = judge(config, pr(platform="gitlab", files=files[:4], reviews=[approved("alice")]),
                 GITLAB_OWNERS).rules["owners"]
    assert four.reason == (
        "always applies; needs 2 code owner approvals (1 more) for [Platform] /deploy/ "
        "(deploy/a.yaml, deploy/b.yaml, deploy/c.yaml and 1 more; alice, bob)")
    three = judge(config, pr(platform="gitlab", files=files[:3], reviews=[approved("alice")]),
                  GITLAB_OWNERS).rules["owners"]
    assert three.reason == (
        "always applies; needs 2 code owner approvals (1 more) for [Platform] /deploy/ "
        "(deploy/a.yaml, deploy/b.yaml, deploy/c.yaml; alice, bob)")


def test_the_policy_tree_labels_and_tallies_each_node():
    config = {"policy": ["base", {"or": ["sec", "docs", "gone"]}],
              "rules": [{"name": "base", "requires": {"count": 1}},
                        {"name": "sec", "requires": {"users": ["sam"]}},
                        {"name": "docs", "if": {"only_changed_files": ["docs/**"]},
                         "requires": {"count": 0}},
                        {"name": "gone", "if": {"changed_files": ["nowhere/**"]},
                         "requires": {"count": 0}}]}
    tree = judge(config, pr(reviews=[approved("alice")])).tree
    assert (tree.label, tree.status, tree.reason, tree.operator) == (
        "all of", "pending", "1 approved, 1 pending", "and")
    base, either = tree.children
    assert (base.label, base.status, base.operator, base.rule.rule.name) == (
        "base", "approved", "rule", "base")
    assert (either.label, either.status, either.reason, either.operator) == (
        "any of", "pending", "1 pending, 2 skipped", "or")
    assert [(c.label, c.status, c.reason) for c in either.children] == [
        ("sec", "pending", "always applies; needs 1 more approval from sam"),
        ("docs", "skipped", "also changes deploy/prod/web.yaml"),
        ("gone", "skipped", "changes no file matching nowhere/**")]


def test_disapprovals_by_members_block_and_unverifiable_ones_are_errors():
    config = {"rules": [{"name": "any", "requires": {"count": 1}}],
              "disapproval": {"users": ["sam"], "teams": ["acme/known", "acme/security"]},
              "teams": {"acme/known": ["kim"]}}
    context = pr(reviews=[approved("alice"), approved("sam", state="CHANGES_REQUESTED"),
                          approved("kim", state="CHANGES_REQUESTED"),
                          approved("zoe", state="COMMENTED")])
    result = judge(config, context)
    assert [(d.user, d.reason, d.verified) for d in result.disapprovals] == [
        ("sam", "sam requested changes", True), ("kim", "kim requested changes", True)]
    assert result.status == "pending"
    unknown = pr(reviews=[approved("alice"), approved("ann", state="CHANGES_REQUESTED")])
    result = judge(config, unknown)
    assert [(d.user, d.reason, d.verified) for d in result.disapprovals] == [
        ("ann", "ann requested changes and may belong to a blocking team: cannot verify "
                "membership of acme/security — give the action a token with Members: read, "
                "or list the team under `approvals.teams`", False)]
    assert result.status == "error"
    outsider = judge({**config, "teams": {"acme/known": ["kim"], "acme/security": []}}, unknown)
    assert (outsider.disapprovals, outsider.status) == ((), "approved")
