"""Never a false pass: compile errors, engine crashes, hangs, runtime errors and results
of the wrong shape make the run fail (exit 2) with a message naming the policy, the
document and the fix — and the rest of the scan still runs."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.rego.conftest import check, findings
from tests.rego.crashes import SLOW_RULE, WorkerKiller

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
     "policy/bad.rego:6:1: rego_parse_error: unexpected } token"),
    ("package main\n\ndeny contains msg if {\n  msg := nosuch_check(input.kind)\n}\n",
     "policy/bad.rego:4:10: rego_type_error: undefined function nosuch_check"),
    ("package main\n\ndeny contains msg if {\n  input.kind == \"Pod\"\n}\n",
     "policy/bad.rego:3:15: rego_unsafe_var_error: var msg is unsafe"),
    ("package main\n\ndeny contains \"x\" if {\n  input.kind == \"Pod\n}\n",
     "policy/bad.rego:4:17: rego_parse_error: unterminated string"),
])
def test_compile_errors_exit_2_with_file_line_and_column(write, policy, expected):
    root = write({"policy/bad.rego": policy, "policy/good.rego": FLAG_PODS, "pod.yaml": POD})
    run = check(root, "--policy", "policy", "--engine", "opa", "pod.yaml")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr.startswith(f"policygate: error: {expected}"), run.stderr


def test_regorus_reports_an_unknown_function_when_the_rule_runs(write):
    """regorus checks a rule when it evaluates it: not a compile error as on OPA, but an
    error finding on each document that reaches the call — never a silent pass."""
    policy = ("package main\n\ndeny contains msg if {\n  input.kind == \"Pod\"\n"
              "  msg := nosuch_check(input.kind)\n}\n")
    job = POD.replace("kind: Pod", "kind: Job")
    root = write({"policy/bad.rego": policy, "pod.yaml": POD, "job.yaml": job})
    run = check(root, "--policy", "policy", "--engine", "regorus", "pod.yaml", "job.yaml")
    assert run.exit_code == 1
    assert [(f["rule"], f["file"], f["message"].split(";")[0]) for f in run.json()["findings"]] == [
        ("rego/runtime-error", "pod.yaml", "runtime error in data.main.deny (policy/bad.rego): "
                                           "policy/bad.rego:5:22: could not find function "
                                           "nosuch_check")]
    assert "run with --engine opa" in run.json()["findings"][0]["message"]


def test_compile_errors_on_the_server_name_the_file_line(write, opa_server):
    root = write({"policy/bad.rego": "package main\n\ndeny contains msg if {\n  msg := nosuch(1)\n}\n",
                  "pod.yaml": POD})
    run = check(root, "--policy", "policy", "--opa-url", opa_server.url, "pod.yaml")
    assert run.exit_code == 2
    assert run.stderr.startswith("policygate: error: policy/bad.rego:4:10: rego_type_error: "
                                 "undefined function nosuch"), run.stderr
    assert opa_server.policies == {}  # nothing left behind


CRASHER = f"""package main

deny contains "judged" if input.kind == "ConfigMap"

deny contains "slow" if {{
  input.metadata.name == "slow"
  {SLOW_RULE}
}}
"""


def test_engine_crash_is_a_failure_naming_the_document_and_the_scan_goes_on(write, engine):
    slow = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow}\n"
    fine = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flat}\n"
    root = write({"policy/crash.rego": CRASHER, "a.yaml": slow, "b.yaml": fine})
    with WorkerKiller() as killer:
        run = check(root, "--policy", "policy", "--engine", engine, "a.yaml", "b.yaml")
    assert killer.killed
    assert run.exit_code == 2
    assert findings(run) == [("rego/main", "error", "b.yaml", 1, "judged")]
    assert (f"policygate: error: the {engine} engine failed on a.yaml document 1 (ConfigMap/"
            f"slow): {engine} crashed (SIGKILL)") in run.stderr
    # The compliant negative: without the crash the same policy judges both documents.
    assert check(root, "--policy", "policy", "--engine", engine, "b.yaml").exit_code == 1


def test_an_engine_crash_prints_no_python_fault_dump(write):
    """A native crash in the worker of a process running with faulthandler on (python -X
    faulthandler, pytest) is the signal named once, never "Fatal Python error" and a
    stack dump on the user's terminal or in the message. On regorus the signal kills the
    worker outright; Go's runtime (opa) answers an outside SIGSEGV with its own crash
    handling, which may take until the document timeout, so it is not the probe here."""
    import signal
    import subprocess
    import sys

    slow = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow}\n"
    root = write({"policy/crash.rego": CRASHER, "a.yaml": slow})
    process = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "policygate",
                                "check", "--policy", "policy", "--engine", "regorus", "a.yaml"],
                               cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    with WorkerKiller(sig=signal.SIGSEGV, parent=process.pid) as killer:
        stdout, stderr = process.communicate(timeout=120)
    assert killer.killed
    assert process.returncode == 2
    assert ("policygate: error: the regorus engine failed on a.yaml document 1 (ConfigMap/"
            "slow): regorus crashed (SIGSEGV)\n") in stderr
    assert "Fatal Python error" not in stdout + stderr
    assert 'File "' not in stderr and "Current thread" not in stderr


SLOW = f"""package main

