"""`gatekeeper.from_repo: true` in pull-request mode: the policy objects are the base
commit's (the pull request's own versions are data, and changing them is a gate change),
while the cluster they judge against — data.inventory, the Namespaces — is the head's."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.gitlab.mr_world import world  # noqa: F401 — the `world` fixture (GitLab)
from tests.gatekeeper.builders import documents, obj
from tests.gatekeeper.test_check import _ingress
from tests.gatekeeper.test_diff import POLICY as CLUSTER_POLICY
from tests.integrity.helpers import feature_repo, pod, pr_context
from tests.integrity.test_gate_inputs import CONSTRAINT, TEMPLATE

BAD = pod("miner", hostPID="true")
POLICY = TEMPLATE + "---\n" + CONSTRAINT.replace("ACTION", "deny")
FROM_REPO = {".policygate.yaml": "gatekeeper: {from_repo: true}\n",
             "platform/gatekeeper.yaml": POLICY}
WEAKENED = {
    "dryrun": POLICY.replace("enforcementAction: deny", "enforcementAction: dryrun"),
    "warn": POLICY.replace("enforcementAction: deny", "enforcementAction: warn"),
    "excluded namespace": POLICY.replace("  match:\n", "  match:\n    excludedNamespaces: [shop]\n"),
    "constraint deleted": TEMPLATE,
    "template rewritten": POLICY.replace("input.review.object.spec.hostPID", "false"),
}


def _pr(tmp_path, changes: dict[str, str], deleted: tuple[str, ...] = ()):
    repo = feature_repo(tmp_path / "repo", FROM_REPO)
    base = repo.git("rev-parse", "main").strip()
    for path in deleted:
        repo.git("rm", "-q", path)
    head = repo.commit(changes, "the pull request")
    files = [{"path": path, "status": "modified" if path in FROM_REPO else "added"}
             for path in changes] + [{"path": path, "status": "removed"} for path in deleted]
    return repo, pr_context(repo, base, head, files)


def _verdict(repo, context: str, *args: str) -> list[tuple[str, str, str]]:
    run = run_cli("check", "--format", "json", "--select", "gatekeeper,approval",
                  "--pr-context", context, *args, cwd=repo.root)
    assert run.exit_code in (0, 1), run.stderr
    return sorted((f["rule"], f["severity"], f["file"]) for f in run.json()["findings"])


@pytest.mark.parametrize("how", sorted(WEAKENED))
def test_a_pull_request_cannot_weaken_a_constraint_found_in_the_repository(tmp_path, how):
    """The class: a pull request that edits the ConstraintTemplate or Constraint that
    `from_repo` finds among the manifests (dry-run, warn, an excluded namespace, the
    constraint deleted, the Rego gutted) and adds what it forbade was judged by its own
    weakened version."""
    repo, context = _pr(tmp_path, {"deploy/miner.yaml": BAD,
                                   "platform/gatekeeper.yaml": WEAKENED[how]})
    assert _verdict(repo, context) == [
        ("approval/policy-changed", "warning", "platform/gatekeeper.yaml"),
        ("gatekeeper/K8sNoHostPID/no-host-pid", "error", "deploy/miner.yaml")]


def test_deleting_the_policy_file_does_not_remove_the_gate(tmp_path):
    repo, context = _pr(tmp_path, {"deploy/miner.yaml": BAD},
                        deleted=("platform/gatekeeper.yaml",))
    assert _verdict(repo, context) == [
        ("approval/policy-changed", "warning", "platform/gatekeeper.yaml"),
        ("gatekeeper/K8sNoHostPID/no-host-pid", "error", "deploy/miner.yaml")]


def test_a_constraint_the_pull_request_adds_is_a_gate_change_and_not_applied(tmp_path):
    """New policy objects are the next pull request's gate, not this one's: a second
    constraint of the same name would otherwise make the run fail (exit 2)."""
    extra = CONSTRAINT.replace("ACTION", "dryrun")
    repo, context = _pr(tmp_path, {"deploy/miner.yaml": BAD, "deploy/more-policy.yaml": extra})
    assert _verdict(repo, context) == [
        ("approval/policy-changed", "warning", "deploy/more-policy.yaml"),
        ("gatekeeper/K8sNoHostPID/no-host-pid", "error", "deploy/miner.yaml")]


def test_an_ordinary_pull_request_is_judged_by_the_constraint_without_a_gate_change(tmp_path):
    repo, context = _pr(tmp_path, {"deploy/miner.yaml": BAD})
    assert _verdict(repo, context) == [
        ("gatekeeper/K8sNoHostPID/no-host-pid", "error", "deploy/miner.yaml")]
    # The negative: a compliant pod passes.
    repo, context = _pr(tmp_path / "ok", {"deploy/web.yaml": pod("web")})
    assert _verdict(repo, context) == []


def test_approvals_report_the_changed_constraint_as_a_gate_change(tmp_path):
    gate = ("approvals:\n  if_no_rule_applies: pass\n  rules:\n    - name: gate\n"
            "      if: {policy_changed: true}\n      requires: {count: 1}\n")
    repo = feature_repo(tmp_path / "repo", {**FROM_REPO, ".policygate.yaml": "gatekeeper: "
                                            "{from_repo: true}\n" + gate})
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit({"platform/gatekeeper.yaml": WEAKENED["dryrun"]})
    context = pr_context(repo, base, head, [{"path": "platform/gatekeeper.yaml",
                                             "status": "modified"}])
    run = run_cli("check", "--format", "json", "--select", "approval", "--pr-context", context,
                  cwd=repo.root)
    assert sorted((f["rule"], f["file"]) for f in run.json()["findings"]) == [
        ("approval/missing", ".policygate.yaml"),
        ("approval/policy-changed", "platform/gatekeeper.yaml")]


# The cluster side: the head's, read from git objects, never the working tree -------------

def _cluster_pr(tmp_path, changes: dict[str, str], deleted: tuple[str, ...] = ()):
    """A `pull_request_target` run: the working tree is the base branch, the pull
    request exists only as commits."""
    repo = feature_repo(tmp_path / "repo", {
        ".policygate.yaml": "gatekeeper: {from_repo: true}\n",
        "platform/gatekeeper.yaml": CLUSTER_POLICY,
        "clusters/namespaces.yaml": documents(obj("v1", "Namespace", "prod", labels={"env": "prod"}),
                                              obj("v1", "Namespace", "dev", labels={"env": "dev"})),
        "legacy/ingress.yaml": _ingress("legacy", "old", "shop.example.com")})
    base = repo.git("rev-parse", "main").strip()
    for path in deleted:
        repo.git("rm", "-q", path)
    head = repo.commit(changes, "the pull request")
    files = [{"path": path, "status": "modified"} for path in changes] + \
        [{"path": path, "status": "removed"} for path in deleted]
    context = pr_context(repo, base, head, files)
    repo.git("checkout", "-q", "main")
    return repo, context


def _cluster_findings(repo, context: str, *paths: str) -> list[tuple[str, str, str]]:
    run = run_cli("check", "--format", "json", "--select", "gatekeeper", "--pr-context",
                  context, *paths, cwd=repo.root)
    assert run.exit_code in (0, 1), run.stderr
    return sorted((f["rule"], f["file"], f["message"]) for f in run.json()["findings"])


def test_the_namespaces_a_pull_request_relabels_are_the_heads(tmp_path):
    """The class: the described cluster read from the working tree, which in the
    `pull_request_target` recipe is the base: a pull request that labels a namespace
    into a constraint's namespaceSelector was judged by the old labels."""
    relabelled = documents(obj("v1", "Namespace", "prod", labels={"env": "prod"}),
                           obj("v1", "Namespace", "dev", labels={"env": "prod"}))
    repo, context = _cluster_pr(tmp_path, {"clusters/namespaces.yaml": relabelled,
                                           "apps/cm.yaml": obj("v1", "ConfigMap", "a", "dev")})
    assert _cluster_findings(repo, context, "apps") == [
        ("gatekeeper/K8sFlag/prod-configmaps", "apps/cm.yaml", "flagged ConfigMap/a")]
    # The negative: dev keeps its label, nothing is flagged.
    repo, context = _cluster_pr(tmp_path / "ok", {"apps/cm.yaml": obj("v1", "ConfigMap", "a",
                                                                      "dev")})
    assert _cluster_findings(repo, context, "apps") == []


