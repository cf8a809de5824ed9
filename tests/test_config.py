"""`.policygate.yaml`: every class of config error, and what each setting changes."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import run_cli

POD = """apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  hostNetwork: true
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        privileged: true
      ports:
        - containerPort: 80
          hostPort: 80
"""


@pytest.fixture(autouse=True)
def _no_validation_cache(monkeypatch):
    monkeypatch.setenv("POLICYGATE_NO_CACHE", "1")


@pytest.mark.parametrize("config, message", [
    ("rulez: {}\n",
     ".policygate.yaml:1:1: unknown key 'rulez' at the top level — did you mean 'rules'?"),
    ("pss:\n  levl: restricted\n",
     ".policygate.yaml:2:3: unknown key 'levl' in `pss` — did you mean 'level'?"),
    ("pss:\n  level: strict\n",
     ".policygate.yaml:2:3: `pss.level` is 'strict', expected one of baseline, restricted"),
    ("limits:\n  max_depth: ten\n",
     ".policygate.yaml:2:3: `limits.max_depth`: 'ten' is not of type 'integer'"),
    ("rules:\n  pss/privilegd: off\n",
     ".policygate.yaml:2:3: unknown rule or family 'pss/privilegd' — did you mean 'pss/privileged'?"),
    ("rules:\n  pss/privileged: warn\n",
     ".policygate.yaml:2:3: `rules[\"pss/privileged\"]` is 'warn': use off, error, warning, note"),
    ("rules:\n  pss/privileged: {severty: error}\n",
     ".policygate.yaml:2:20: unknown key 'severty' in `rules[\"pss/privileged\"]` — did you mean 'severity'?"),
    ("exceptions:\n  - rule: pss/privileged\n    files: ['a/**']\n",
     ".policygate.yaml:2:5: 'reason' is a required property in `exceptions[0]`"),
    ("exceptions:\n  - rule: pss/priviledged\n    reason: legacy\n",
     ".policygate.yaml:2:5: unknown rule or family 'pss/priviledged' — did you mean 'pss/privileged'?"),
    ("exceptions:\n  - rule: pss\n    reason: legacy\n    expires: 2026-02-30\n",
     ".policygate.yaml:4:5: `exceptions[0].expires` is '2026-02-30', which is not a date (day "
     "is out of range for month): expected YYYY-MM-DD, for example 2027-06-30"),
    ("exceptions:\n  - rule: pss\n    reason: legacy\n    expires: 30.06.2027\n",
     ".policygate.yaml:4:5: `exceptions[0].expires` is '30.06.2027': expected a date written "
     "YYYY-MM-DD, for example 2027-06-30"),
    ("pss: {level: [unclosed\n", ".policygate.yaml:1:14: a [...] list is not closed: add the "
     "missing ']' or a ',' between its items"),
    ("- rules\n", ".policygate.yaml:1:1: the config must be a mapping of settings"),
    ("pss: {}\n---\nrules: {}\n", ".policygate.yaml:3:1: the config must be a single YAML document"),
    ("pss: {}\npss: {level: restricted}\n", ".policygate.yaml:2:1: duplicate key 'pss'"),
    ("rules:\n  pss/host-ports:\n    params: {alowed: [80]}\n",
     ".policygate.yaml:3:14: pss/host-ports has no parameter 'alowed' — did you mean "
     "'allowed'? (valid: allowed)"),
    ("rules:\n  pss/privileged:\n    params: {allowed: [80]}\n",
     ".policygate.yaml:3:14: pss/privileged has no parameter 'allowed' (it takes none)"),
    ("rules:\n  pss/host-ports:\n    params:\n      allowed: [80, 70000]\n",
     ".policygate.yaml:4:21: `rules[\"pss/host-ports\"].params.allowed[1]`: 70000 is greater "
     "than the maximum of 65535"),
])
def test_config_errors_name_file_line_and_key_and_exit_2(write, config, message):
    root = write({".policygate.yaml": config, "pod.yaml": POD})
    run = run_cli("check", "pod.yaml", cwd=root)
    assert run.exit_code == 2
    assert run.stdout == ""
    assert f"policygate: error: {message}" in run.stderr


def test_every_schema_error_is_reported_one_line_each(write):
    root = write({".policygate.yaml": "rulez: {}\npss: {level: strict}\n", "pod.yaml": POD})
    run = run_cli("check", "pod.yaml", cwd=root)
    assert run.exit_code == 2
    lines = run.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("policygate: error: .policygate.yaml:1:1: unknown key 'rulez'")
    assert lines[1].startswith("policygate: error: .policygate.yaml:2:7: `pss.level`")


def test_missing_config_file_given_explicitly(write):
    root = write({"pod.yaml": POD})
    run = run_cli("check", "--config", "nope.yaml", "pod.yaml", cwd=root)
    assert run.exit_code == 2
    assert "nope.yaml: config file not found" in run.stderr


def _rules(root, *args):
    report = run_cli("check", "--format", "json", "--select", "pss", *args, "pod.yaml",
                     cwd=root).json()
    return sorted((f["rule"], f["severity"]) for f in report["findings"])


def test_rule_settings_disable_and_change_severity(write):
    root = write({"pod.yaml": POD, ".policygate.yaml": (
        "pss: {warn_level: none}\n"
        "rules:\n  pss/host-ports: off\n  pss/privileged: warning\n  pss/host-namespaces: {severity: note}\n")})
    assert _rules(root) == [("pss/host-namespaces", "note"), ("pss/privileged", "warning")]


def test_family_setting_and_rule_setting_on_top(write):
    root = write({"pod.yaml": POD, ".policygate.yaml": (
        "pss: {warn_level: none}\nrules:\n  pss: warning\n  pss/privileged: error\n")})
    assert _rules(root) == [("pss/host-namespaces", "warning"), ("pss/host-ports", "warning"),
                            ("pss/privileged", "error")]


def test_command_line_overrides_config(write):
    root = write({"pod.yaml": POD, ".policygate.yaml": "pss: {level: restricted}\n"})
    from_config = _rules(root)
    assert ("pss/run-as-non-root", "error") in from_config
    overridden = _rules(root, "--pss-level", "baseline")
    assert ("pss/run-as-non-root", "warning") in overridden


def test_config_given_with_option(write):
    root = write({"pod.yaml": POD, "ci/gate.yaml": "rules: {pss: off}\n"})
    assert _rules(root, "--config", "ci/gate.yaml") == []


# What POD is found to break with --select pss: (rule, line).
POD_FINDINGS = [("pss/host-namespaces", 5), ("pss/privilege-escalation", 9),
                ("pss/restricted-capabilities", 9), ("pss/run-as-non-root", 9),
                ("pss/seccomp-required", 9), ("pss/privileged", 10), ("pss/host-ports", 13)]


def test_paths_exclude_and_include(write):
    root = write({"apps/pod.yaml": POD, "third_party/pod.yaml": POD,
                  "apps/pod.manifest": POD, ".policygate.yaml": (
                      "paths:\n  exclude: ['third_party/**']\n")})
    report = run_cli("check", "--format", "json", "--select", "pss", ".", cwd=root).json()
    assert [(f["file"], f["rule"], f["line"]) for f in report["findings"]] == [
        ("apps/pod.yaml", rule, line) for rule, line in POD_FINDINGS]
    # Excludes apply to files named explicitly too (that is how pre-commit passes them).
    excluded = run_cli("check", "--format", "json", "third_party/pod.yaml", cwd=root).json()
    assert excluded["summary"]["files"] == 0
    (root / ".policygate.yaml").write_text("paths:\n  include: ['**/*.manifest']\n")
    included = run_cli("check", "--format", "json", "--select", "pss", ".", cwd=root).json()
    assert [(f["file"], f["rule"], f["line"]) for f in included["findings"]] == [
        ("apps/pod.manifest", rule, line) for rule, line in POD_FINDINGS]


def test_limits_from_config(write):
    root = write({"pod.yaml": POD, ".policygate.yaml": "limits: {max_file_bytes: 100}\n"})
    report = run_cli("check", "--format", "json", "pod.yaml", cwd=root).json()
    assert [f["rule"] for f in report["findings"]] == ["parse/limit-exceeded"]


def test_validated_config_skips_jsonschema_on_the_next_run(write, tmp_path):
    """The pre-commit path must not pay for importing jsonschema on every commit."""
    root = write({"pod.yaml": POD, ".policygate.yaml": "pss: {level: baseline}\n"})
    env = {k: v for k, v in os.environ.items() if k != "POLICYGATE_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")

    def imported_modules():
        process = subprocess.run([sys.executable, "-X", "importtime", "-m", "policygate", "check",
                                  "pod.yaml"], cwd=root, env=env, capture_output=True, text=True)
        assert process.returncode == 1
        return process.stderr
    assert "jsonschema" in imported_modules()
    assert "jsonschema" not in imported_modules()
    (root / ".policygate.yaml").write_text("pss: {levl: baseline}\n")
    process = subprocess.run([sys.executable, "-m", "policygate", "check", "pod.yaml"], cwd=root,
                             env=env, capture_output=True, text=True)
    assert process.returncode == 2  # a changed file is validated again
