"""`policygate test`: Rego unit tests like `opa test` / `conftest verify`, on each engine:
one result per test, exit 1 on any failure, `--run`, `--data`, `print()` output of failing
tests, `--coverage`, Conftest's parse_config built-ins, and a test that crashes the engine
is that test's error — the rest still run."""
from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.rego.crashes import SLOW_RULE, WorkerKiller

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


def test_reports_each_test_with_file_line_and_counts(write, engine):
    root = write({"policy/main.rego": POLICY, "policy/main_test.rego": TESTS})
    run = run_cli("test", "--engine", engine, "policy", cwd=root)
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


def test_all_passing_exits_0_and_run_selects_tests(write, engine):
    root = write({"policy/main.rego": POLICY, "policy/main_test.rego": TESTS})
    run = run_cli("test", "--engine", engine, "--run", "owne", "policy", cwd=root)
    assert run.exit_code == 0
    assert run.stdout.splitlines()[-1] == "PASS: 2/2"
    none = run_cli("test", "--engine", engine, "--run", "nothing-matches", "policy", cwd=root)
    assert none.exit_code == 2
    assert "no tests found in policy matching --run 'nothing-matches'" in none.stderr


def test_json_format_names_the_engine(write, engine):
    root = write({"policy/main.rego": POLICY, "policy/main_test.rego": TESTS})
    report = json.loads(run_cli("test", "--engine", engine, "--format", "json", "policy",
                                cwd=root).stdout)
    assert report["engine"] == engine
    assert report["summary"] == {"total": 4, "pass": 2, "fail": 1, "error": 0, "skip": 1}
    failed = next(t for t in report["tests"] if t["result"] == "fail")
    assert (failed["file"], failed["line"], failed["name"]) == (
        "policy/main_test.rego", 13, "test_wrong_expectation")


def test_a_crashing_test_is_its_own_error_and_the_rest_still_run(write, engine):
    crash = f"package crash_test\n\ntest_slow if {{\n  {SLOW_RULE}\n}}\n"
    root = write({"policy/main.rego": POLICY, "policy/main_test.rego": TESTS,
                  "policy/crash_test.rego": crash})
    with WorkerKiller():
        run = run_cli("test", "--engine", engine, "policy", cwd=root)
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("policy/crash_test.rego:3: data.crash_test.test_slow: ERROR (")
    assert lines[0].endswith(f"the {engine} engine crashed (SIGKILL) running this test")
    assert lines[-4:] == ["PASS: 2/5", "FAIL: 1/5", "ERROR: 1/5", "SKIPPED: 1/5"]


def test_an_erroring_test_fails_the_run_without_any_failing_test(write, engine):
    """ERROR counts like FAIL: a suite whose only bad result is an evaluation error (here
    OPA's eval_conflict_error, which both engines raise) exits 1, not 0."""
    conflict = ("package err_test\n\nf(_) := 1\n\nf(_) := 2\n\ntest_ok if {\n  1 == 1\n}\n\n"
                "test_conflict if {\n  f(1) == 1\n}\n")
    root = write({"policy/err_test.rego": conflict})
    run = run_cli("test", "--engine", engine, "--format", "json", "policy", cwd=root)
    report = json.loads(run.stdout)
    assert report["summary"] == {"total": 2, "pass": 1, "fail": 0, "error": 1, "skip": 0}
    assert [(t["name"], t["result"]) for t in report["tests"]] == [
        ("test_ok", "pass"), ("test_conflict", "error")]
    assert run.exit_code == 1


def test_with_input_as_two_values_in_one_test_gives_opas_answer(write, engine):
    """Each `with` applies to its own expression, as in OPA: both expressions hold."""
    tests = ('package two_test\n\nimport data.main\n\ntest_both if {\n'
             '  count(main.deny) == 1 with input as {"kind": "Pod", "metadata": {"name": "a"}}\n'
             '  count(main.deny) == 0 with input as {"kind": "Job"}\n}\n\n'
             'test_local_value if {\n  pod := {"kind": "Pod", "metadata": {"name": "b"}}\n'
             '  main.deny == {"pod b has no owner"} with input as pod\n}\n')
    root = write({"policy/main.rego": POLICY, "policy/two_test.rego": tests})
    run = run_cli("test", "--engine", engine, "policy", cwd=root)
    assert (run.exit_code, run.stdout.splitlines()[-1]) == (0, "PASS: 2/2")


