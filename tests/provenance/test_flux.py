"""Flux sources: GitRepository, OCIRepository, HelmRepository, HelmChart, HelmRelease."""
from __future__ import annotations

import pytest

from policygate.provenance.source_url import normalise_source_url
from tests.conftest import assert_clean
from tests.provenance.helpers import DIGEST, assert_findings, check

SHA = "0123456789abcdef0123456789abcdef01234567"


def _object(kind: str, spec: str, api: str = "source.toolkit.fluxcd.io/v1",
            marker: str = "") -> str:
    """One object; `marker` goes on the `spec:` line (where a missing field is reported)."""
    return f"---\napiVersion: {api}\nkind: {kind}\nmetadata: {{name: x, namespace: flux}}\n" \
           f"spec:{marker}\n{spec}"


FLOATING = (
    _object("GitRepository", "  url: https://github.com/acme/platform\n"
                             "  ref:\n    branch: main  # <- gitops/unpinned-revision\n")
    + _object("GitRepository", "  url: https://github.com/acme/platform\n"
                               "  ref:\n    branch: release\n"
                               "    semver: '>=1.0.0'  # <- gitops/unpinned-revision\n")
    + _object("GitRepository", "  url: https://github.com/acme/platform\n"
                               "  ref:\n    name: refs/heads/main  # <- gitops/unpinned-revision\n")
    + _object("GitRepository", "  url: https://github.com/acme/platform\n  interval: 5m\n",
              marker="  # <- gitops/unpinned-revision")
    + _object("OCIRepository", "  url: oci://ghcr.io/acme/manifests\n"
                               "  ref:\n    tag: latest  # <- gitops/unpinned-revision\n",
              "source.toolkit.fluxcd.io/v1beta2")
    + _object("OCIRepository", "  url: oci://ghcr.io/acme/manifests\n",
              "source.toolkit.fluxcd.io/v1beta2", marker="  # <- gitops/unpinned-revision")
    + _object("HelmChart", "  chart: redis\n  sourceRef: {kind: HelmRepository, name: bitnami}\n"
                           "  version: '*'  # <- gitops/unpinned-revision\n")
    + _object("HelmRelease", "  chart:\n    spec:  # <- gitops/unpinned-revision\n"
                             "      chart: redis\n"
                             "      sourceRef: {kind: HelmRepository, name: bitnami}\n",
              "helm.toolkit.fluxcd.io/v2")
    + _object("HelmRelease", "  chart:\n    spec:\n      chart: redis\n"
                             "      version: 20.x  # <- gitops/unpinned-revision\n",
              "helm.toolkit.fluxcd.io/v2")
)

PINNED = (
    _object("GitRepository", f"  url: https://github.com/acme/platform\n"
                             f"  ref:\n    branch: main\n    commit: {SHA}\n")
    + _object("GitRepository", "  url: https://github.com/acme/platform\n  ref:\n    tag: v1\n")
    + _object("GitRepository", "  url: https://github.com/acme/platform\n"
                               "  ref:\n    name: refs/tags/v1.2.3\n")
    + _object("GitRepository", "  url: https://github.com/acme/platform\n"
                               "  ref:\n    semver: 1.2.3\n")
    + _object("OCIRepository", f"  url: oci://ghcr.io/acme/manifests\n"
                               f"  ref:\n    tag: latest\n    digest: {DIGEST}\n",
              "source.toolkit.fluxcd.io/v1beta2")
    + _object("OCIRepository", "  url: oci://ghcr.io/acme/manifests\n  ref:\n    tag: 6.7.1\n",
              "source.toolkit.fluxcd.io/v1beta2")
    + _object("HelmRepository", "  url: https://charts.bitnami.com/bitnami\n")
    + _object("HelmRelease", "  chart:\n    spec:\n      chart: redis\n      version: 20.6.1\n",
              "helm.toolkit.fluxcd.io/v2")
    + _object("HelmRelease", "  chart:\n    spec:\n      chart: ./charts/app\n"
                             "      sourceRef: {kind: GitRepository, name: platform}\n",
              "helm.toolkit.fluxcd.io/v2")
    + _object("HelmRelease", "  chartRef: {kind: OCIRepository, name: podinfo}\n",
              "helm.toolkit.fluxcd.io/v2")
)


