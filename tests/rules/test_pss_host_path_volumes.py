from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/host-path-volumes"

VIOLATING = """
containers:
  - name: web
    image: nginx:1.27
volumes:
  - name: docker
    hostPath:  # <- pss/host-path-volumes
      path: /var/run/docker.sock
      type: Socket
  - name: cache
    emptyDir: {}
  - {name: empty, hostPath: {}}  # <- pss/host-path-volumes @hostPath
"""

COMPLIANT = """
containers:
  - name: web
    image: nginx:1.27
volumes:
  - name: cache
    emptyDir: {}
  - name: config
    configMap:
      name: web
  - name: nulled
    hostPath: null
    emptyDir: {}
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_host_path_volume_is_an_error_at_the_host_path_key(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert all(f["path"].endswith("].hostPath") for f in findings)
    assert findings[0]["message"].startswith('volume "docker" mounts the host path '
                                             '"/var/run/docker.sock"')


@pytest.mark.parametrize("kind", WRAPPERS)
def test_other_volumes_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


def test_host_path_is_reported_once_at_restricted(write):
    # pss/volume-types leaves hostPath to this rule, so `--select pss` reports it once.
    text = as_pod("""
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      seccompProfile: {type: RuntimeDefault}
      capabilities: {drop: [ALL]}
volumes:
  - name: logs
    hostPath: {path: /var/log}  # <- pss/host-path-volumes @hostPath
""")
    assert_marked(run_rule(write, text, "pss", *RESTRICTED), text)
