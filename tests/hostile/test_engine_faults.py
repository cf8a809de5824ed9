"""Policy and engine faults never pass as "no findings" (the rest of the fault matrix —
syntax errors, crashes, slow policies, malformed results, OPA down/slow/500 — is in
tests/rego/test_failures.py and tests/rego/test_opa_server.py)."""
from __future__ import annotations

from tests.conftest import run_cli

CONFLICT = """package main

x := 1 if input.kind == "Pod"

x := 2 if input.metadata.name == "p"

deny contains "conflict" if x > 0
"""
DOCS = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: other}\n")


def test_runtime_error_is_an_error_finding_for_that_document_and_the_scan_goes_on(write):
    root = write({"policy/main.rego": CONFLICT, "pods.yaml": DOCS})
    run = run_cli("check", "--format", "json", "--select", "rego", "--policy", "policy",
                  "pods.yaml", cwd=root)
    assert run.exit_code == 1
    findings = sorted((f["rule"], f["line"], f["resource"]["name"]) for f in run.json()["findings"])
    # Document 1 has conflicting values for x; document 2 is still judged (x = 1: deny).
    assert findings == [("rego/main", 5, "other"), ("rego/runtime-error", 1, "p")]
    message = next(f["message"] for f in run.json()["findings"] if f["rule"] == "rego/runtime-error")
    assert message.startswith("runtime error in data.main.deny (policy/main.rego)")


def test_policy_syntax_error_is_exit_2_with_file_line(write):
    root = write({"policy/main.rego": "package main\n\ndeny contains msg if {\n", "p.yaml": DOCS})
    run = run_cli("check", "--policy", "policy", "p.yaml", cwd=root)
    assert run.exit_code == 2
    assert "policy/main.rego:" in run.stderr and run.stdout == ""