def test_floating_flux_revisions(write):
    files = {"flux/sources.yaml": FLOATING}
    findings = assert_findings(check(write, files, "gitops"), files, "warning")
    assert findings[0]["message"] == (
        "GitRepository spec.ref.branch: what is deployed can change without a commit here — "
        "'main' is a branch; pin `spec.ref.commit` (`git ls-remote "
        "https://github.com/acme/platform main`) or a release `spec.ref.tag`")
    assert "pin an exact version, `semver: 1.2.3` (list the tags with `git ls-remote --tags " \
        "https://github.com/acme/platform`)" in findings[1]["message"]
    assert findings[3]["message"].endswith(
        "— no revision is set, so the default branch (HEAD) is deployed; pin `spec.ref.commit` "
        "(`git ls-remote https://github.com/acme/platform HEAD`) or a release `spec.ref.tag`")
    assert findings[5]["message"].endswith(
        "— no tag or digest is set, so `latest` is deployed; pin its digest (`crane digest "
        "ghcr.io/acme/manifests:latest`)")
    assert findings[7]["message"] == (
        "HelmRelease spec.chart.spec.version: what is deployed can change without a commit "
        "here — no version is set, so the newest chart version is deployed; pin an exact "
        "version, `version: 1.2.3` (list them with `helm search repo <repo>/redis --versions`)")


def test_pinned_flux_revisions(write):
    assert_clean(check(write, {"flux/sources.yaml": PINNED}, "gitops"))


def test_untrusted_flux_urls(write):
    files = {"flux/sources.yaml": (
        _object("GitRepository", "  url: ssh://git@github.com/acme/platform.git\n"
                                 "  ref: {tag: v1.0.0}\n")
        + _object("HelmRepository",
                  "  url: https://charts.example.net/stable  # <- gitops/untrusted-source\n")
        + _object("OCIRepository",
                  "  url: oci://docker.io/someone/manifests  # <- gitops/untrusted-source\n"
                  f"  ref: {{digest: '{DIGEST}'}}\n",
                  "source.toolkit.fluxcd.io/v1beta2"))}
    config = "gitops:\n  allowed: ['git@github.com:acme/*']\n"
    assert_findings(check(write, files, "gitops/untrusted-source", config=config), files, "error")
    allowed = "gitops:\n  allowed: [github.com/acme, charts.example.net, docker.io/someone]\n"
    assert_clean(check(write, files, "gitops/untrusted-source", config=allowed))


@pytest.mark.parametrize("url, normalised", [
    ("https://github.com/acme/apps.git", "github.com/acme/apps"),
    ("https://github.com/acme/apps/", "github.com/acme/apps"),
    ("git@github.com:acme/apps.git", "github.com/acme/apps"),
    ("ssh://git@github.com/acme/apps", "github.com/acme/apps"),
    ("ssh://git@github.com:22/acme/apps", "github.com/acme/apps"),
    ("ssh://git@gitlab.example.com:2222/group/sub/apps.git",
     "gitlab.example.com:2222/group/sub/apps"),
    ("https://user:token@GitHub.com/Acme/Apps", "github.com/acme/apps"),
    ("https://github.com:443/acme/apps?ref=main", "github.com/acme/apps"),
    ("oci://ghcr.io/acme/charts", "ghcr.io/acme/charts"),
    ("registry-1.docker.io/bitnamicharts", "registry-1.docker.io/bitnamicharts"),
    ("localhost:5000/charts", "localhost:5000/charts"),
    ("https://charts.bitnami.com/bitnami", "charts.bitnami.com/bitnami"),
])
def test_source_urls_normalise_to_host_and_path(url, normalised):
    assert normalise_source_url(url) == normalised
