from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/seccomp-required"

VIOLATING = """
containers:
  - name: web  # <- pss/seccomp-required
    image: nginx:1.27
  - name: sidecar
    image: envoy:1.30
    securityContext:  # <- pss/seccomp-required
      runAsNonRoot: true
  - name: confined
    image: busybox:1.36
    securityContext:
      seccompProfile: {type: RuntimeDefault}
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      seccompProfile: null  # <- pss/seccomp-required
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
"""

WINDOWS = """
os: {name: windows}
containers:
  - name: web  # <- pss/seccomp-required
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_containers_without_a_profile_are_errors_at_the_nearest_parent(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    assert all(f["path"].endswith("securityContext.seccompProfile") for f in findings)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_pod_level_profile_covers_the_containers(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE, *RESTRICTED))


def test_is_a_warning_below_restricted(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE), text, severity="warning")


def test_explicit_bad_values_are_left_to_seccomp_unconfined(write):
    # Each problem once: the explicit Unconfined is the baseline rule's; a container
    # without a profile under an invalid pod type is this rule's.
    text = as_pod("""
securityContext:
  seccompProfile: {type: Unconfined}  # <- pss/seccomp-unconfined @type
containers:
  - name: web  # <- pss/seccomp-required
    image: nginx:1.27
  - name: sidecar
    image: envoy:1.30
    securityContext:
      seccompProfile: {type: Unconfined}  # <- pss/seccomp-unconfined @type
  - name: ok
    image: envoy:1.30
    securityContext:
      seccompProfile: {type: RuntimeDefault}
""")
    run = run_rule(write, text, "pss/seccomp-required,pss/seccomp-unconfined", *RESTRICTED)
    assert_marked(run, text)


def test_windows_pods_are_exempt_from_v1_25(write):
    text = as_pod(WINDOWS)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED))
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.25"))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.24"), text)


def test_control_starts_at_v1_19(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.19"), text)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.18"))


def test_user_namespaced_pods_are_not_exempt(write):
    text = as_pod("hostUsers: false\n" + WINDOWS.replace("os: {name: windows}\n", ""))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
