from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/restricted-proc-mount"

VIOLATING = """
hostUsers: false
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      procMount: Unmasked  # <- pss/restricted-proc-mount
  - name: ok
    image: nginx:1.27
    securityContext:
      procMount: Default
"""

COMPLIANT = """
hostUsers: false
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      procMount: Default
  - name: plain
    image: busybox:1.36
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_unmasked_proc_in_user_namespaced_pod_is_an_error_at_restricted(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    assert findings[0]["path"].endswith("containers[0].securityContext.procMount")


@pytest.mark.parametrize("kind", WRAPPERS)
def test_default_proc_mount_passes(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE, *RESTRICTED))


def test_is_a_warning_below_restricted(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE), text, severity="warning")


def test_control_starts_at_v1_35(write):
    # Before v1.35 the baseline rule forbids Unmasked for every pod.
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.35"), text)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.34"))


def test_pods_sharing_host_users_are_left_to_the_baseline_rule(write):
    text = as_pod(VIOLATING.replace("hostUsers: false\n", ""))
    assert_clean(run_rule(write, text, RULE, *RESTRICTED))
