from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/cgroup-options"

VIOLATING = """
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      cgroupOptions:
        mountMode: Writable  # <- pss/cgroup-options
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      cgroupOptions: {mountMode: ReadWrite}  # <- pss/cgroup-options @mountMode
  - name: blank
    image: nginx:1.27
    securityContext:
      cgroupOptions:
        mountMode: ""  # <- pss/cgroup-options
  - name: ok
    image: nginx:1.27
    securityContext:
      cgroupOptions: {mountMode: ReadOnly}
ephemeralContainers:
  - name: debug
    image: busybox:1.36
    securityContext:
      cgroupOptions:
        mountMode: Writable  # <- pss/cgroup-options
"""

COMPLIANT = """
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      cgroupOptions: {mountMode: ReadOnly}
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      cgroupOptions: {}
  - name: nulls
    image: nginx:1.27
    securityContext:
      cgroupOptions: {mountMode: null}
  - name: plain
    image: nginx:1.27
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_writable_cgroups_are_an_error_at_restricted(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    assert all(f["path"].endswith(".securityContext.cgroupOptions.mountMode") for f in findings)
    assert findings[0]["message"] == (
        'init container "init" sets securityContext.cgroupOptions.mountMode to "Writable": '
        'remove it or set it to ReadOnly')


@pytest.mark.parametrize("kind", WRAPPERS)
def test_read_only_or_unset_mount_mode_passes(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE, *RESTRICTED))


def test_is_a_warning_below_restricted(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE), text, severity="warning")
    run = run_rule(write, text, RULE, "--pss-warn-level", "none")
    assert_clean(run)


def test_control_starts_at_v1_38(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.38"), text)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.37"))
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.22"))
