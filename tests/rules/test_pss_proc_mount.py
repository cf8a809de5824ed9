from __future__ import annotations

import pytest

from tests.rules.pss_cases import WRAPPERS, as_pod
from tests.conftest import assert_clean
from tests.rules.pss_helpers import RESTRICTED, assert_marked, run_rule

RULE = "pss/proc-mount"

VIOLATING = """
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      procMount: Unmasked  # <- pss/proc-mount
  - name: blank
    image: nginx:1.27
    securityContext: {procMount: ""}  # <- pss/proc-mount @procMount
initContainers:
  - name: init
    image: busybox:1.36
    securityContext:
      procMount: Default
"""

COMPLIANT = """
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      procMount: Default
  - name: sidecar
    image: envoy:1.30
    securityContext:
      procMount: null
  - name: plain
    image: busybox:1.36
"""

USERNS = """
hostUsers: false
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      procMount: Unmasked  # <- pss/proc-mount
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_non_default_proc_mount_is_an_error_at_the_field(write, kind):
    text = WRAPPERS[kind](VIOLATING)
    findings = assert_marked(run_rule(write, text, RULE), text)
    assert all(f["path"].endswith("securityContext.procMount") for f in findings)
    assert {f["fix"] for f in findings} == {"procMount: Default"}


@pytest.mark.parametrize("kind", WRAPPERS)
def test_default_proc_mount_passes(write, kind):
    assert_clean(run_rule(write, WRAPPERS[kind](COMPLIANT), RULE))


@pytest.mark.parametrize("kind", WRAPPERS)
def test_user_namespaced_pods_are_exempt_from_v1_35(write, kind):
    text = WRAPPERS[kind](USERNS)
    assert_clean(run_rule(write, text, RULE))
    assert_clean(run_rule(write, text, RULE, "--pss-version", "v1.35"))
    assert_marked(run_rule(write, text, RULE, "--pss-version", "v1.34"), text)


def test_only_an_explicit_host_users_false_exempts(write):
    text = as_pod(USERNS.replace("hostUsers: false", "hostUsers: true"))
    assert_marked(run_rule(write, text, RULE), text)
    text = as_pod(USERNS.replace("hostUsers: false", "hostUsers: null"))
    assert_marked(run_rule(write, text, RULE), text)


def test_each_unmasked_container_is_reported_once_at_restricted(write):
    # The baseline and the restricted /proc rules split the pods between them.
    for version, rule in (("latest", "pss/restricted-proc-mount"), ("v1.34", "pss/proc-mount")):
        text = as_pod(USERNS.replace("pss/proc-mount", rule))
        run = run_rule(write, text, "pss/proc-mount,pss/restricted-proc-mount", *RESTRICTED,
                       "--pss-version", version)
        assert_marked(run, text)
