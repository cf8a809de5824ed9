"""In a diff, engines that judge all documents at once see the cluster the repository
describes at the change's head: the rendered objects of every kustomize root (also the
overlays the change does not touch), and raw files only where nothing renders them —
never a base or a patch on its own, which the cluster never gets. Gatekeeper's
`data.inventory`, its Namespaces (namespaceSelector) and the `--combine` Rego input alike.
Real git repositories and the real kustomize (`kubectl kustomize`)."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.gatekeeper.builders import FLAG, constraint, documents, obj, template
from tests.gatekeeper.test_check import UNIQUE_HOST, _ingress
from tests.render.builders import overlay
from tests.sources.gitrepo import Repo

UNIQUE = documents(
    template("K8sUniqueIngressHost", UNIQUE_HOST),
    constraint("K8sUniqueIngressHost", "unique",
               match={"kinds": [{"apiGroups": ["networking.k8s.io"], "kinds": ["Ingress"]}]}))
# Conftest --combine: no two Ingresses share a host (the reviewer's view of the whole input).
UNIQUE_REGO = """package main

deny contains {"msg": sprintf("host %s is also used by %s/%s", [rule.host, other.contents.metadata.namespace, other.contents.metadata.name]), "path": sprintf("[%d].contents.spec.rules[%d].host", [i, j])} if {
  some i, doc in input
  doc.contents.kind == "Ingress"
  some j, rule in doc.contents.spec.rules
  some k, other in input
  k != i
  other.contents.kind == "Ingress"
  other.contents.spec.rules[_].host == rule.host
}
"""
GK = ("--select", "gatekeeper", "--gatekeeper", "gatekeeper")
REGO = ("--select", "rego", "--policy", "policy", "--combine")

# The base's Ingress is never applied as written: each overlay moves it to its namespace
# and gives it its own host.
BASE_INGRESS = _ingress("monitoring", "web", "base.example.com")


def _host_patch(host: str) -> str:
    return ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n"
            "  namespace: monitoring\nspec:\n  rules:\n    - host: " + host + "\n")


def _overlays() -> dict[str, str]:
    files = {"base/kustomization.yaml": "resources: [ingress.yaml]\n",
             "base/ingress.yaml": BASE_INGRESS,
             "gatekeeper/unique.yaml": UNIQUE, "policy/unique.rego": UNIQUE_REGO}
    for name in ("prod", "staging"):
        files |= overlay(name, f"resources: [../../base]\nnamespace: {name}\n"
                               f"patches:\n  - path: patch.yaml\n",
                         patch__yaml=_host_patch(f"{name}.example.com"))
    return files


def _feature(tmp_path, files: dict[str, str]) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit(files, "start")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def _found(repo: Repo, *args: str) -> list[tuple[str, str, int, str]]:
    run = run_cli("check", "--format", "json", *args, cwd=repo.root)
    assert run.exit_code in (0, 1), run.stderr
    return [(f["rule"].partition("/")[0], f["file"], f["line"], f["message"])
            for f in run.json()["findings"]]


@pytest.mark.parametrize("engine", [GK, REGO], ids=["gatekeeper", "combine"])
def test_an_unchanged_overlays_rendered_objects_are_in_the_inventory(tmp_path, engine):
    """The class: a diff's cluster built from raw kustomize inputs — a base the cluster
    gets only through overlays, patches that are partial objects — instead of what the
    overlays render. A host only the raw base uses is free; a host an unchanged overlay
    renders is taken."""
    repo = _feature(tmp_path, _overlays())
    family = engine[1]
    repo.commit({"shop/ingress.yaml": _ingress("shop", "web", "staging.example.com")})
    assert _found(repo, *engine, "--diff", "main") == [
        (family, "shop/ingress.yaml", 8, "host staging.example.com is also used by staging/web")]
    repo.commit({"shop/ingress.yaml": _ingress("shop", "web", "prod.example.com")})
    assert _found(repo, *engine, "--diff", "main") == [
        (family, "shop/ingress.yaml", 8, "host prod.example.com is also used by prod/web")]
    # The negatives: the raw base's host is in no cluster object; a host nobody uses.
    for host in ("base.example.com", "shop.example.com"):
        repo.commit({"shop/ingress.yaml": _ingress("shop", "web", host)})
        assert _found(repo, *engine, "--diff", "main") == []


@pytest.mark.parametrize("engine", [GK, REGO], ids=["gatekeeper", "combine"])
def test_a_changed_overlay_is_judged_against_the_unchanged_ones(tmp_path, engine):
    repo = _feature(tmp_path, _overlays())
    repo.commit({"overlays/staging/patch.yaml": _host_patch("prod.example.com")})
    assert _found(repo, *engine, "--diff", "main") == [
        (engine[1], "overlays/staging/patch.yaml", 8, "host prod.example.com is also used by "
                                                      "prod/web")]
    repo.commit({"overlays/staging/patch.yaml": _host_patch("qa.example.com")})
    assert _found(repo, *engine, "--diff", "main") == []


def _context_renders(run) -> list[str]:
    return [r["path"] for r in run.json().get("renders", []) if r.get("context")]


def test_unchanged_overlays_render_only_for_templates_that_read_the_inventory(tmp_path):
    """... and only those that can make a kind the templates read: the unique-host
    template reads Ingresses, and the `web` overlay has none."""
    files = _overlays() | {"gatekeeper/flag.yaml": documents(template("K8sFlag", FLAG), constraint(
        "K8sFlag", "no-configmaps", match={"kinds": [{"apiGroups": [""], "kinds": ["ConfigMap"]}]}))
    } | overlay("web", "resources: [cm.yaml]\n", cm__yaml=obj("v1", "ConfigMap", "web", "web"))
    del files["gatekeeper/unique.yaml"]
    repo = _feature(tmp_path, files)
    repo.commit({"apps/cm.yaml": obj("v1", "ConfigMap", "a", "shop")})
    run = run_cli("check", "--format", "json", *GK, "--diff", "main", cwd=repo.root)
    assert [(f["file"], f["message"]) for f in run.json()["findings"]] == [
        ("apps/cm.yaml", "flagged ConfigMap/a")]
    assert "renders" not in run.json()
    repo.commit({"gatekeeper/unique.yaml": UNIQUE})
    run = run_cli("check", "--format", "json", *GK, "--diff", "main", "apps", cwd=repo.root)
    assert [(r["path"], r["side"], r.get("context")) for r in run.json()["renders"]] == [
        ("overlays/prod", "head", True), ("overlays/staging", "head", True)]
    # A template that reads whatever kind it reviews could read any: everything renders.
    repo.commit({"gatekeeper/unique.yaml": UNIQUE.replace('[_]["Ingress"][name]',
                                                          '[_][input.review.kind.kind][name]')})
    run = run_cli("check", "--format", "json", *GK, "--diff", "main", "apps", cwd=repo.root)
    assert _context_renders(run) == ["overlays/prod", "overlays/staging", "overlays/web"]


def test_an_object_whose_kind_is_spelled_with_escapes_stays_in_the_inventory(tmp_path):
    """Only files that can hold a kind the templates read are parsed for the inventory;
    a kind written with escapes (`"Ingr\\u0065ss"`) names no `Ingress` byte for byte,
    and must not hide its object."""
    hidden = _ingress("legacy", "old", "shop.example.com").replace(
        "kind: Ingress", 'kind: "Ingr\\u0065ss"')
    repo = _feature(tmp_path, {"gatekeeper/unique.yaml": UNIQUE, "legacy/ingress.yaml": hidden})
    repo.commit({"shop/ingress.yaml": _ingress("shop", "web", "shop.example.com")})
    assert _found(repo, *GK, "--diff", "main") == [
        ("gatekeeper", "shop/ingress.yaml", 8, "host shop.example.com is also used by legacy/old")]
    repo.commit({"shop/ingress.yaml": _ingress("shop", "web", "web.example.com")})
    assert _found(repo, *GK, "--diff", "main") == []


# Namespaces as the overlays label them: the raw Namespace files carry no label (staging's
# carries a stale one), the `labels:` transformer sets what the cluster gets.
def _labelled_namespaces() -> dict[str, str]:
    files = {"gatekeeper/flag.yaml": documents(template("K8sFlag", FLAG), constraint(
        "K8sFlag", "prod-configmaps", match={
            "kinds": [{"apiGroups": [""], "kinds": ["ConfigMap"]}],
            "namespaceSelector": {"matchLabels": {"env": "prod"}}}))}
    for name, raw_labels in (("prod", None), ("staging", {"env": "prod"})):
        files |= overlay(name, f"resources: [namespace.yaml]\nlabels:\n  - pairs: {{env: {name}}}\n",
                         namespace__yaml=obj("v1", "Namespace", name, labels=raw_labels))
    return files


def test_namespace_selectors_see_the_rendered_namespaces(tmp_path):
    """Only what can make a Namespace is rendered for them: an overlay whose files
    mention no Namespace is not."""
    files = _labelled_namespaces() | overlay(
        "web", "resources: [cm.yaml]\n", cm__yaml=obj("v1", "ConfigMap", "web", "prod"))
    repo = _feature(tmp_path, files)
    repo.commit({"apps/cm.yaml": documents(obj("v1", "ConfigMap", "a", "prod"),
                                           obj("v1", "ConfigMap", "b", "staging"))})
    run = run_cli("check", "--format", "json", *GK, "--diff", "main", cwd=repo.root)
    assert [(f["file"], f["line"], f["message"]) for f in run.json()["findings"]] == [
        ("apps/cm.yaml", 1, "flagged ConfigMap/a")]
    assert [(r["path"], r["side"], r.get("context")) for r in run.json()["renders"]] == [
        ("overlays/prod", "head", True), ("overlays/staging", "head", True)]


def test_the_staged_index_and_a_pull_requests_head_are_the_cluster(tmp_path):
    """pre-commit judges the index against the index's overlays; a pull request's
    cluster is its head commit's, whatever the working tree holds."""
    from tests.integrity.helpers import pr_context

    repo = _feature(tmp_path, _overlays())
    repo.write({"overlays/staging/patch.yaml": _host_patch("shop.example.com"),
                "shop/ingress.yaml": _ingress("shop", "web", "shop.example.com")})
    repo.git("add", "shop/ingress.yaml")
    assert _found(repo, *GK, "--staged", "shop/ingress.yaml") == []
    repo.git("add", "overlays/staging/patch.yaml")
    assert _found(repo, *GK, "--staged", "shop/ingress.yaml") == [
        ("gatekeeper", "shop/ingress.yaml", 8, "host shop.example.com is also used by staging/web")]
    base = repo.git("rev-parse", "main").strip()
    head = repo.commit()
    repo.git("checkout", "-q", "main")  # a pull_request_target checkout: the base
    name = pr_context(repo, base, head, [{"path": "shop/ingress.yaml", "status": "added"},
                                         {"path": "overlays/staging/patch.yaml",
                                          "status": "modified"}])
    assert [(f, line, m) for _, f, line, m in _found(repo, *GK, "--pr-context", name)] == [
        ("overlays/staging/patch.yaml", 8, "host shop.example.com is also used by shop/web"),
        ("shop/ingress.yaml", 8, "host shop.example.com is also used by staging/web")]


def test_an_overlay_that_does_not_render_is_said_to_be_missing(tmp_path):
    files = _overlays() | {"overlays/staging/kustomization.yaml":
                           "resources: [../../base, missing.yaml]\nnamespace: staging\n"}
    repo = _feature(tmp_path, files)
    repo.commit({"shop/ingress.yaml": _ingress("shop", "web", "prod.example.com")})
    run = run_cli("check", "--format", "json", "--select", "gatekeeper,render",
                  "--gatekeeper", "gatekeeper", "--diff", "main", cwd=repo.root)
    assert run.exit_code == 1, run.stderr
    found = [(f["rule"], f["severity"], f["file"], f["line"]) for f in run.json()["findings"]]
    assert found == [("render/failed", "note", "overlays/staging/kustomization.yaml", 1),
                     ("gatekeeper/K8sUniqueIngressHost/unique", "error", "shop/ingress.yaml", 8)]
    assert run.json()["findings"][0]["message"].endswith(
        "its objects are missing from the cluster the change is judged against (Gatekeeper's "
        "data.inventory and Namespaces, --combine policies)")
