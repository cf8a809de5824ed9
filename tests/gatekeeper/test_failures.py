"""Never a false pass: an engine crash, a hang, a runtime error or a result without `msg`
makes `check` exit 2 naming the template, the constraint and the object — and the other
objects are still judged."""
from __future__ import annotations

from tests.conftest import run_cli
from tests.gatekeeper.builders import FLAG, constraint, documents, obj, template

# rego-cpp 1.5.2 crashes on deeply nested JSON handed to json.unmarshal.
CRASHER = """package k8sblob

violation[{"msg": "the blob parses"}] {
  json.unmarshal(input.review.object.data.blob)
}
"""


def _configmap(name: str, blob: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: x}}\ndata:\n  blob: '{blob}'\n"


def check(root, *args: str):
    return run_cli("check", "--format", "json", "--select", "gatekeeper", *args, cwd=root)


def test_an_engine_crash_names_template_constraint_and_object_and_the_scan_goes_on(write):
    deep = "[" * 200_000 + "]" * 200_000
    root = write({"policy/blob.yaml": documents(template("K8sBlob", CRASHER),
                                                constraint("K8sBlob", "blobs"),
                                                template("K8sFlag", FLAG),
                                                constraint("K8sFlag", "flag")),
                  "a.yaml": _configmap("deep", deep), "b.yaml": _configmap("flat", "[1]")})
    run = check(root, "--gatekeeper", "policy", "a.yaml", "b.yaml")
    assert run.exit_code == 2
    assert sorted((f["rule"], f["file"]) for f in run.json()["findings"]) == [
        ("gatekeeper/K8sBlob/blobs", "b.yaml"),
        ("gatekeeper/K8sFlag/flag", "a.yaml"),      # the other constraint on the same object
        ("gatekeeper/K8sFlag/flag", "b.yaml")]
    assert ("policygate: error: the regopy engine failed: regopy crashed (SIGSEGV) in "
            "ConstraintTemplate k8sblob (policy/blob.yaml) for K8sBlob/blobs on a.yaml "
            "document 1 (ConfigMap/x/deep)") in run.stderr
    # The compliant negative: without the hostile object the same policy runs cleanly.
    assert check(root, "--gatekeeper", "policy", "b.yaml").exit_code == 1


def test_a_crash_while_compiling_stops_the_run_before_the_scan(write):
    # rego-cpp 1.5.2 crashes compiling an index bound from one collection used on another.
    lib = ('package lib.pods\n\nfields := ["containers", "initContainers"]\n\n'
           'containers[c] {\n  field := fields[_]\n  c := input.review.object.spec[field][_]\n}\n')
    main = ('package k8spods\n\nimport data.lib.pods\n\nviolation[{"msg": "x"}] {\n'
            '  pods.containers[_].securityContext.privileged\n}\n')
    root = write({"policy/pods.yaml": documents(template("K8sPods", main, libs=(lib,)),
                                                constraint("K8sPods", "p")),
                  "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    run = check(root, "--gatekeeper", "policy", "cm.yaml")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.startswith(
        "policygate: error: regopy crashed (SIGSEGV) while compiling the Gatekeeper templates; "
        "check them with `gator verify`, or use an OPA server (gatekeeper.engine: opa)")


def test_a_slow_template_hits_the_time_limit_and_is_named(write):
    slow = ('package k8sslow\n\nviolation[{"msg": "slow"}] {\n  count([x | x := numbers.range(1, '
            '3000)[_]; y := numbers.range(1, 3000)[_]; x == y]) < 0\n}\n')
    root = write({"policy/slow.yaml": documents(template("K8sSlow", slow),
                                                constraint("K8sSlow", "slow")),
                  ".policygate.yaml": "gatekeeper:\n  dirs: [policy]\n  timeouts: {document: 0.5}\n",
                  "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    run = check(root, "cm.yaml")
    assert run.exit_code == 2
    assert ("the regopy engine took longer than 0.5s (gatekeeper.timeouts.document) in "
            "ConstraintTemplate k8sslow (policy/slow.yaml) for K8sSlow/slow on cm.yaml document 1 "
            "(ConfigMap/x/a)") in run.stderr


def test_results_without_msg_and_runtime_errors_are_failures_not_passes(write):
    no_msg = 'package k8snomsg\n\nviolation[{"message": "x"}] {\n  true\n}\n'
    # Two values for one complete rule: eval_conflict_error in OPA.
    runtime = ('package k8sruntime\n\nsize = 1 { input.review.object.metadata.name }\n'
               'size = 2 { input.review.kind.kind }\n\n'
               'violation[{"msg": msg}] {\n  msg := sprintf("size %v", [size])\n}\n')
    root = write({"policy/p.yaml": documents(template("K8sNoMsg", no_msg),
                                             constraint("K8sNoMsg", "nomsg"),
                                             template("K8sRuntime", runtime),
                                             constraint("K8sRuntime", "runtime")),
                  "cm.yaml": obj("v1", "ConfigMap", "not-a-number", "x")})
    run = check(root, "--gatekeeper", "policy", "cm.yaml")
    assert run.exit_code == 2
    assert ("policygate: error: ConstraintTemplate k8snomsg (policy/p.yaml) for K8sNoMsg/nomsg on "
            "cm.yaml document 1 (ConfigMap/x/not-a-number): a violation without a string `msg` "
            "({'message': 'x'}); Gatekeeper requires `msg`") in run.stderr.splitlines()
    assert ("policygate: error: ConstraintTemplate k8sruntime (policy/p.yaml) for K8sRuntime/runtime on "
            "cm.yaml document 1 (ConfigMap/x/not-a-number): runtime error (the engine gave no "
            "detail)") in run.stderr.splitlines()
