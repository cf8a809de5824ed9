"""Diff mode (--staged, --diff): only the changed objects are judged, but against the whole
cluster the repository describes — constraints, inventory and Namespaces in unchanged
files still count. A real git repository, no mocks."""
from __future__ import annotations

from tests.conftest import run_cli
from tests.gatekeeper.builders import FLAG, constraint, documents, obj, template
from tests.gatekeeper.test_check import UNIQUE_HOST, _ingress
from tests.sources.gitrepo import Repo

POLICY = documents(
    template("K8sUniqueIngressHost", UNIQUE_HOST),
    constraint("K8sUniqueIngressHost", "unique",
               match={"kinds": [{"apiGroups": ["networking.k8s.io"], "kinds": ["Ingress"]}]}),
    template("K8sFlag", FLAG),
    constraint("K8sFlag", "prod-configmaps", match={
        "kinds": [{"apiGroups": [""], "kinds": ["ConfigMap"]}],
        "namespaceSelector": {"matchLabels": {"env": "prod"}}}))


def findings(repo: Repo, *args: str) -> list[tuple[str, str, int, str]]:
    run = run_cli("check", "--format", "json", "--select", "gatekeeper", *args, cwd=repo.root)
    assert run.exit_code in (0, 1), run.stderr
    return sorted((f["rule"], f["file"], f["line"], f["message"]) for f in run.json()["findings"])


def test_staged_change_is_judged_against_the_unchanged_repository(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit({".policygate.yaml": "gatekeeper:\n  from_repo: true\n",
                 "platform/gatekeeper.yaml": POLICY,
                 "clusters/namespaces.yaml": documents(
                     obj("v1", "Namespace", "prod", labels={"env": "prod"}),
                     obj("v1", "Namespace", "dev", labels={"env": "dev"})),
                 "legacy/ingress.yaml": _ingress("legacy", "old", "shop.example.com")})
    repo.write({"shop/ingress.yaml": _ingress("shop", "web", "shop.example.com"),
                "shop/config.yaml": documents(obj("v1", "ConfigMap", "a", "prod"),
                                              obj("v1", "ConfigMap", "b", "dev"))})
    repo.git("add", "-A")
    assert findings(repo, "--staged") == [
        ("gatekeeper/K8sFlag/prod-configmaps", "shop/config.yaml", 1, "flagged ConfigMap/a"),
        ("gatekeeper/K8sUniqueIngressHost/unique", "shop/ingress.yaml", 8,
         "host shop.example.com is also used by legacy/old")]
    # pre-commit passes the staged file names: the same answer.
    assert findings(repo, "--staged", "shop/ingress.yaml") == [
        ("gatekeeper/K8sUniqueIngressHost/unique", "shop/ingress.yaml", 8,
         "host shop.example.com is also used by legacy/old")]
    # The negative: a host nobody else uses.
    repo.write({"shop/ingress.yaml": _ingress("shop", "web", "new.example.com")})
    repo.git("add", "-A")
    assert findings(repo, "--staged", "shop/ingress.yaml") == []


def test_diff_range_reports_only_the_changed_objects(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit({".policygate.yaml": "gatekeeper:\n  from_repo: true\n",
                 "platform/gatekeeper.yaml": POLICY,
                 "legacy/ingress.yaml": _ingress("legacy", "old", "shop.example.com")})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"shop/ingress.yaml": _ingress("shop", "web", "shop.example.com")})
    # A full scan flags both Ingresses; the diff only the one the change added.
    assert [f[1] for f in findings(repo)] == ["legacy/ingress.yaml", "shop/ingress.yaml"]
    assert findings(repo, "--diff", "main") == [
        ("gatekeeper/K8sUniqueIngressHost/unique", "shop/ingress.yaml", 8,
         "host shop.example.com is also used by legacy/old")]


def test_pull_requests_are_judged_by_the_base_commits_policies(tmp_path):
    import json

    repo = Repo(tmp_path / "repo")
    policy = documents(template("K8sFlag", FLAG), constraint("K8sFlag", "no-configmaps", match={
        "kinds": [{"apiGroups": [""], "kinds": ["ConfigMap"]}]}))
    base = repo.commit({".policygate.yaml": "gatekeeper:\n  dirs: [gatekeeper]\n",
                        "gatekeeper/policy.yaml": policy})
    repo.git("checkout", "-q", "-b", "feature")
    # The PR tries to weaken its own gate (dryrun) while adding what the gate forbids.
    head = repo.commit({"gatekeeper/policy.yaml": policy.replace(
        "spec:\n  match:", "spec:\n  enforcementAction: dryrun\n  match:"),
        "apps/cm.yaml": obj("v1", "ConfigMap", "settings", "shop")})
    (repo.root / "pr.json").write_text(json.dumps({
        "repository": "acme/gitops", "number": 1, "author": "dave",
        "base": {"ref": "main", "sha": base}, "head": {"ref": "feature", "sha": head},
        "files": [{"path": "gatekeeper/policy.yaml", "status": "modified"},
                  {"path": "apps/cm.yaml", "status": "added"}],
        "commits": [{"sha": head, "author": "dave", "committer": "dave"}], "reviews": []}))
    run = run_cli("check", "--format", "json", "--select", "gatekeeper", "--pr-context",
                  "pr.json", cwd=repo.root)
    assert run.exit_code == 1, run.stderr
    assert sorted((f["rule"], f["severity"], f["file"]) for f in run.json()["findings"]) == [
        ("gatekeeper/K8sFlag/no-configmaps", "error", "apps/cm.yaml")]