def test_compile_errors_exit_2_with_file_line_on_opa(write):
    root = write({"policy/main.rego": POLICY,
                  "policy/bad_test.rego": "package bad_test\n\ntest_x if {\n  nosuch(1)\n}\n"})
    run = run_cli("test", "--engine", "opa", "policy", cwd=root)
    assert run.exit_code == 2
    assert run.stderr == ("policygate: error: policy/bad_test.rego:4:3: rego_type_error: "
                          "undefined function nosuch\n")


def test_an_unknown_function_is_the_tests_error_on_regorus(write):
    root = write({"policy/main.rego": POLICY,
                  "policy/bad_test.rego": "package bad_test\n\ntest_x if {\n  nosuch(1)\n}\n"})
    run = run_cli("test", "--engine", "regorus", "policy", cwd=root)
    assert run.exit_code == 1
    assert run.stdout.splitlines()[0].startswith(
        "policy/bad_test.rego:3: data.bad_test.test_x: ERROR (")
    assert run.stdout.splitlines()[0].endswith(
        "): policy/bad_test.rego:4:9: could not find function nosuch")


def test_v0_tests_need_the_flag(write, engine):
    v0 = 'package main\n\ndeny[msg] { input.bad; msg := "bad" }\n\ntest_bad { deny["bad"] with input as {"bad": true} }\n'
    root = write({"policy/main.rego": v0})
    refused = run_cli("test", "--engine", engine, "policy", cwd=root)
    assert refused.exit_code == 2 and "policy/main.rego:3:1: Rego v0 syntax" in refused.stderr
    accepted = run_cli("test", "--engine", engine, "--v0-compatible", "policy", cwd=root)
    assert (accepted.exit_code, accepted.stdout.splitlines()[-1]) == (0, "PASS: 1/1")


def test_the_shipped_library_passes_its_own_tests(engine):
    library = Path(__file__).resolve().parents[2] / "policies"
    run = run_cli("test", "--engine", engine, str(library))
    assert run.exit_code == 0, run.stdout + run.stderr
    total = len([line for line in run.stdout.splitlines() if ": PASS (" in line])
    assert run.stdout.splitlines()[-1] == f"PASS: {total}/{total}" and total >= 20


DATA_TESTS = """package data_test

import data.main

test_registry_from_data if {
  data.allowed.registries == ["ghcr.io/acme"]
}
"""


def test_data_files_are_loaded_like_conftest_verify_data(write, engine):
    root = write({"policy/main.rego": POLICY, "policy/data_test.rego": DATA_TESTS,
                  "data/allowed.yaml": "allowed:\n  registries: [ghcr.io/acme]\n"})
    without = run_cli("test", "--engine", engine, "policy", cwd=root)
    assert (without.exit_code, without.stdout.splitlines()[-1]) == (1, "FAIL: 1/1")
    run = run_cli("test", "--engine", engine, "--data", "data/allowed.yaml", "policy", cwd=root)
    assert (run.exit_code, run.stdout.splitlines()[-1]) == (0, "PASS: 1/1")


PRINTING = """package print_test

test_fails_and_prints if {
  print("checking", {"kind": "Pod"})
  false
}

test_passes_and_prints if {
  print("quiet")
}
"""


def test_print_output_is_shown_for_failing_tests_only(write, engine):
    root = write({"policy/print_test.rego": PRINTING})
    run = run_cli("test", "--engine", engine, "policy", cwd=root)
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("policy/print_test.rego:3: data.print_test.test_fails_and_prints: FAIL")
    assert lines[1] == '  print: policy/print_test.rego:4: checking {"kind": "Pod"}'
    assert lines[2].startswith("policy/print_test.rego:8: data.print_test.test_passes_and_prints: PASS")
    assert "quiet" not in run.stdout


