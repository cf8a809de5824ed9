from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import assert_marked, run_rule

RULE = "pss/apparmor"

ANNOTATIONS = """
container.apparmor.security.beta.kubernetes.io/web: unconfined  # <- pss/apparmor
container.apparmor.security.beta.kubernetes.io/sidecar: runtime/default
container.apparmor.security.beta.kubernetes.io/not-a-container: docker/default  # <- pss/apparmor
example.com/owner: team-a
"""

VIOLATING = """
securityContext:
  appArmorProfile:
    type: Unconfined  # <- pss/apparmor
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      appArmorProfile:
        type: RuntimeDefault
  - name: sidecar
    image: envoy:1.30
    securityContext:
      appArmorProfile: {}  # <- pss/apparmor
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      appArmorProfile: {type: unconfined}  # <- pss/apparmor @type
"""

COMPLIANT_ANNOTATIONS = """
container.apparmor.security.beta.kubernetes.io/web: runtime/default
container.apparmor.security.beta.kubernetes.io/sidecar: localhost/k8s-nginx
container.apparmor.security.beta.kubernetes.io/init: ""
"""

COMPLIANT = """
securityContext:
  appArmorProfile:
    type: RuntimeDefault
containers:
  - name: web
    image: nginx:1.27
  - name: sidecar
    image: envoy:1.30
    securityContext:
      appArmorProfile:
        type: Localhost
        localhostProfile: k8s-envoy
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      appArmorProfile: null
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_unconfined_fields_and_annotations_are_errors_where_set(write, kind):
    text = WRAPPERS[kind](VIOLATING, ANNOTATIONS)
    findings = assert_marked(run_rule(write, text, RULE), text)
    annotation_paths = [f["path"] for f in findings if "annotations" in f["path"]]
    prefix = {"Pod": "metadata", "Deployment": "spec.template.metadata",
              "CronJob": "spec.jobTemplate.spec.template.metadata"}[kind]
    assert annotation_paths
    assert all(path.startswith(prefix + ".annotations[") for path in annotation_paths)
    assert any(f["message"].startswith('pod sets securityContext.appArmorProfile.type to '
                                       '"Unconfined"') for f in findings)
    assert any('sets securityContext.appArmorProfile.type to ""' in f["message"] for f in findings)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_confined_profiles_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT, COMPLIANT_ANNOTATIONS), RULE))


def test_pod_level_unconfined_fails_even_when_every_container_overrides(write):
    text = as_pod("""
securityContext:
  appArmorProfile: {type: Unconfined}  # <- pss/apparmor @type
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      appArmorProfile: {type: RuntimeDefault}
""")
    assert_marked(run_rule(write, text, RULE), text)


def test_fields_are_checked_at_every_pinned_version(write):
    text = as_pod("""
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      appArmorProfile:
        type: Unconfined  # <- pss/apparmor
""", "container.apparmor.security.beta.kubernetes.io/web: unconfined  # <- pss/apparmor\n")
    assert_marked(run_rule(write, text, RULE, "--pss-version", "v1.10"), text)
