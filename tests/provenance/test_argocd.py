"""Argo CD Applications and ApplicationSets: where they deploy from, at which revision."""
from __future__ import annotations

from tests.conftest import assert_clean
from tests.provenance.helpers import assert_findings, check

SHA = "0123456789abcdef0123456789abcdef01234567"

APPS = f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: shop, namespace: argocd}}
spec:
  source:
    repoURL: https://github.com/acme/shop-deploy.git
    targetRevision: main  # <- gitops/unpinned-revision
    path: overlays/prod
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: default-revision, namespace: argocd}}
spec:
  source:  # <- gitops/unpinned-revision
    repoURL: git@github.com:acme/shop-deploy.git
    path: overlays/prod
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: multi, namespace: argocd}}
spec:
  sources:
    - repoURL: https://charts.bitnami.com/bitnami
      chart: redis
      targetRevision: 20.*  # <- gitops/unpinned-revision
    - repoURL: https://github.com/acme/values
      targetRevision: HEAD  # <- gitops/unpinned-revision
      ref: values
    - repoURL: oci://ghcr.io/acme/manifests
      targetRevision: latest  # <- gitops/unpinned-revision
    - repoURL: https://github.com/acme/pinned
      targetRevision: {SHA}
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: previews, namespace: argocd}}
spec:
  generators:
    - matrix:
        generators:
          - git:
              repoURL: https://github.com/acme/clusters.git
              revision: HEAD  # <- gitops/unpinned-revision
          - list: {{elements: []}}
  template:
    metadata: {{name: 'preview-{{{{number}}}}'}}
    spec:
      source:
        repoURL: https://github.com/acme/shop-deploy.git
        targetRevision: '{{{{head_sha}}}}'
        path: overlays/preview
"""

PINNED = f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: shop, namespace: argocd}}
spec:
  sources:
    - repoURL: https://github.com/acme/shop-deploy.git
      targetRevision: v1.4.2
    - repoURL: https://github.com/acme/other.git
      targetRevision: {SHA}
    - repoURL: https://charts.bitnami.com/bitnami
      chart: redis
      targetRevision: 20.6.1
    - repoURL: oci://ghcr.io/acme/manifests
      targetRevision: sha256:{"ab" * 32}
    - repoURL: https://github.com/acme/release-branch.git
      targetRevision: refs/tags/release-2024-11
"""


def test_floating_revisions_warn_where_they_are_written(write):
    files = {"apps/shop.yaml": APPS}
    findings = assert_findings(check(write, files, "gitops"), files, "warning")
    assert findings[0]["message"] == (
        "Application source targetRevision: what is deployed can change without a commit "
        "here — 'main' is taken for a branch; pin a commit SHA (`git ls-remote "
        "https://github.com/acme/shop-deploy.git main`) or a release tag such as v1.2.3")
    assert "— no revision is set, so the default branch (HEAD) is deployed; pin a commit " \
        "SHA" in findings[1]["message"]
    assert "'20.*' is a version range" in findings[2]["message"]
    assert "helm search repo <repo>/redis --versions" in findings[2]["message"]
    assert "crane digest ghcr.io/acme/manifests:latest" in findings[4]["message"]
    assert findings[5]["message"].startswith(
        "ApplicationSet git generator revision: what is deployed can change without a commit "
        "here — HEAD follows the default branch")


def test_pinned_revisions_pass(write):
    assert_clean(check(write, {"apps/shop.yaml": PINNED}, "gitops"))


def test_pinning_paths_exemptions_and_declared_tags(write):
    files = {"clusters/dev/shop.yaml": APPS}
    config = "gitops:\n  pinning:\n    paths: [clusters/prod/**]\n"
    assert_clean(check(write, files, "gitops", config=config))
    exempt = ("gitops:\n  pinning:\n    exempt: [github.com/acme, charts.bitnami.com, "
              "oci://ghcr.io/acme]\n")
    assert_clean(check(write, files, "gitops", config=exempt))
    release = PINNED.replace("targetRevision: v1.4.2", "targetRevision: release-7")
    marked = {"apps/shop.yaml": release.replace(
        "release-7", "release-7  # <- gitops/unpinned-revision")}
    assert_findings(check(write, marked, "gitops"), marked, "warning")
    assert_clean(check(write, {"apps/shop.yaml": release}, "gitops",
                       config="gitops:\n  pinning:\n    tags: ['release-*']\n"))


UNTRUSTED = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: mixed, namespace: argocd}
spec:
  sources:
    - repoURL: https://github.com/acme/shop-deploy.git
      targetRevision: v1.0.0
    - repoURL: git@github.com:someone/fork.git  # <- gitops/untrusted-source
      targetRevision: v1.0.0
    - repoURL: https://charts.example.net/stable  # <- gitops/untrusted-source
      chart: tool
      targetRevision: 1.0.0
    - repoURL: https://charts.bitnami.com/bitnami
      chart: redis
      targetRevision: 20.6.1
"""


def test_sources_outside_the_allow_list_are_errors(write):
    files = {"apps/mixed.yaml": UNTRUSTED}
    assert_clean(check(write, files, "gitops/untrusted-source"))  # no allow-list: off
    config = ("gitops:\n  allowed: ['https://github.com/acme/', "
              "'charts.bitnami.com/bitnami/redis']\n")
    findings = assert_findings(check(write, files, "gitops/untrusted-source", config=config),
                               files, "error")
    assert findings[0]["message"] == (
        "Application sources[1] deploys from git@github.com:someone/fork.git "
        "(github.com/someone/fork), which matches no entry of gitops.allowed "
        "(https://github.com/acme/, charts.bitnami.com/bitnami/redis): deploy from an allowed "
        "repository (fork or mirror it there), or add a pattern for it to gitops.allowed in "
        ".policygate.yaml")


def test_allowed_sources_pass(write):
    config = ("gitops:\n  allowed: [github.com/acme, github.com/someone/fork, "
              "charts.example.net, charts.bitnami.com]\n")
    assert_clean(check(write, {"apps/mixed.yaml": UNTRUSTED}, "gitops/untrusted-source",
                       config=config))
