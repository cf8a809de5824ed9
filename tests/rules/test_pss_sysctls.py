from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import assert_marked, run_rule

RULE = "pss/sysctls"

VIOLATING = """
securityContext:
  sysctls:
    - name: kernel.shm_rmid_forced
      value: "1"
    - name: kernel.msgmax  # <- pss/sysctls
      value: "65536"
    - name: ""  # <- pss/sysctls
      value: "1"
    - value: "1"  # <- pss/sysctls
    - {name: net.core.somaxconn, value: "1024"}  # <- pss/sysctls @name
containers:
  - name: web
    image: nginx:1.27
"""

COMPLIANT = """
securityContext:
  sysctls:
    - name: kernel.shm_rmid_forced
      value: "1"
    - name: net.ipv4.ip_local_port_range
      value: "1024 65535"
    - name: net.ipv4.tcp_syncookies
      value: "1"
    - name: net.ipv4.ping_group_range
      value: "0 2147483647"
    - name: net.ipv4.ip_unprivileged_port_start
      value: "0"
containers:
  - name: web
    image: nginx:1.27
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_each_unsafe_sysctl_is_an_error_at_its_name(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert all(f["path"].endswith(".name") and ".sysctls[" in f["path"] for f in findings)
    assert any(f["message"].startswith('pod sets sysctl ""') for f in findings)


@pytest.mark.parametrize("kind", WRAPPERS)
def test_safe_sysctls_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE, "--pss-version", "v1.0"))


@pytest.mark.parametrize(("name", "since", "before"), [
    ("net.ipv4.ip_local_reserved_ports", "v1.27", "v1.26"),
    ("net.ipv4.tcp_keepalive_time", "v1.29", "v1.28"),
    ("net.ipv4.tcp_fin_timeout", "v1.29", "v1.28"),
    ("net.ipv4.tcp_keepalive_intvl", "v1.29", "v1.28"),
    ("net.ipv4.tcp_keepalive_probes", "v1.29", "v1.28"),
    ("net.ipv4.tcp_rmem", "v1.32", "v1.31"),
    ("net.ipv4.tcp_wmem", "v1.32", "v1.30"),
    ("net.ipv4.tcp_slow_start_after_idle", "v1.37", "v1.36"),
    ("net.ipv4.tcp_notsent_lowat", "v1.37", "v1.32"),
])
def test_sysctls_added_per_version(write, name, since, before):
    text = as_pod(f"""
securityContext:
  sysctls:
    - name: {name}  # <- pss/sysctls
      value: "1"
containers:
  - name: web
    image: nginx:1.27
""")
    assert_marked(run_rule(write, text, RULE, "--pss-version", before), text)
    assert_clean(run_rule(write, text, RULE, "--pss-version", since))
    assert_clean(run_rule(write, text, RULE))
