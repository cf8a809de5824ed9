"""Never a false pass: compile errors, engine crashes, hangs, runtime errors and results
of the wrong shape make the run fail (exit 2) with a message naming the policy, the
document and the fix — and the rest of the scan still runs."""
from __future__ import annotations

import pytest

from tests.rego.conftest import check, findings

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
"""

FLAG_PODS = """package main

deny contains sprintf("pod %s", [input.metadata.name]) if input.kind == "Pod"
"""


@pytest.mark.parametrize(("policy", "expected"), [
    ("package main\n\ndeny contains msg if {\n  msg := \"x\"\n  input.kind ==\n}\n",
     "policy/bad.rego:5:14: rego_parse_error: "),
    ("package main\n\ndeny contains msg if {\n  msg := nosuch_check(input.kind)\n}\n",
     "policy/bad.rego:4:10: rego_type_error: undefined function nosuch_check"),
    ("package main\n\ndeny contains msg if {\n  input.kind == \"Pod\"\n}\n",
     "policy/bad.rego:3:15: rego_unsafe_var_error: var msg is unsafe"),
    ("package main\n\ndeny contains \"x\" if {\n  input.kind == \"Pod\n}\n",
     "policy/bad.rego:4:17: rego_parse_error: unterminated string"),
])
def test_compile_errors_exit_2_with_file_line_and_column(write, policy, expected):
    root = write({"policy/bad.rego": policy, "policy/good.rego": FLAG_PODS, "pod.yaml": POD})
    run = check(root, "--policy", "policy", "pod.yaml")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr.startswith(f"policygate: error: {expected}"), run.stderr


def test_compile_errors_on_the_server_name_the_file_line(write, opa_server):
    root = write({"policy/bad.rego": "package main\n\ndeny contains msg if {\n  msg := nosuch(1)\n}\n",
                  "pod.yaml": POD})
    run = check(root, "--policy", "policy", "--opa-url", opa_server.url, "pod.yaml")
    assert run.exit_code == 2
    assert run.stderr.startswith("policygate: error: policy/bad.rego:4:10: rego_type_error: "
                                 "undefined function nosuch"), run.stderr
    assert opa_server.policies == {}  # nothing left behind


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


CRASHER = """package main

deny contains "the blob parses" if {
  json.unmarshal(input.data.blob)
}
"""


def test_engine_crash_is_a_failure_naming_policy_and_document_and_the_scan_goes_on(write):
    crashing = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata:\n  blob: '{_nested(200_000)}'\n"
    fine = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flat}\ndata:\n  blob: '[1]'\n"
    root = write({"policy/crash.rego": CRASHER, "a.yaml": crashing, "b.yaml": fine})
    run = check(root, "--policy", "policy", "a.yaml", "b.yaml")
    assert run.exit_code == 2
    assert findings(run) == [("rego/main", "error", "b.yaml", 1, "the blob parses")]
    assert ("policygate: error: the regopy engine failed in data.main.deny (policy/crash.rego) "
            "on a.yaml document 1 (ConfigMap/deep): regopy crashed (SIGSEGV)") in run.stderr
    # The compliant negative: without the hostile document the same policy passes cleanly.
    assert check(root, "--policy", "policy", "b.yaml").exit_code == 1


SLOW = """package main

deny contains "slow" if {
  count([x | some x in numbers.range(1, 3000); some y in numbers.range(1, 3000); x == y]) < 0
}
"""


def test_a_slow_policy_hits_the_time_limit_and_is_named(write):
    root = write({"policy/slow.rego": SLOW, "pod.yaml": POD,
                  ".policygate.yaml": "policies:\n  dirs: [policy]\n  timeouts: {document: 0.5}\n"})
    run = check(root, "pod.yaml")
    assert run.exit_code == 2
    assert ("data.main.deny (policy/slow.rego) took longer than 0.5s (policies.timeouts.document) "
            "on pod.yaml document 1 (Pod/web)") in run.stderr


RUNTIME_ERROR = """package main

