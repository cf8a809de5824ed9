from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import assert_marked, run_rule

RULE = "pss/host-namespaces"

VIOLATING = """
hostNetwork: true  # <- pss/host-namespaces
hostPID: True  # <- pss/host-namespaces
hostIPC: true  # <- pss/host-namespaces
containers:
  - name: web
    image: nginx:1.27
"""

COMPLIANT = """
hostNetwork: false
hostIPC: false
containers:
  - name: web
    image: nginx:1.27
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_each_host_namespace_is_one_error_at_its_field(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert sorted(f["path"].rsplit(".", 1)[-1] for f in findings) == ["hostIPC", "hostNetwork",
                                                                       "hostPID"]
    assert {f["fix"] for f in findings} == {"hostNetwork: false", "hostPID: false",
                                            "hostIPC: false"}


@pytest.mark.parametrize("kind", WRAPPERS)
def test_no_host_namespaces_pass(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


def test_only_the_field_set_to_true_is_reported(write):
    text = as_pod("""
hostNetwork: false
hostPID: true  # <- pss/host-namespaces
containers:
  - name: web
    image: nginx:1.27
""")
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert "hostPID=true" in findings[0]["message"]


def test_windows_and_user_namespaced_pods_are_not_exempt(write):
    text = as_pod("""
os: {name: windows}
hostUsers: false
hostNetwork: true  # <- pss/host-namespaces
containers:
  - name: web
    image: nginx:1.27
""")
    assert_marked(run_rule(write, text, RULE), text)
