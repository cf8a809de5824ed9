"""Image rules on Kustomize `images:` overrides: each part points at its own field."""
from __future__ import annotations

from tests.conftest import assert_clean
from tests.provenance.helpers import DIGEST, assert_findings, check

HEADER = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"

OVERRIDES = f"""resources: [deployment.yaml]
images:
  - name: nginx
    newTag: latest  # <- image/latest-tag,image/not-pinned
  - name: redis
    newName: registry.example.com/mirror/redis
    newTag: 7.4  # <- image/not-pinned
  - name: app
    newName: ghcr.io/Acme/app  # <- image/invalid-reference
    newTag: "1.0"
  - name: api
    newTag: "2.0"
    digest: sha256:abc  # <- image/invalid-reference
  - name: web
    newName: registry.example.com/shop/web
    newTag: 1.10
    digest: {DIGEST}
  - name: worker
    newName: registry.example.com/shop/worker
"""

PINNED = f"""images:
  - name: nginx
    newName: registry.example.com/mirror/nginx
    newTag: 1.27.3
    digest: {DIGEST}
  - name: redis
    digest: {DIGEST}
  - name: worker
    newName: registry.example.com/shop/worker
"""

DIGESTS_EVERYWHERE = "images:\n  pinning:\n    paths: ['**']\n"


def test_overrides_of_a_kustomization_object(write):
    files = {"kustomization.yaml": HEADER + OVERRIDES}
    findings = assert_findings(check(write, files, "image", config=DIGESTS_EVERYWHERE), files)
    by_rule = {f["rule"]: f for f in findings}
    assert by_rule["image/not-pinned"]["message"] == (
        'images[1] override of "redis" image registry.example.com/mirror/redis:7.4 is not '
        'pinned to a digest, so what runs can change without a commit: add `digest: '
        'sha256:<digest>` to this override — get the digest with `docker buildx imagetools '
        'inspect registry.example.com/mirror/redis:7.4`')
    assert by_rule["image/not-pinned"]["fix"] == "digest: sha256:<digest>"
    assert by_rule["image/latest-tag"]["fix"] == "newTag: <version>"


def test_the_tag_is_read_as_written(write):
    """`newTag: 1.10` is the tag "1.10" (YAML would make it the number 1.1)."""
    files = {"kustomization.yaml": HEADER + "images:\n  - name: web\n"
                                            "    newTag: 1.10  # <- image/not-pinned\n"}
    findings = assert_findings(check(write, files, "image", config=DIGESTS_EVERYWHERE), files)
    assert "image nginx" not in findings[0]["message"]
    assert "image web:1.10 is not pinned" in findings[0]["message"]


def test_untrusted_new_name_points_at_new_name(write):
    files = {"kustomization.yaml": HEADER + """images:
  - name: redis
    newName: docker.io/bitnami/redis  # <- image/untrusted-registry
    newTag: 7.4
  - name: nginx
    newName: registry.example.com/mirror/nginx
  - name: registry.example.com/shop/web
    newTag: 1.4.2
"""}
    config = "images:\n  allowed: [registry.example.com]\n"
    assert_findings(check(write, files, "image/untrusted-registry", config=config), files,
                    "error")


def test_pinned_and_name_only_overrides_pass(write):
    assert_clean(check(write, {"kustomization.yaml": HEADER + PINNED}, "image",
                       config=DIGESTS_EVERYWHERE))


def test_kustomization_file_without_api_version(write):
    files = {"overlays/prod/kustomization.yaml": OVERRIDES}
    assert_findings(check(write, files, "image", config=DIGESTS_EVERYWHERE), files)


def test_kustomization_file_without_api_version_compliant(write):
    assert_clean(check(write, {"overlays/prod/kustomization.yaml": PINNED}, "image",
                       config=DIGESTS_EVERYWHERE))
