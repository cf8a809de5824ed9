from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/privilege-escalation"

VIOLATING = """
containers:
  - name: web  # <- pss/privilege-escalation
    image: nginx:1.27
  - name: sidecar
    image: envoy:1.30
    securityContext:  # <- pss/privilege-escalation
      runAsNonRoot: true
  - name: escalates
    image: busybox:1.36
    securityContext:
      allowPrivilegeEscalation: true  # <- pss/privilege-escalation
initContainers:
  - name: init
    image: busybox:1.36
    securityContext: {allowPrivilegeEscalation: false}
ephemeralContainers:
  - name: debug
    image: busybox:1.36
    securityContext: null  # <- pss/privilege-escalation
"""

COMPLIANT = """
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      allowPrivilegeEscalation: false
initContainers:
  - name: init
    image: busybox:1.36
    securityContext: {allowPrivilegeEscalation: False}
"""

WINDOWS = """
os:
  name: windows
containers:
  - name: web  # <- pss/privilege-escalation
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_missing_or_true_is_an_error_at_the_field_or_its_nearest_parent(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    assert all(f["path"].endswith("securityContext.allowPrivilegeEscalation") for f in findings)
    assert {f["fix"] for f in findings} == {"allowPrivilegeEscalation: false"}
    web = [f for f in findings if '"web"' in f["message"]][0]
    assert web["message"] == ('container "web" must set securityContext.allowPrivilegeEscalation='
                              'false but does not set it: add allowPrivilegeEscalation: false')


@pytest.mark.parametrize("kind", WRAPPERS)
def test_explicit_false_passes(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE, *RESTRICTED))


def test_is_a_warning_below_restricted(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE), text, severity="warning")


def test_windows_pods_are_exempt_from_v1_25(write):
    text = as_pod(WINDOWS)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED))
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.25"))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.24"), text)


def test_linux_and_unset_os_are_checked(write):
    text = as_pod(WINDOWS.replace("name: windows", "name: linux"))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)


def test_user_namespaced_pods_are_not_exempt(write):
    text = as_pod("hostUsers: false\n" + WINDOWS.replace("os:\n  name: windows\n", ""))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)


def test_control_starts_at_v1_8(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.8"), text)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.7"))
