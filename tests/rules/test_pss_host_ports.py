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
    # No allow-list or range: even a high port is forbidden; 0 means "no host port".
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
