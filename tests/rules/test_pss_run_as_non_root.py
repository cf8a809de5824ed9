from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/run-as-non-root"

VIOLATING = """
securityContext:
  runAsNonRoot: false  # <- pss/run-as-non-root
containers:
  - name: web  # <- pss/run-as-non-root
    image: nginx:1.27
  - name: sidecar
    image: envoy:1.30
    securityContext:
      runAsNonRoot: true
  - name: root
    image: busybox:1.36
    securityContext:
      runAsNonRoot: false  # <- pss/run-as-non-root
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:  # <- pss/run-as-non-root
      runAsUser: 1000
"""

COMPLIANT = """
securityContext:
  runAsNonRoot: true
containers:
  - name: web
    image: nginx:1.27
  - name: sidecar
    image: envoy:1.30
    securityContext:
      runAsNonRoot: true
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      runAsUser: 1000
"""

USERNS = """
hostUsers: false
containers:
  - name: web  # <- pss/run-as-non-root
    image: nginx:1.27
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_false_or_not_inherited_true_is_an_error_per_setter_and_container(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    assert all(f["path"].endswith("securityContext.runAsNonRoot") for f in findings)
    messages = sorted(f["message"] for f in findings)
    assert "pod sets securityContext.runAsNonRoot=false: set it to true" in messages
    assert any(m.startswith('container "web" does not set securityContext.runAsNonRoot=true '
                            'and the pod sets it to false') for m in messages)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_pod_level_true_covers_containers_that_leave_it_unset(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE, *RESTRICTED))


def test_is_a_warning_below_restricted(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE), text, severity="warning")


def test_container_false_overrides_pod_true_and_still_fails(write):
    text = as_pod("""
securityContext:
  runAsNonRoot: true
containers:
  - name: web
    image: nginx:1.27
    securityContext: {runAsNonRoot: false}  # <- pss/run-as-non-root @runAsNonRoot
  - name: sidecar
    image: envoy:1.30
""")
    assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)


def test_pod_false_fails_even_when_every_container_sets_true(write):
    text = as_pod("""
securityContext:
  runAsNonRoot: false  # <- pss/run-as-non-root
containers:
  - name: web
    image: nginx:1.27
    securityContext: {runAsNonRoot: true}
""")
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    assert findings[0]["path"].endswith("spec.securityContext.runAsNonRoot")


def test_run_as_user_alone_does_not_satisfy_the_control(write):
    text = as_pod("""
securityContext:
  runAsUser: 1000
containers:
  - name: web  # <- pss/run-as-non-root
    image: nginx:1.27
""")
    assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_user_namespaced_pods_are_exempt_from_v1_35(write, kind):
    text = WRAPPERS[kind](USERNS)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED))
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.35"))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.34"), text)


def test_windows_pods_are_not_exempt(write):
    text = as_pod("os: {name: windows}\n" + USERNS.replace("hostUsers: false\n", ""))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
