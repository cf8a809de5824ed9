from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import assert_marked, run_rule

RULE = "pss/host-probes"

VIOLATING = """
containers:
  - name: web
    image: nginx:1.27
    livenessProbe:
      httpGet:
        host: 10.0.0.1  # <- pss/host-probes
        path: /healthz
        port: 8080
    readinessProbe:
      tcpSocket: {host: localhost, port: 8080}  # <- pss/host-probes @host
    startupProbe:
      httpGet:
        host: ""
        port: 8080
    lifecycle:
      postStart:
        httpGet:
          host: metadata.google.internal  # <- pss/host-probes
          port: 80
      preStop:
        tcpSocket:
          host: 127.0.0.1  # <- pss/host-probes
          port: 80
initContainers:
  - name: init
    image: busybox:1.36
    restartPolicy: Always
    startupProbe:
      tcpSocket:
        host: db.internal  # <- pss/host-probes
        port: 5432
"""

COMPLIANT = """
containers:
  - name: web
    image: nginx:1.27
    livenessProbe:
      httpGet:
        path: /healthz
        port: 8080
        httpHeaders:
          - {name: Host, value: example.com}
    readinessProbe:
      tcpSocket: {host: "", port: 8080}
    startupProbe:
      grpc: {port: 9000}
    lifecycle:
      postStart:
        exec:
          command: [sh, -c, "echo started"]
      preStop:
        sleep: {seconds: 5}
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_probe_and_hook_hosts_are_errors_at_the_host(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert all(f["path"].endswith(".host") for f in findings)
    assert any(f["message"].startswith('container "web" sets lifecycle.preStop.tcpSocket.host '
                                       'to "127.0.0.1"') for f in findings)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_probes_without_host_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


def test_control_starts_at_v1_34(write):
    text = as_pod(VIOLATING)
    assert_marked(run_rule(write, text, RULE, "--pss-version", "v1.34"), text)
    assert_clean(run_rule(write, text, RULE, "--pss-version", "v1.33"))
    assert_clean(run_rule(write, text, RULE, "--pss-version", "v1.30"))
