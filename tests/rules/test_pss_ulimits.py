from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/ulimits"

VIOLATING = """
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      ulimits:  # <- pss/ulimits
        core: {soft: 0, hard: 0}
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      runAsNonRoot: true
      ulimits:  # <- pss/ulimits
        nofile:
          soft: 1024
          hard: 1048576
  - name: empty
    image: nginx:1.27
    securityContext: {ulimits: {}}  # <- pss/ulimits @ulimits
ephemeralContainers:
  - name: debug
    image: busybox:1.36
    securityContext:
      ulimits: [{name: nofile, soft: 1, hard: 2}]  # <- pss/ulimits
"""

COMPLIANT = """
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      ulimits: null
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      allowPrivilegeEscalation: false
  - name: plain
    image: nginx:1.27
ephemeralContainers:
  - name: debug
    image: busybox:1.36
    securityContext: {ulimits: []}
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_each_container_setting_ulimits_is_an_error_at_the_field(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert [f["path"].rsplit(".", 2)[-2:] for f in findings] == [["securityContext", "ulimits"]] * 4
    assert findings[1]["message"] == (
        'container "web" sets securityContext.ulimits: remove it; only the privileged level '
        'lets a container raise or pin its own resource limits')


@pytest.mark.parametrize("kind", WRAPPERS)
def test_containers_without_ulimits_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


def test_restricted_includes_the_baseline_control(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE, *RESTRICTED), text)


def test_control_starts_at_v1_37(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE, "--pss-version", "v1.37"), text)
    assert_marked(run_rule(write, text, RULE, "--pss-version", "v1.40"), text)
    assert_clean(run_rule(write, text, RULE, "--pss-version", "v1.36"))
    assert_clean(run_rule(write, text, RULE, *RESTRICTED, "--pss-version", "v1.36"))
    assert_clean(run_rule(write, text, RULE, "--pss-version", "v1.0"))
