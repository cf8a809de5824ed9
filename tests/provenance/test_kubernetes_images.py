"""Image rules on Kubernetes workloads: containers, initContainers and ephemeralContainers,
as a Pod, a Deployment and a CronJob (every nesting depth)."""
from __future__ import annotations

import pytest

from tests.conftest import assert_clean
from tests.provenance.helpers import DIGEST, assert_findings, check
from tests.rules.pss_cases import WRAPPERS

LATEST = f"""
containers:
  - name: web
    image: nginx  # <- image/latest-tag
  - name: sidecar
    image: envoyproxy/envoy:latest  # <- image/latest-tag
initContainers:
  - {{name: init, image: "busybox"}}  # <- image/latest-tag @image
ephemeralContainers:
  - name: debug
    image: busybox:latest  # <- image/latest-tag
  - name: pinned
    image: busybox:latest@{DIGEST}
"""

VERSIONED = f"""
containers:
  - name: web
    image: nginx:1.27
  - name: digest-only
    image: nginx@{DIGEST}
initContainers:
  - name: init
    image: registry.example.com:5000/tools/busybox:1.36
"""

UNPINNED = f"""
containers:
  - name: web
    image: nginx:1.27  # <- image/not-pinned
  - name: pinned
    image: nginx:1.27@{DIGEST}
initContainers:
  - name: init
    image: localhost:5000/busybox  # <- image/not-pinned
ephemeralContainers:
  - name: debug
    image: registry.example.com/tools/debug:2  # <- image/not-pinned
"""

UNTRUSTED = """
containers:
  - name: web
    image: nginx:1.27
  - name: cache
    image: bitnami/redis:7.4  # <- image/untrusted-registry
initContainers:
  - name: init
    image: REGISTRY.example.com/tools/busybox:1.36
ephemeralContainers:
  - name: debug
    image: ghcr.io/someone/debug:2  # <- image/untrusted-registry
"""

ALLOW = "images:\n  allowed: [nginx, registry.example.com]\n"


@pytest.mark.parametrize("kind", WRAPPERS)
def test_latest_or_missing_tag_warns_at_the_image(write, kind):
    files = {"w.yaml": WRAPPERS[kind](LATEST)}
    findings = assert_findings(check(write, files, "image/latest-tag"), files, "warning")
    assert findings[0]["message"] == (
        'container "web" image nginx has no tag, so it is :latest: whatever was pushed last '
        'runs, and nobody can tell which version that is — use a version tag pinned to its '
        'digest (nginx:<version>@sha256:<digest>; list versions with `skopeo list-tags '
        'docker://docker.io/library/nginx`)')
    assert findings[0]["path"].endswith("containers[0].image")


@pytest.mark.parametrize("kind", WRAPPERS)
def test_versioned_images_have_no_latest_finding(write, kind):
    assert_clean(check(write, {"w.yaml": WRAPPERS[kind](VERSIONED)}, "image"))


@pytest.mark.parametrize("kind", WRAPPERS)
def test_manifests_need_digests_only_where_configured(write, kind):
    files = {"deploy/w.yaml": WRAPPERS[kind](UNPINNED)}
    # Default: digests are required in Dockerfiles and workflows, not in manifests.
    assert_clean(check(write, files, "image/not-pinned"))
    config = "images:\n  pinning:\n    paths: [deploy/**]\n"
    findings = assert_findings(check(write, files, "image/not-pinned", config=config), files,
                               "warning")
    assert findings[0]["message"] == (
        'container "web" image nginx:1.27 is not pinned to a digest, so what runs can change '
        'without a commit: pin it as nginx:1.27@sha256:<digest> — get the digest with '
        '`docker buildx imagetools inspect nginx:1.27`')
    assert findings[0]["fix"] == "nginx:1.27@sha256:<digest>"
    assert findings[1]["message"].startswith(
        'init container "init" image localhost:5000/busybox is not pinned to a digest')
    assert "pin it as localhost:5000/busybox:<version>@sha256:<digest>" in findings[1]["message"]


@pytest.mark.parametrize("kind", WRAPPERS)
def test_pinning_paths_and_exemptions(write, kind):
    files = {"staging/w.yaml": WRAPPERS[kind](UNPINNED)}
    assert_clean(check(write, files, "image/not-pinned",
                       config="images:\n  pinning:\n    paths: [prod/**]\n"))
    config = ("images:\n  pinning:\n    paths: ['**']\n"
              "    exempt: [nginx, localhost:5000, registry.example.com/tools]\n")
    assert_clean(check(write, files, "image/not-pinned", config=config))


@pytest.mark.parametrize("kind", WRAPPERS)
def test_untrusted_registries_are_errors_when_an_allow_list_is_set(write, kind):
    files = {"w.yaml": WRAPPERS[kind](UNTRUSTED)}
    assert_clean(check(write, files, "image/untrusted-registry"))  # no allow-list: off
    findings = assert_findings(check(write, files, "image/untrusted-registry", config=ALLOW),
                               files, "error")
    assert findings[0]["message"] == (
        'container "cache" image bitnami/redis:7.4 comes from docker.io/bitnami/redis, which '
        'matches no entry of images.allowed (nginx, registry.example.com): use a copy in an '
        'allowed registry, or add a pattern for it to images.allowed in .policygate.yaml')


@pytest.mark.parametrize("kind", WRAPPERS)
def test_allowed_images_pass(write, kind):
    config = "images:\n  allowed: [nginx, bitnami/*, registry.example.com, ghcr.io/someone]\n"
    assert_clean(check(write, {"w.yaml": WRAPPERS[kind](UNTRUSTED)}, "image/untrusted-registry",
                       config=config))


def test_allow_list_patterns_are_anchored_and_segment_aware(write):
    spec = """
containers:
  - name: a
    image: evil.example/registry.example.com/app:1  # <- image/untrusted-registry
  - name: b
    image: registry.example.com.evil.example/app:1  # <- image/untrusted-registry
  - name: c
    image: ghcr.io/acme-evil/app:1  # <- image/untrusted-registry
  - name: d
    image: ghcr.io/acme/team/app:1
  - name: e
    image: docker.io/library/nginx:1.27
  - name: f
    image: nginx2:1  # <- image/untrusted-registry
"""
    files = {"w.yaml": WRAPPERS["Pod"](spec)}
    config = "images:\n  allowed: [registry.example.com, ghcr.io/acme, nginx]\n"
    assert_findings(check(write, files, "image/untrusted-registry", config=config), files,
                    "error")


@pytest.mark.parametrize("kind", WRAPPERS)
def test_invalid_references_in_every_container_field(write, kind):
    spec = """
containers:
  - name: web
    image: Nginx:1.27  # <- image/invalid-reference
initContainers:
  - name: init
    image: busybox@sha256:abc  # <- image/invalid-reference
ephemeralContainers:
  - name: debug
    image: "busybox:1.36 "  # <- image/invalid-reference
  - name: fine
    image: busybox:1.36
"""
    files = {"w.yaml": WRAPPERS[kind](spec)}
    findings = assert_findings(check(write, files, "image"), files, "error")
    assert findings[0]["message"] == (
        'container "web" image "Nginx:1.27" is not a valid image reference: repository names '
        "must be lower-case: write 'nginx:1.27'")


def test_a_container_without_an_image_is_not_judged(write):
    """Strategic-merge patches leave the image to the base manifest."""
    files = {"patch.yaml": WRAPPERS["Deployment"]("containers:\n  - name: web\n    env: []\n")}
    assert_clean(check(write, files, "image"))
