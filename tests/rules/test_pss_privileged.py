from __future__ import annotations

import pytest

from tests.conftest import expected_positions, found_positions, run_cli
from tests.rules.pss_cases import WRAPPERS

VIOLATING = """
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      privileged: true  # <- pss/privileged
initContainers:
  - name: init
    image: busybox:1.36
    securityContext: {privileged: true}  # <- pss/privileged @privileged
"""

COMPLIANT = """
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      privileged: false
  - name: sidecar
    image: envoy:1.30
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_privileged_container_is_an_error_at_the_field(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    root = write({"w.yaml": text})
    run = run_cli("check", "--select", "pss/privileged", "--format", "json", "w.yaml", cwd=root)
    assert run.exit_code == 1
    report = run.json()
    assert found_positions(report) == expected_positions(text)
    assert {f["severity"] for f in report["findings"]} == {"error"}
    assert report["findings"][0]["path"].endswith("securityContext.privileged")


@pytest.mark.parametrize("kind", WRAPPERS)
def test_unprivileged_containers_pass(write, kind):
    root = write({"w.yaml": WRAPPERS[kind](COMPLIANT)})
    run = run_cli("check", "--select", "pss/privileged", "--format", "json", "w.yaml", cwd=root)
    assert run.exit_code == 0
    assert run.json()["findings"] == []