deny contains "slow" if {{
  {SLOW_RULE}
}}
"""


def test_a_slow_policy_hits_the_time_limit_and_is_named(write, engine):
    root = write({"policy/slow.rego": SLOW, "pod.yaml": POD,
                  ".policygate.yaml": f"policies:\n  dirs: [policy]\n  timeouts: {{document: 0.5}}\n"
                                      f"rego:\n  engine: {engine}\n"})
    run = check(root, "pod.yaml")
    assert run.exit_code == 2
    assert ("policygate: error: the policies took longer than 0.5s (policies.timeouts.document) "
            "on pod.yaml document 1 (Pod/web); evaluation stopped: make the policy faster or "
            "raise the limit") in run.stderr


CONFLICT = """package main

size := 1 if input.metadata.name
size := 2 if input.kind

deny contains msg if {
  msg := sprintf("size %v", [size])
}

warn contains "pod" if input.kind == "Pod"
"""


def test_a_runtime_error_is_an_error_finding_naming_rule_and_line(write, engine):
    root = write({"policy/p.rego": CONFLICT, "pod.yaml": POD,
                  "nameless.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {}\n"})
    run = check(root, "--policy", "policy", "--engine", engine, "pod.yaml", "nameless.yaml")
    assert run.exit_code == 1
    where = {"opa": "policy/p.rego:3: eval_conflict_error: complete rules must not produce "
                    "multiple outputs",
             "regorus": "policy/p.rego:4:1: rule conflicts with rule at policy/p.rego:3:1"}
    got = sorted((f["rule"], f["file"], f["message"].split("; this")[0])
                 for f in run.json()["findings"])
    assert got == [
        ("rego/main", "nameless.yaml", "pod"), ("rego/main", "nameless.yaml", "size 2"),
        ("rego/main", "pod.yaml", "pod"),
        ("rego/runtime-error", "pod.yaml",
         f"runtime error in data.main.deny (policy/p.rego): {where[engine]}")]


BUILTIN_ERROR = """package main

deny contains sprintf("replicas %v", [n]) if {
  some value in input.data
  n := to_number(value)
  n > 3
}
"""


def test_a_builtin_error_is_undefined_on_opa_as_in_opa_eval_and_reported_on_regorus(write,
                                                                                   engine):
    """`to_number("many")` fails: `opa eval` makes that expression undefined and goes on
    with the other values; OPA's bindings abort the query (strict), so policygate asks
    again with the built-in made lenient. regorus cannot: it reports the error."""
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '5', b: many}\n"
    root = write({"policy/p.rego": BUILTIN_ERROR, "c.yaml": config})
    run = check(root, "--policy", "policy", "--engine", engine, "c.yaml")
    assert run.exit_code == 1
    messages = [f["message"] for f in run.json()["findings"]]
    if engine == "opa":
        assert messages == ["replicas 5"]
    else:
        assert len(messages) == 1 and messages[0].startswith(
            "runtime error in data.main.deny (policy/p.rego): policy/p.rego:5:18: could not "
            "parse string as number; this document was not judged by that rule")


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
    """Engines print (Rego `print`, Go and Rust panics) on fd 1/2; the JSON report must
    stay parseable."""
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


NETWORK = """package main

deny contains "blocked" if {
  response := http.send({"method": "get", "url": "http://127.0.0.1:9/"})
  response.status_code == 200
}
"""


def test_network_builtins_are_refused_at_load_unless_allowed(write, engine):
    mock = ('package main_test\n\nimport data.main\n\ntest_mocked if {\n'
            '  count(main.deny) == 0 with http.send as {"status_code": 500}\n}\n')
    root = write({"policy/p.rego": NETWORK, "pod.yaml": POD, "tests/t.rego": mock})
    run = check(root, "--policy", "policy", "--engine", engine, "pod.yaml")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.endswith(
        "policygate: error: policy/p.rego:4:15: http.send reaches the network from a policy, "
        "which a gate must not do; set rego.allow_network: true to allow it\n")
    (root / ".policygate.yaml").write_text(f"rego:\n  allow_network: true\n  engine: {engine}\n")
    allowed = check(root, "--policy", "policy", "pod.yaml")
    # Allowed, the request is made; nothing listens on port 9, so there is no response
    # (OPA: a failed built-in is undefined; regorus: undefined too) and no finding.
    assert (allowed.exit_code, allowed.json()["findings"]) == (0, [])
    # Unit tests may mock the call (`with http.send as …`): `policygate test` loads it.
    tests = run_cli("test", "--engine", engine, "tests", "policy", cwd=root)
    assert (tests.exit_code, tests.stdout.splitlines()[-1]) == (0, "PASS: 1/1")
