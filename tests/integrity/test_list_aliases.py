"""A finding reached through an alias belongs to the resource that contains the alias
(issue 13, item 6): in a `kind: List` the anchor can sit in another, untouched item, and
resource mode used to drop the finding there."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.integrity.helpers import check, feature_repo

FILE = "deploy/list.yaml"
DEFAULTS = """apiVersion: v1
kind: List
items:
  - apiVersion: example.com/v1
    kind: Defaults
    metadata: {name: defaults, namespace: shop}
    spec:
      securityContext: &priv
        privileged: true
      container: &box
        name: box
        image: example/box:1.0
        securityContext: {privileged: true}
      podDefaults: &podspec
        hostPID: true
        containers: [{name: p, image: example/p:1.0}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: web, namespace: shop}
    spec:
      containers:
        - name: app
          image: example/app:1.0
"""
# What the change appends to the web pod, and the line (in the new file) that brings the
# violation in.
USES = {
    "key alias": ("          securityContext: *priv\n", "pss/privileged", 24),
    "sequence alias": ("        - *box\n", "pss/privileged", 24),
}


@pytest.mark.parametrize("use", sorted(USES))
def test_a_violation_brought_in_by_an_alias_is_reported_in_the_changed_item(tmp_path, use):
    text, rule, line = USES[use]
    repo = feature_repo(tmp_path / "repo", {FILE: DEFAULTS})
    repo.commit({FILE: DEFAULTS + text}, "use the anchor")
    for mode in ("resource", "added", "diff_context", "new"):
        assert check(repo, "--diff", "main", "--filter-mode", mode, "--select", rule) == \
            [(rule, FILE, line)], mode


def test_a_merge_key_brings_the_violation_into_the_changed_item(tmp_path):
    repo = feature_repo(tmp_path / "repo", {FILE: DEFAULTS})
    head = DEFAULTS + ("  - apiVersion: v1\n    kind: Pod\n    metadata: {name: merged, namespace: shop}\n"
                       "    spec:\n      <<: *podspec\n")
    repo.commit({FILE: head}, "merge the defaults")
    assert check(repo, "--diff", "main") == [("pss/host-namespaces", FILE, 27)]


def test_a_resource_comment_covers_an_item_that_ends_with_an_alias(tmp_path):
    """The item's last line is the alias, not the anchor's: a whole-resource suppression
    on its first line covers the finding."""
    head = DEFAULTS.replace("  - apiVersion: v1\n    kind: Pod",
                            "  # policygate: ignore[pss/privileged] test fixture for the CI\n"
                            "  - apiVersion: v1\n    kind: Pod") + USES["key alias"][0]
    repo = feature_repo(tmp_path / "repo", {FILE: DEFAULTS})
    repo.commit({FILE: head}, "suppressed")
    run = run_cli("check", "--format", "json", "--select", "pss/privileged", "--diff", "main",
                  cwd=repo.root)
    assert (run.exit_code, run.json()["findings"]) == (0, [])
    assert [(s["rule"], s["line"]) for s in run.json()["suppressed"]] == [("pss/privileged", 25)]


def test_an_untouched_item_is_not_rejudged_but_an_edited_anchor_rejudges_its_users(tmp_path):
    """Editing another part of the list leaves the web pod alone (the negative case);
    editing the anchor it aliases changes what the pod runs, so the pod is judged."""
    def privileged() -> list:
        return [f for f in check(repo, "--diff", "main") if f[0] == "pss/privileged"]

    using = DEFAULTS + USES["key alias"][0]
    repo = feature_repo(tmp_path / "repo", {FILE: using})
    repo.commit({FILE: using.replace("kind: Defaults\n", "kind: Defaults\n    # a comment\n")})
    assert privileged() == []
    repo.commit({FILE: using.replace("kind: Defaults\n", "kind: Defaults\n    # a comment\n")
                 .replace("privileged: true\n      container:", "privileged: true  # now\n"
                                                                "      container:")})
    assert privileged() == [("pss/privileged", FILE, 25)]
