from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/baseline-capabilities"

VIOLATING = """
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      capabilities:
        drop: ["ALL"]
        add:
          - NET_BIND_SERVICE
          - SYS_ADMIN  # <- pss/baseline-capabilities
          - CAP_CHOWN  # <- pss/baseline-capabilities
          - chown  # <- pss/baseline-capabilities
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      capabilities: {add: [CHOWN, NET_RAW]}  # <- pss/baseline-capabilities @NET_RAW
ephemeralContainers:
  - name: debug
    image: busybox:1.36
    securityContext:
      capabilities:
        add: ["ALL"]  # <- pss/baseline-capabilities @"ALL"
"""

COMPLIANT = """
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      capabilities:
        add: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,
              NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]
        drop: [SYS_ADMIN, NET_RAW]
  - name: sidecar
    image: envoy:1.30
    securityContext:
      capabilities:
        add: []
  - name: plain
    image: busybox:1.36
    securityContext:
      capabilities: null
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_each_added_capability_outside_the_list_is_an_error_at_its_item(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert all(".securityContext.capabilities.add[" in f["path"] for f in findings)
    web = [f for f in findings if '"SYS_ADMIN"' in f["message"]]
    assert web and web[0]["message"].startswith('container "web" adds capability "SYS_ADMIN"')
    assert "AUDIT_WRITE, CHOWN" in web[0]["message"]


@pytest.mark.parametrize("kind", WRAPPERS)
def test_baseline_capabilities_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


def test_windows_and_user_namespaced_pods_are_not_exempt(write):
    # The user-namespace relaxation for capabilities (kubernetes#125198) was never merged,
    # and the baseline check has no OS exemption.
    text = as_pod("""
os: {name: windows}
hostUsers: false
containers:
  - name: web
    image: example/web:1
    securityContext:
      capabilities:
        add: [NET_ADMIN]  # <- pss/baseline-capabilities @NET_ADMIN
""")
    assert_marked(run_rule(write, text, RULE), text)


def test_windows_pods_pass_when_restricted_is_enforced(write):
    # Enforcing restricted replaces this check by capabilities_restricted, which admits
    # Windows pods from v1.25 on; before v1.25 (and at baseline) the pod is rejected.
    text = as_pod("""
os: {name: windows}
containers:
  - name: web
    image: example/web:1
    securityContext:
      capabilities:
        add: [NET_ADMIN]  # <- pss/baseline-capabilities @NET_ADMIN
""")
    assert_clean(run_rule(write, text, RULE, *RESTRICTED))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.24"), text)
