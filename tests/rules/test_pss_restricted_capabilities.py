from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/restricted-capabilities"

VIOLATING = """
containers:
  - name: web  # <- pss/restricted-capabilities
    image: nginx:1.27
  - name: lowercase
    image: envoy:1.30
    securityContext:
      capabilities:
        drop: [all]  # <- pss/restricted-capabilities
  - name: adds
    image: busybox:1.36
    securityContext:
      capabilities:
        drop: ["ALL"]
        add:
          - NET_BIND_SERVICE
          - CHOWN  # <- pss/restricted-capabilities
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:  # <- pss/restricted-capabilities
      runAsNonRoot: true
"""

COMPLIANT = """
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      capabilities:
        drop: ["ALL"]
        add: ["NET_BIND_SERVICE"]
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      capabilities:
        drop: [NET_RAW, ALL]
"""

WINDOWS = """
os: {name: windows}
containers:
  - name: web  # <- pss/restricted-capabilities
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_missing_drop_all_and_extra_adds_are_errors(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
    drops = [f for f in findings if f["path"].endswith("capabilities.drop")]
    assert len(drops) == 3
    assert {f["fix"] for f in drops} == {'drop: ["ALL"]', None}
    assert any(f["path"].endswith("capabilities.add[1]") for f in findings)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_drop_all_with_net_bind_service_passes(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE, *RESTRICTED))


def test_is_a_warning_below_restricted(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE), text, severity="warning")


def test_each_added_capability_is_reported_by_one_rule(write):
    text = as_pod("""
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      capabilities:
        drop: [ALL]
        add: [SYS_ADMIN, KILL, NET_BIND_SERVICE]
""")
    run = run_rule(write, text, "pss/baseline-capabilities,pss/restricted-capabilities",
                   *RESTRICTED)
    findings = run.json()["findings"]
    assert run.exit_code == 1
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "SYS_ADMIN" in row)
    row = text.splitlines()[line - 1]
    assert sorted((f["rule"], f["path"].rsplit(".", 1)[-1], f["line"], f["column"])
                  for f in findings) == [
        ("pss/baseline-capabilities", "add[0]", line, row.index("SYS_ADMIN") + 1),
        ("pss/restricted-capabilities", "add[1]", line, row.index("KILL") + 1)]


def test_control_starts_at_v1_22(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.22"), text)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.21"))


def test_windows_pods_are_exempt_from_v1_25(write):
    text = as_pod(WINDOWS)
    assert_clean(run_rule(write, text, RULE, *RESTRICTED))
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.25"))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.24"), text)


def test_user_namespaced_pods_are_not_exempt(write):
    text = as_pod("hostUsers: false\n" + WINDOWS.replace("os: {name: windows}\n", ""))
    assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)
