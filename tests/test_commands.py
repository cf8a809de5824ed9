"""`policygate rules`, `explain` and `init`."""
from __future__ import annotations

import json
import textwrap

from policygate.rules import all_rules
from tests.conftest import run_cli


def test_rules_table_lists_every_rule():
    run = run_cli("rules")
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["RULE", "SEVERITY", "LEVEL", "SUMMARY"]
    listed = {line.split()[0] for line in lines[1:]}
    assert {rule.id for rule in all_rules()} <= listed
    assert {"parse/invalid-yaml", "policygate/unused-suppression"} <= listed
    privileged = next(line for line in lines if line.startswith("pss/privileged "))
    assert privileged.split()[1:3] == ["error", "baseline"]


def test_rules_json():
    entries = json.loads(run_cli("rules", "--format", "json").stdout)
    by_id = {e["id"]: e for e in entries}
    assert by_id["pss/run-as-non-root"]["level"] == "restricted"
    assert by_id["pss/run-as-non-root"]["severity"] == "warning"
    assert all(e["summary"] for e in entries)


def test_explain_gives_rationale_examples_and_suppression():
    run = run_cli("explain", "pss/privileged")
    assert run.exit_code == 0
    text = run.stdout
    assert text.startswith("pss/privileged: containers must not run privileged\n")
    for section in ("Why:", "Fails:", "Passes:", "Fix:", "Suppress (always with a reason):"):
        assert section in text
    assert "    privileged: true" in text
    assert "# policygate: ignore[pss/privileged] <reason>" in text


def test_explain_lists_a_rule_parameters_with_a_config_example_that_loads(write):
    text = run_cli("explain", "pss/host-ports").stdout
    example = ("  rules:\n    pss/host-ports: {params: {allowed: [9100]}}\n")
    assert "Parameters (in .policygate.yaml):\n  allowed: host ports the platform accepts" in text
    assert example in text
    root = write({".policygate.yaml": textwrap.dedent(example),
                  "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                              "  containers: [{name: a, image: a:1, ports: [{hostPort: 9100}]}]\n"})
    run = run_cli("check", "--select", "pss/host-ports", "pod.yaml", cwd=root)
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", "")
    assert "Parameters" not in run_cli("explain", "pss/privileged").stdout


def test_every_builtin_rule_has_documentation():
    for rule in all_rules():
        assert rule.doc.rationale and rule.doc.bad and rule.doc.good and rule.doc.fix, rule.id
        assert run_cli("explain", rule.id).exit_code == 0


def test_explain_unknown_rule_exits_2():
    run = run_cli("explain", "pss/nope")
    assert run.exit_code == 2
    assert "unknown rule 'pss/nope'" in run.stderr


def test_init_writes_a_valid_config_and_refuses_to_overwrite(write, monkeypatch):
    monkeypatch.setenv("POLICYGATE_NO_CACHE", "1")
    root = write({"pod.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"})
    assert run_cli("init", cwd=root).exit_code == 0
    text = (root / ".policygate.yaml").read_text()
    assert text.startswith("# policygate configuration")
    check = run_cli("check", "pod.yaml", cwd=root)
    assert (check.exit_code, check.stderr) == (0, "")
    again = run_cli("init", cwd=root)
    assert again.exit_code == 2
    assert ".policygate.yaml already exists; use --force to overwrite it" in again.stderr
    (root / ".policygate.yaml").write_text("changed: true\n")
    assert run_cli("init", "--force", cwd=root).exit_code == 0
    assert (root / ".policygate.yaml").read_text() == text
