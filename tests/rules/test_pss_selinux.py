from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import assert_marked, run_rule

RULE = "pss/selinux"

VIOLATING = """
securityContext:
  seLinuxOptions:
    type: spc_t  # <- pss/selinux
    level: "s0:c123,c456"
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      seLinuxOptions:
        type: container_t
        user: system_u  # <- pss/selinux
        role: system_r  # <- pss/selinux
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      seLinuxOptions: {type: unconfined_t}  # <- pss/selinux @type
"""

COMPLIANT = """
securityContext:
  seLinuxOptions:
    level: "s0:c123,c456"
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      seLinuxOptions: {type: container_t, user: "", role: ""}
  - name: kvm
    image: kubevirt/virt-launcher:1
    securityContext:
      seLinuxOptions: {type: container_kvm_t}
  - name: engine
    image: docker:27-dind
    securityContext:
      seLinuxOptions: {type: container_engine_t}
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      seLinuxOptions: {type: container_init_t}
ephemeralContainers:
  - name: debug
    image: busybox:1.36
    securityContext:
      seLinuxOptions: {type: ""}
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_custom_selinux_type_user_and_role_are_errors_at_each_field(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert sorted(f["path"].rsplit(".", 1)[-1] for f in findings) == ["role", "type", "type",
                                                                       "user"]


@pytest.mark.parametrize("kind", WRAPPERS)
def test_container_types_and_levels_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


ENGINE = """
containers:
  - name: engine
    image: docker:27-dind
    securityContext:
      seLinuxOptions:
        type: container_engine_t  # <- pss/selinux
"""


def test_container_engine_t_is_allowed_from_v1_31(write):
    text = as_pod(ENGINE)
    assert_marked(run_rule(write, text, RULE, "--pss-version", "v1.30"), text)
    assert_clean(run_rule(write, text, RULE, "--pss-version", "v1.31"))
    assert_clean(run_rule(write, text, RULE))


def test_pod_level_bad_type_fails_even_when_containers_override(write):
    text = as_pod("""
securityContext:
  seLinuxOptions: {type: spc_t}  # <- pss/selinux @type
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      seLinuxOptions: {type: container_t}
""")
    assert_marked(run_rule(write, text, RULE), text)
