"""The PSS rule set as a whole: registration, documentation, robustness."""
from __future__ import annotations

import importlib

import pytest
import yaml

from policygate.model import Severity
from policygate.rules import all_rules
from tests.conftest import run_cli
from tests.rules.pss_cases import WRAPPERS

EXPECTED = [
    ("host_process", "pss/host-process", "baseline"),
    ("host_namespaces", "pss/host-namespaces", "baseline"),
    ("privileged", "pss/privileged", "baseline"),
    ("baseline_capabilities", "pss/baseline-capabilities", "baseline"),
    ("host_path_volumes", "pss/host-path-volumes", "baseline"),
    ("host_ports", "pss/host-ports", "baseline"),
    ("apparmor", "pss/apparmor", "baseline"),
    ("selinux", "pss/selinux", "baseline"),
    ("proc_mount", "pss/proc-mount", "baseline"),
    ("seccomp_unconfined", "pss/seccomp-unconfined", "baseline"),
    ("sysctls", "pss/sysctls", "baseline"),
    ("host_probes", "pss/host-probes", "baseline"),
    ("volume_types", "pss/volume-types", "restricted"),
    ("privilege_escalation", "pss/privilege-escalation", "restricted"),
    ("run_as_non_root", "pss/run-as-non-root", "restricted"),
    ("run_as_user", "pss/run-as-user", "restricted"),
    ("seccomp_required", "pss/seccomp-required", "restricted"),
    ("restricted_capabilities", "pss/restricted-capabilities", "restricted"),
    ("restricted_proc_mount", "pss/restricted-proc-mount", "restricted"),
]


def test_every_control_is_registered_in_order():
    pss = [(rule.id, rule.level) for rule in all_rules() if rule.family == "pss"]
    # pss/namespace-admission judges Namespaces, not pods: it is no control of a level.
    assert pss == [(rule_id, level) for _, rule_id, level in EXPECTED] + \
        [("pss/namespace-admission", None)]


@pytest.mark.parametrize(("module", "rule_id", "level"), EXPECTED)
def test_rule_metadata_and_doc(module, rule_id, level):
    rule = importlib.import_module(f"policygate.rules.pss.{module}").RULE
    assert rule.id == rule_id and rule.level == level and rule.scope == "pod"
    assert rule.severity == (Severity.ERROR if level == "baseline" else Severity.WARNING)
    assert rule.summary == rule.summary.lower() and "\n" not in rule.summary
    assert "Pod Security Standards" in rule.doc.rationale
    assert rule.doc.fix
    for snippet in (rule.doc.bad, rule.doc.good):
        assert isinstance(yaml.safe_load(snippet), dict)


MALFORMED = """
hostNetwork: "yes please"
hostUsers: "false"
os: windows
securityContext: [runAsNonRoot, true]
volumes: {name: data}
containers:
  - name: web
    image: nginx:1.27
    securityContext:
      capabilities: [SYS_ADMIN]
      seccompProfile: Unconfined
      seLinuxOptions: spc_t
      appArmorProfile: unconfined
      windowsOptions: []
      allowPrivilegeEscalation: "false"
    ports: 80
    livenessProbe: http
    lifecycle: {postStart: [1], preStop: {httpGet: "x"}}
  - just a string
  - name: [not, a, string]
    securityContext: "restricted"
    ports: [80, {hostPort: [1]}, {hostPort: abc}]
    readinessProbe: {httpGet: [], tcpSocket: null}
  - null
initContainers: {name: init}
ephemeralContainers: 7
"""


@pytest.mark.parametrize("kind", WRAPPERS)
def test_malformed_values_never_crash_a_rule(write, kind):
    root = write({"w.yaml": WRAPPERS[kind](MALFORMED, "container.apparmor.security.beta."
                                                      "kubernetes.io/web: [a]\n1: 2\n")})
    for version in ("latest", "v1.18", "v1.24"):
        run = run_cli("check", "--select", "pss", "--pss-level", "restricted", "--pss-version",
                      version, "--format", "json", "w.yaml", cwd=root)
        assert run.exit_code in (0, 1), run.stderr
        assert "internal error" not in run.stderr
        for finding in run.json()["findings"]:
            assert "\n" not in finding["message"]


def test_compliant_restricted_pod_has_no_findings_at_all(write):
    spec = """
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  seccompProfile: {type: RuntimeDefault}
  appArmorProfile: {type: RuntimeDefault}
  sysctls:
    - {name: net.ipv4.ip_unprivileged_port_start, value: "0"}
containers:
  - name: web
    image: nginx:1.27
    ports:
      - containerPort: 8080
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
        add: ["NET_BIND_SERVICE"]
volumes:
  - name: tmp
    emptyDir: {}
"""
    for kind, wrap in WRAPPERS.items():
        root = write({"w.yaml": wrap(spec)})
        for version in ("latest", "v1.0", "v1.18", "v1.25", "v1.34"):
            run = run_cli("check", "--select", "pss", "--pss-level", "restricted",
                          "--pss-version", version, "--format", "json", "w.yaml", cwd=root)
            assert (kind, version, run.json()["findings"]) == (kind, version, [])
            assert run.exit_code == 0
