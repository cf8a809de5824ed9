from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/run-as-user"

VIOLATING = """
securityContext:
  runAsUser: 0  # <- pss/run-as-user
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      runAsUser: 1000
  - name: root
    image: busybox:1.36
    securityContext: {runAsUser: 0}  # <- pss/run-as-user @runAsUser
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      runAsUser: 0  # <- pss/run-as-user
"""

COMPLIANT = """
securityContext:
  runAsUser: 1000
containers:
  - name: web
    image: nginx:1.27
  - name: sidecar
    image: envoy:1.30
    securityContext:
      runAsUser: 101
      runAsGroup: 0
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_uid_zero_is_an_error_at_each_setter(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    assert all(f["path"].endswith("securityContext.runAsUser") for f in findings)
    assert any(f["message"].startswith("pod sets securityContext.runAsUser=0") for f in findings)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_unset_or_non_zero_uids_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE, *RESTRICTED))


def test_is_a_warning_below_restricted(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE), text, severity="warning")


def test_control_starts_at_v1_23(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.23"), text)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.22"))


def test_pod_level_zero_fails_even_when_every_container_sets_another_uid(write):
    text = as_pod("""
securityContext:
  runAsUser: 0  # <- pss/run-as-user
containers:
  - name: web
    image: nginx:1.27
    securityContext: {runAsUser: 1000}
""")
    assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)


def test_user_namespaced_pods_are_exempt_from_v1_35(write):
    text = as_pod("""
hostUsers: false
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      runAsUser: 0  # <- pss/run-as-user
""")
    assert_clean(run_rule(write, text, RULE, *RESTRICTED))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.34"), text)


def test_false_is_not_uid_zero(write):
    # In Python False == 0; a boolean is not a UID.
    text = as_pod("""
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      runAsUser: false
""")
    assert_clean(run_rule(write, text, RULE, *RESTRICTED))
