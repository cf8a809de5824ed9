from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import assert_marked, run_rule

RULE = "pss/host-process"

VIOLATING = """
os: {name: windows}
hostNetwork: true
securityContext:
  windowsOptions:
    hostProcess: true  # <- pss/host-process
containers:
  - name: web
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    securityContext:
      windowsOptions: {hostProcess: True}  # <- pss/host-process @hostProcess
initContainers:
  - name: init
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    securityContext:
      windowsOptions:
        runAsUserName: "NT AUTHORITY\\\\SYSTEM"
        hostProcess: true  # <- pss/host-process
"""

COMPLIANT = """
os: {name: windows}
securityContext:
  windowsOptions:
    hostProcess: false
containers:
  - name: web
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    securityContext:
      windowsOptions:
        runAsUserName: ContainerUser
  - name: sidecar
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    securityContext:
      windowsOptions: null
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_host_process_is_an_error_at_each_field(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert all(f["path"].endswith("windowsOptions.hostProcess") for f in findings)
    assert all(f["fix"] == "hostProcess: false" for f in findings)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_no_host_process_passes(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


def test_pod_level_true_fails_even_when_every_container_sets_false(write):
    text = as_pod("""
securityContext:
  windowsOptions: {hostProcess: true}  # <- pss/host-process @hostProcess
containers:
  - name: web
    image: example/web:1
    securityContext:
      windowsOptions: {hostProcess: false}
""")
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert findings[0]["message"].startswith("pod sets securityContext.windowsOptions.hostProcess")


def test_non_boolean_and_malformed_values_are_ignored(write):
    text = as_pod("""
securityContext:
  windowsOptions: "hostProcess"
containers:
  - name: web
    image: example/web:1
    securityContext:
      windowsOptions: {hostProcess: "true"}
""")
    assert_clean(run_rule(write, text, RULE))