deny contains msg if {
  msg := object.get(input, "kind", "x") + 1
}
"""


@pytest.mark.parametrize(("policy", "message"), [
    ("package main\n\ndeny contains 42 if input.kind == \"Pod\"\n",
     "data.main.deny returned a number 42 in its set; each result must be a string or an "
     "object with `msg` for pod.yaml document 1 (Pod/web)"),
    ("package main\n\ndeny contains {\"message\": \"x\"} if input.kind == \"Pod\"\n",
     "data.main.deny returned an object without a `msg` string (keys: message)"),
    ("package main\n\nwarn contains {\"msg\": \"x\", \"severity\": \"fatal\"} if true\n",
     "data.main.warn returned `severity` 'fatal'; use error, warning or note"),
    ("package main\n\nwarn contains {\"msg\": \"x\", \"path\": \"spec..x\"} if true\n",
     "data.main.warn returned `path` 'spec..x'"),
])
def test_results_of_the_wrong_shape_are_failures_not_passes(write, policy, message):
    root = write({"policy/p.rego": policy, "pod.yaml": POD})
    run = check(root, "--policy", "policy", "pod.yaml")
    assert run.exit_code == 2
    assert message in run.stderr, run.stderr


def test_severity_and_rule_from_result_objects(write):
    policy = ('package main\n\nwarn contains {"msg": "pin the image", "severity": "error", '
              '"rule": "image-pin", "path": "spec.containers[0].image"} if input.kind == "Pod"\n')
    root = write({"policy/p.rego": policy, "pod.yaml": POD,
                  "other.yaml": POD.replace("kind: Pod", "kind: Job")})
    run = check(root, "--policy", "policy", "pod.yaml", "other.yaml")
    assert run.exit_code == 1
    assert findings(run) == [("rego/main/image-pin", "error", "pod.yaml", 8, "pin the image")]


def test_missing_policy_directory_is_an_error(write):
    root = write({"pod.yaml": POD})
    run = check(root, "--policy", "nope", "pod.yaml")
    assert (run.exit_code, run.stderr) == (
        2, "policygate: error: nope: policy directory or file not found\n")


def test_data_file_that_is_not_a_mapping_is_an_error(write):
    root = write({"policy/p.rego": FLAG_PODS, "data.yaml": "- a\n- b\n", "pod.yaml": POD})
    run = check(root, "--policy", "policy", "--data", "data.yaml", "pod.yaml")
    assert run.exit_code == 2
    assert "data.yaml:1:1: a data file must hold a mapping" in run.stderr


def test_engine_output_never_reaches_stdout(write):
    """regopy prints its errors on fd 1; the JSON report must stay parseable."""
    root = write({"policy/p.rego": FLAG_PODS, "pod.yaml": POD})
    run = check(root, "--policy", "policy", "pod.yaml")
    assert run.json()["summary"]["errors"] == 1


def test_data_files_are_read_with_the_manifest_limits(write):
    from tests.hostile.inputs import billion_laughs

    root = write({"policy/p.rego": FLAG_PODS, "pod.yaml": POD,
                  "two.yaml": "a: 1\n---\nb: 2\n", "ok.yaml": "allowed: [y, '1:20']\n"})
    billion_laughs(root)
    bomb = check(root, "--policy", "policy", "--data", "bomb.yaml", "pod.yaml")
    assert bomb.exit_code == 2
    assert "bomb.yaml:1:1: invalid data file: document 1: number of values" in bomb.stderr
    two = check(root, "--policy", "policy", "--data", "two.yaml", "pod.yaml")
    assert two.exit_code == 2
    assert "two.yaml:3:1: a data file must hold one document" in two.stderr
    assert check(root, "--policy", "policy", "--data", "ok.yaml", "pod.yaml").exit_code in (0, 1)