COVERED = """package main

deny contains "pod" if {
  input.kind == "Pod"
}

deny contains "job" if {
  input.kind == "Job"
}
"""

COVER_TEST = """package main_test

import data.main

test_pod if {
  main.deny == {"pod"} with input as {"kind": "Pod"}
}
"""


# Each engine's own coverage: OPA counts an expression covered when it held, regorus when
# it ran (the Job rule's body ran and failed).
COVERAGE = {"opa": ({"covered": [3, 4], "not_covered": [7, 8], "percent": 50.0},
                    "policy/main.rego: 50.0% covered (2/4 lines); not covered: 7-8"),
            "regorus": ({"covered": [3, 4, 8], "not_covered": [7], "percent": 75.0},
                        "policy/main.rego: 75.0% covered (3/4 lines); not covered: 7")}


def test_coverage_lists_covered_and_uncovered_lines_per_file(write, engine):
    root = write({"policy/main.rego": COVERED, "policy/main_test.rego": COVER_TEST})
    run = run_cli("test", "--engine", engine, "--coverage", "--format", "json", "policy",
                  cwd=root)
    assert run.exit_code == 0, run.stdout
    expected, line = COVERAGE[engine]
    assert json.loads(run.stdout)["coverage"]["policy/main.rego"] == expected
    text = run_cli("test", "--engine", engine, "--coverage", "policy", cwd=root).stdout
    assert line in text.splitlines()
    assert "covered" not in run_cli("test", "--engine", engine, "policy", cwd=root).stdout


PARSE_TESTS = """package parse_test

import data.main

test_parse_config_yaml if {
  doc := parse_config("yaml", "kind: Pod\\nmetadata: {name: web}\\n")
  main.deny == {"pod web has no owner"} with input as doc
}

test_parse_config_file_is_relative_to_the_test if {
  main.deny == {"pod web has no owner"} with input as parse_config_file("fixtures/pod.yaml")
}

test_parse_combined_config_files if {
  docs := parse_combined_config_files(["fixtures/pod.yaml", "fixtures/two.yaml", "fixtures/job.json"])
  [[d.contents.kind, substring(d.path, count(d.path) - 8, 8)] | some d in docs] == [["Pod", "pod.yaml"], ["Service", "two.yaml"], ["Deployment", "two.yaml"], ["Job", "job.json"]]
  endswith(docs[0].path, "fixtures/pod.yaml")
}

test_other_formats_are_an_error if {
  parse_config("toml", "a = 1")
}
"""


def test_conftest_parse_builtins_read_yaml_and_json(write, engine):
    root = write({"policy/main.rego": POLICY, "policy/parse_test.rego": PARSE_TESTS,
                  "policy/fixtures/pod.yaml": "kind: Pod\nmetadata:\n  name: web\n",
                  "policy/fixtures/job.json": '{"kind": "Job"}',
                  # Conftest combines documents, not files: a file of two is two entries.
                  "policy/fixtures/two.yaml": "kind: Service\n---\nkind: Deployment\n"})
    run = run_cli("test", "--engine", engine, "policy", cwd=root)
    lines = run.stdout.splitlines()
    assert [line.split(" (")[0] for line in lines[:4]] == [
        "policy/parse_test.rego:5: data.parse_test.test_parse_config_yaml: PASS",
        "policy/parse_test.rego:10: data.parse_test.test_parse_config_file_is_relative_to_the_test: PASS",
        "policy/parse_test.rego:14: data.parse_test.test_parse_combined_config_files: PASS",
        "policy/parse_test.rego:20: data.parse_test.test_other_formats_are_an_error: ERROR",
    ]
    assert "the 'toml' parser is not available in policygate (it reads yaml and json)" in lines[3]
