from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/seccomp-unconfined"

VIOLATING = """
securityContext:
  seccompProfile:
    type: Unconfined  # <- pss/seccomp-unconfined
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      seccompProfile:
        type: RuntimeDefault
  - name: sidecar
    image: envoy:1.30
    securityContext:
      seccompProfile: {type: Unconfined}  # <- pss/seccomp-unconfined @type
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      seccompProfile: {}  # <- pss/seccomp-unconfined
"""

COMPLIANT = """
securityContext:
  seccompProfile:
    type: RuntimeDefault
containers:
  - name: web
    image: nginx:1.27
  - name: sidecar
    image: envoy:1.30
    securityContext:
      seccompProfile:
        type: Localhost
        localhostProfile: profiles/envoy.json
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      seccompProfile: null
"""

ANNOTATIONS = """
seccomp.security.alpha.kubernetes.io/pod: unconfined  # <- pss/seccomp-unconfined
container.seccomp.security.alpha.kubernetes.io/web: ""  # <- pss/seccomp-unconfined
container.seccomp.security.alpha.kubernetes.io/sidecar: docker/default
container.seccomp.security.alpha.kubernetes.io/init: localhost/profiles/init.json
container.seccomp.security.alpha.kubernetes.io/ghost: unconfined
"""

ANNOTATED_SPEC = """
securityContext:
  seccompProfile: {type: Unconfined}
containers:
  - name: web
    image: nginx:1.27
  - name: sidecar
    image: envoy:1.30
initContainers:
  - name: init
    image: busybox:1.36
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_unconfined_profile_types_are_errors_at_the_type(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert all(f["path"].endswith("seccompProfile.type") for f in findings)
    assert {f["fix"] for f in findings} == {"type: RuntimeDefault"}


@pytest.mark.parametrize("kind", WRAPPERS)
def test_confined_or_unset_profiles_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


@pytest.mark.parametrize("kind", WRAPPERS)
def test_before_v1_19_the_annotations_are_checked_instead(write, kind):
    # The pod-level Unconfined field is not looked at below v1.19; a container annotation
    # counts only for a container that exists, and an empty value is forbidden.
    text = WRAPPERS[kind](ANNOTATED_SPEC, ANNOTATIONS)
    findings = assert_marked(run_rule(write, text, RULE, "--pss-version", "v1.18"), text)
    assert all(".annotations[" in f["path"] for f in findings)


def test_from_v1_19_the_annotations_are_ignored(write):
    text = as_pod(ANNOTATED_SPEC.replace("{type: Unconfined}",
                                         "{type: Unconfined}  # <- pss/seccomp-unconfined @type"),
                  ANNOTATIONS.replace("# <- pss/seccomp-unconfined", ""))
    assert_marked(run_rule(write, text, RULE, "--pss-version", "v1.19"), text)


def test_pod_level_unconfined_fails_even_when_every_container_overrides(write):
    text = as_pod("""
securityContext:
  seccompProfile: {type: Unconfined}  # <- pss/seccomp-unconfined @type
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      seccompProfile: {type: RuntimeDefault}
""")
    assert_marked(run_rule(write, text, RULE), text)


def test_windows_pods_pass_when_restricted_is_enforced(write):
    text = as_pod("""
os: {name: windows}
securityContext:
  seccompProfile: {type: Unconfined}  # <- pss/seccomp-unconfined @type
containers:
  - name: web
    image: example/web:1
""")
    assert_marked(run_rule(write, text, RULE), text)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED))