def test_an_object_the_pull_request_deletes_is_not_in_the_inventory(tmp_path):
    repo, context = _cluster_pr(tmp_path, {"shop/ingress.yaml": _ingress("shop", "web",
                                                                         "shop.example.com")},
                                deleted=("legacy/ingress.yaml",))
    assert _cluster_findings(repo, context) == []
    # The negative: while the old Ingress stays, the host is taken.
    repo, context = _cluster_pr(tmp_path / "kept", {"shop/ingress.yaml": _ingress(
        "shop", "web", "shop.example.com")})
    assert _cluster_findings(repo, context) == [
        ("gatekeeper/K8sUniqueIngressHost/unique", "shop/ingress.yaml",
         "host shop.example.com is also used by legacy/old")]


def test_gitlab_merge_requests_are_judged_by_the_target_commits_constraints(world):
    """`policygate mr`: the same class on GitLab (tests/gitlab/mr_world.py)."""
    import io

    from policygate.gitlab.mr import MrRequest, run_mr
    from policygate.runner import CheckOptions
    from tests.gitlab.mr_world import FAST

    world.repo.git("checkout", "-q", "main")
    world.repo.commit(FROM_REPO, "constraints among the manifests")
    world.repo.git("checkout", "-q", "feature")
    world.repo.git("merge", "-q", "--no-edit", "main")
    world.mr.base_sha = world.mr.start_sha = world.repo.git("rev-parse", "main").strip()
    world.env["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = world.mr.base_sha
    world.push({"platform/gatekeeper.yaml": WEAKENED["dryrun"], "deploy/miner.yaml": BAD},
               "dry-run the constraint")
    request = MrRequest(check=CheckOptions(select=("gatekeeper", "approval")), reports=("text",),
                        codequality_file=str(world.tmp / "cq.json"))
    report = run_mr(request, env=world.env, out=io.StringIO(), say=lambda _: None,
                    client_settings=FAST)
    assert sorted((f.rule, f.severity.name.lower(), f.file) for f in report.findings) == [
        ("approval/policy-changed", "warning", "platform/gatekeeper.yaml"),
        ("gatekeeper/K8sNoHostPID/no-host-pid", "error", "deploy/miner.yaml")]
