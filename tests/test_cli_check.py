"""The `policygate check` contract: exit codes, formats, selection, outputs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import run_cli

SCHEMA = json.loads((Path(__file__).parents[1] / "policygate" / "schemas" /
                     "report.schema.json").read_text())

PRIVILEGED = """apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: shop}
spec:
  hostNetwork: true
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        privileged: true
"""

RESTRICTED_ONLY = """apiVersion: v1
kind: Pod
metadata: {name: soft, namespace: shop}
spec:
  containers:
    - name: web
      image: nginx:1.27
"""

CLEAN = """apiVersion: v1
kind: Pod
metadata: {name: good, namespace: shop}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: [ALL]}
"""


def test_clean_manifest_exits_0_and_prints_nothing(write):
    root = write({"good.yaml": CLEAN})
    run = run_cli("check", "good.yaml", cwd=root)
    assert (run.exit_code, run.stdout) == (0, "")


def test_errors_exit_1_with_text_lines(write):
    root = write({"deploy/bad.yaml": PRIVILEGED})
    run = run_cli("check", "--select", "pss/privileged,pss/host-namespaces", cwd=root)
    assert run.exit_code == 1
    assert run.stdout == (
        "deploy/bad.yaml:5:3: error [pss/host-namespaces] pod shares the host's network "
        "namespace (hostNetwork=true): remove the field or set it to false\n"
        "deploy/bad.yaml:10:9: error [pss/privileged] container \"web\" runs privileged "
        "(securityContext.privileged=true): remove the field or set it to false\n"
        "\n"
        "2 errors in 1 file (1 file, 1 resource checked)\n"
        "\n"
        "  1  error    pss/host-namespaces\n"
        "  1  error    pss/privileged\n"
        "\n"
        "Why, and how to fix: policygate explain RULE (e.g. policygate explain "
        "pss/host-namespaces)\n")  # no colour, no wrapping: not a terminal


def test_restricted_controls_warn_by_default_and_fail_on_decides(write):
    root = write({"soft.yaml": RESTRICTED_ONLY})
    default = run_cli("check", "--format", "json", "--select", "pss", "soft.yaml", cwd=root)
    assert default.exit_code == 0
    assert [(f["rule"], f["line"], f["severity"]) for f in default.json()["findings"]] == [
        ("pss/privilege-escalation", 6, "warning"), ("pss/restricted-capabilities", 6, "warning"),
        ("pss/run-as-non-root", 6, "warning"), ("pss/seccomp-required", 6, "warning")]
    pss = ("--select", "pss")
    assert run_cli("check", *pss, "--fail-on", "warning", "soft.yaml", cwd=root).exit_code == 1
    assert run_cli("check", *pss, "--pss-level", "restricted", "soft.yaml", cwd=root).exit_code == 1
    never = run_cli("check", *pss, "--fail-on", "never", "--pss-level", "restricted", "soft.yaml",
                    cwd=root)
    assert never.exit_code == 0
    quiet = run_cli("check", *pss, "--pss-warn-level", "none", "soft.yaml", cwd=root)
    assert (quiet.exit_code, quiet.stdout) == (0, "")


@pytest.mark.parametrize("severity, blocking", [
    ("note", ["note"]),
    ("warning", ["note", "warning"]),
    ("error", ["note", "warning", "error"]),
])
def test_fail_on_is_the_lowest_severity_that_exits_1(write, severity, blocking):
    """`--fail-on S` fails on findings at S or above and on nothing below it; `never` on
    nothing. One finding per run, its severity set in the config."""
    root = write({"bad.yaml": PRIVILEGED,
                  ".policygate.yaml": f"rules:\n  pss/privileged: {severity}\n"})
    for fail_on in ("note", "warning", "error", "never"):
        run = run_cli("check", "--format", "json", "--select", "pss/privileged",
                      "--fail-on", fail_on, "bad.yaml", cwd=root)
        assert [(f["rule"], f["severity"]) for f in run.json()["findings"]] == \
            [("pss/privileged", severity)]
        assert (fail_on, run.exit_code) == (fail_on, 1 if fail_on in blocking else 0)


def test_json_report_matches_the_contract_and_schema(write):
    root = write({"deploy/bad.yaml": PRIVILEGED, "deploy/good.yaml": CLEAN})
    run = run_cli("check", "--format", "json", "--select", "pss", "--pss-warn-level", "none", "deploy",
                  cwd=root)
    report = run.json()
    jsonschema.validate(report, SCHEMA)
    assert report["summary"] == {"files": 2, "resources": 2, "findings": 2, "errors": 2,
                                 "warnings": 0, "notes": 0, "suppressed": 0}
    privileged = next(f for f in report["findings"] if f["rule"] == "pss/privileged")
    assert privileged == {
        "rule": "pss/privileged", "severity": "error",
        "message": 'container "web" runs privileged (securityContext.privileged=true): '
                   "remove the field or set it to false",
        "file": "deploy/bad.yaml", "line": 10, "column": 9, "end_line": 10,
        "resource": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "bad"},
        "path": "spec.containers[0].securityContext.privileged",
        "source": "builtin", "fix": "privileged: false"}


def test_select_and_ignore_by_rule_and_family(write):
    """Selection by rule and by family, on a manifest with findings of two families: an
    ignored family takes only its own rules away."""
    root = write({"bad.yaml": PRIVILEGED.replace("nginx:1.27", "nginx:latest")})

    def found(*args):
        return [(f["rule"], f["line"]) for f in run_cli(
            "check", "--format", "json", *args, "bad.yaml", cwd=root).json()["findings"]]
    restricted = [("pss/privilege-escalation", 9), ("pss/restricted-capabilities", 9),
                  ("pss/run-as-non-root", 9), ("pss/seccomp-required", 9)]
    assert found() == [("pss/host-namespaces", 5), ("image/latest-tag", 8), *restricted,
                       ("pss/privileged", 10)]
    assert found("--select", "pss/privileged") == [("pss/privileged", 10)]
    assert found("--select", "pss", "--ignore", "pss/privileged") == \
        [("pss/host-namespaces", 5), *restricted]
    assert found("--ignore", "pss") == [("image/latest-tag", 8)]
    assert found("--ignore", "image/latest-tag,pss/privileged") == \
        [("pss/host-namespaces", 5), *restricted]
    assert found("--select", "pss", "--ignore", "pss/privileged,pss/host-namespaces",
                 "--pss-warn-level", "none") == []


def test_unknown_rule_pattern_is_a_usage_error(write):
    root = write({"bad.yaml": PRIVILEGED})
    run = run_cli("check", "--select", "pss/privilegd", "bad.yaml", cwd=root)
    assert run.exit_code == 2
    assert "unknown rule or family 'pss/privilegd'" in run.stderr


def test_missing_path_exits_2(write):
    root = write({})
    run = run_cli("check", "nope.yaml", cwd=root)
    assert run.exit_code == 2
    assert "nope.yaml: no such file or directory" in run.stderr


def test_unwritable_output_exits_2(write):
    root = write({"bad.yaml": PRIVILEGED})
    run = run_cli("check", "--format", "json", "--output", "missing/report.json", "bad.yaml",
                  cwd=root)
    assert run.exit_code == 2
    assert "cannot write missing/report.json" in run.stderr


def test_more_outputs_than_formats_is_a_usage_error(write):
    root = write({"bad.yaml": PRIVILEGED})
    run = run_cli("check", "--output", "a.json", "--output", "b.json", "bad.yaml", cwd=root)
    assert run.exit_code == 2


def test_output_file_and_stdout_together(write):
    root = write({"bad.yaml": PRIVILEGED})
    run = run_cli("check", "--format", "json", "--output", "report.json", "--format", "text",
                  "bad.yaml", cwd=root)
    assert run.exit_code == 1
    written = json.loads((root / "report.json").read_text())
    assert written["summary"]["errors"] >= 2
    assert "[pss/privileged]" in run.stdout


def test_paths_are_relative_to_the_repository_root(write, tmp_path):
    root = write({"apps/web/pod.yaml": PRIVILEGED})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    run = run_cli("check", "--format", "json", "--select", "pss/privileged", "pod.yaml",
                  cwd=root / "apps" / "web")
    assert [f["file"] for f in run.json()["findings"]] == ["apps/web/pod.yaml"]


def test_console_script_runs_as_a_process(write):
    root = write({"bad.yaml": PRIVILEGED})
    process = subprocess.run([sys.executable, "-m", "policygate", "check", "--select",
                              "pss/privileged", "bad.yaml"], cwd=root, capture_output=True, text=True)
    assert process.returncode == 1
    assert process.stdout.startswith("bad.yaml:10:9: error [pss/privileged]")


def test_parallel_workers_give_the_same_report(write):
    files = {f"apps/pod{i:03d}.yaml": PRIVILEGED.replace("name: bad", f"name: bad{i}")
             for i in range(80)}
    root = write(files)
    serial = run_cli("check", "--format", "json", "--jobs", "1", ".", cwd=root).json()
    parallel = run_cli("check", "--format", "json", "--jobs", "2", ".", cwd=root).json()
    assert serial == parallel
    assert serial["summary"]["resources"] == 80
