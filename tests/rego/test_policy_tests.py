"""`policygate test`: Rego unit tests like `opa test`, one result per test, exit 1 on any
failure, and a test that crashes the engine is that test's error — the rest still run."""
from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

POLICY = """package main

deny contains msg if {
  input.kind == "Pod"
  not input.metadata.labels.owner
  msg := sprintf("pod %s has no owner", [input.metadata.name])
}
"""

TESTS = """package main_test

import data.main

test_pod_without_owner_is_denied if {
  main.deny == {"pod web has no owner"} with input as {"kind": "Pod", "metadata": {"name": "web"}}
}

test_owned_pod_passes if {
  count(main.deny) == 0 with input as {"kind": "Pod", "metadata": {"name": "web", "labels": {"owner": "me"}}}
}

test_wrong_expectation if {
  count(main.deny) == 2 with input as {"kind": "Pod", "metadata": {"name": "web"}}
}

todo_test_later if {
  false
}
"""


def test_reports_each_test_with_file_line_and_counts(write):
    root = write({"policy/main.rego": POLICY, "policy/main_test.rego": TESTS})
    run = run_cli("test", "policy", cwd=root)
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert [line.split(" (")[0] for line in lines[:4]] == [
        "policy/main_test.rego:5: data.main_test.test_pod_without_owner_is_denied: PASS",
        "policy/main_test.rego:9: data.main_test.test_owned_pod_passes: PASS",
        "policy/main_test.rego:13: data.main_test.test_wrong_expectation: FAIL",
        "policy/main_test.rego:17: data.main_test.todo_test_later: SKIPPED",
    ]
    assert lines[2].endswith(": the test is undefined")
    assert lines[-3:] == ["PASS: 2/4", "FAIL: 1/4", "SKIPPED: 1/4"]


def test_all_passing_exits_0_and_run_selects_tests(write):
    root = write({"policy/main.rego": POLICY, "policy/main_test.rego": TESTS})
    run = run_cli("test", "--run", "owne", "policy", cwd=root)
    assert run.exit_code == 0
    assert run.stdout.splitlines()[-1] == "PASS: 2/2"
    none = run_cli("test", "--run", "nothing-matches", "policy", cwd=root)
    assert none.exit_code == 2
    assert "no tests found in policy matching --run 'nothing-matches'" in none.stderr


def test_json_format(write):
    root = write({"policy/main.rego": POLICY, "policy/main_test.rego": TESTS})
    report = json.loads(run_cli("test", "--format", "json", "policy", cwd=root).stdout)
    assert report["summary"] == {"total": 4, "pass": 2, "fail": 1, "error": 0, "skip": 1}
    failed = next(t for t in report["tests"] if t["result"] == "fail")
    assert (failed["file"], failed["line"], failed["name"]) == (
        "policy/main_test.rego", 13, "test_wrong_expectation")


def test_a_crashing_test_is_its_own_error_and_the_rest_still_run(write):
    deep = "[" * 200_000 + "]" * 200_000
    crash = ('package crash_test\n\ntest_deep_json if {\n  json.unmarshal(input.blob) '
             f'with input as {{"blob": "{deep}"}}\n}}\n')
    root = write({"policy/main.rego": POLICY, "policy/main_test.rego": TESTS,
                  "policy/crash_test.rego": crash})
    run = run_cli("test", "policy", cwd=root)
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("policy/crash_test.rego:3: data.crash_test.test_deep_json: ERROR (")
    assert lines[0].endswith("regopy crashed (SIGSEGV) running this test")
    assert lines[-4:] == ["PASS: 2/5", "FAIL: 1/5", "ERROR: 1/5", "SKIPPED: 1/5"]


def test_two_inputs_in_one_test_is_reported_with_the_fix(write):
    tests = ('package two_test\n\nimport data.main\n\ntest_both if {\n'
             '  count(main.deny) == 1 with input as {"kind": "Pod", "metadata": {"name": "a"}}\n'
             '  count(main.deny) == 0 with input as {"kind": "Job"}\n}\n')
    root = write({"policy/main.rego": POLICY, "policy/two_test.rego": tests})
    run = run_cli("test", "policy", cwd=root)
    assert run.exit_code == 1
    assert "two different values with `with`" in run.stdout
    assert "split it into one test per input" in run.stdout


def test_compile_errors_exit_2_with_file_line(write):
    root = write({"policy/main.rego": POLICY,
                  "policy/bad_test.rego": "package bad_test\n\ntest_x if {\n  nosuch(1)\n}\n"})
    run = run_cli("test", "policy", cwd=root)
    assert run.exit_code == 2
    assert run.stderr == ("policygate: error: policy/bad_test.rego:4:3: rego_type_error: "
                          "undefined function nosuch\n")


def test_v0_tests_need_the_flag(write):
    v0 = 'package main\n\ndeny[msg] { input.bad; msg := "bad" }\n\ntest_bad { deny["bad"] with input as {"bad": true} }\n'
    root = write({"policy/main.rego": v0})
    refused = run_cli("test", "policy", cwd=root)
    assert refused.exit_code == 2 and "policy/main.rego:3:1: Rego v0 syntax" in refused.stderr
    accepted = run_cli("test", "--v0-compatible", "policy", cwd=root)
    assert (accepted.exit_code, accepted.stdout.splitlines()[-1]) == (0, "PASS: 1/1")


def test_the_shipped_library_passes_its_own_tests():
    library = Path(__file__).resolve().parents[2] / "policies"
    run = run_cli("test", str(library))
    assert run.exit_code == 0, run.stdout + run.stderr
    total = len([line for line in run.stdout.splitlines() if ": PASS (" in line])
    assert run.stdout.splitlines()[-1] == f"PASS: {total}/{total}" and total >= 20
