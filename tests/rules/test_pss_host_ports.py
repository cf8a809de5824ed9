from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import assert_marked, run_rule

RULE = "pss/host-ports"

VIOLATING = """
containers:
  - name: web
    image: nginx:1.27
    ports:
      - containerPort: 80
        hostPort: 8080  # <- pss/host-ports
      - containerPort: 443
        hostPort: 0
      - {containerPort: 9090, hostPort: 9090}  # <- pss/host-ports @hostPort
initContainers:
  - name: init
    image: busybox:1.36
    ports:
      - containerPort: 53
        protocol: UDP
        hostPort: 53  # <- pss/host-ports
ephemeralContainers:
  - name: debug
    image: busybox:1.36
    ports:
      - containerPort: 22
        hostPort: "2222"  # <- pss/host-ports
"""

COMPLIANT = """
containers:
  - name: web
    image: nginx:1.27
    ports:
      - containerPort: 80
      - containerPort: 443
        hostPort: 0
  - name: sidecar
    image: envoy:1.30
    ports: []
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_each_non_zero_host_port_is_an_error_at_the_field(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert all(f["path"].endswith(".hostPort") for f in findings)
    assert any(f["message"].startswith('container "web" uses hostPort 8080') for f in findings)
    assert any(f["message"].startswith('ephemeral container "debug" uses hostPort 2222')
               for f in findings)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_zero_or_unset_host_ports_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


def test_host_port_zero_is_unset_but_any_other_value_is_forbidden(write):
    # Without an `allowed` list even a high port is forbidden; 0 means "no host port".
    text = as_pod("""
containers:
  - name: web
    image: nginx:1.27
    ports:
      - {containerPort: 1, hostPort: 0}
      - {containerPort: 2, hostPort: 65535}  # <- pss/host-ports @hostPort
      - {containerPort: 3, hostPort: null}
""")
    assert_marked(run_rule(write, text, RULE), text)


ALLOWED = """
containers:
  - name: node-exporter
    image: prom/node-exporter:v1.8.2
    ports:
      - {containerPort: 9100, hostPort: 9100}
      - {containerPort: 9101, hostPort: 9101}  # <- pss/host-ports @hostPort
initContainers:
  - name: dns
    image: busybox:1.36
    ports:
      - {containerPort: 53, hostPort: 53, protocol: UDP}
"""


def test_ports_on_the_configured_known_list_pass_and_others_still_fail(write):
    write({".policygate.yaml": "rules:\n  pss/host-ports: {params: {allowed: [9100, 53]}}\n"})
    text = as_pod(ALLOWED)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert findings[0]["message"].startswith('container "node-exporter" uses hostPort 9101')


def test_family_params_reach_the_rule_and_the_rule_own_params_win(write):
    write({".policygate.yaml": "rules:\n  pss: {params: {allowed: [9101]}}\n"
                               "  pss/host-ports: {params: {allowed: [9100, 53]}}\n"})
    text = as_pod(ALLOWED)
    assert_marked(run_rule(write, text, RULE), text)
    write({".policygate.yaml": "rules:\n  pss: {params: {allowed: [9100, 9101, 53]}}\n"})
    assert_clean(run_rule(write, text, RULE))
