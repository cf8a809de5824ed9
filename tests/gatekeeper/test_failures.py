"""Never a false pass: an engine crash, a hang, a runtime error or a result without `msg`
makes `check` exit 2 naming the template, the constraint and the object — and the other
objects are still judged."""
from __future__ import annotations

from tests.conftest import run_cli
from tests.gatekeeper.builders import FLAG, constraint, documents, obj, template
from tests.rego.crashes import SLOW_RULE, WorkerKiller

SLOW = f"""package k8sslow

violation[{{"msg": "slow"}}] {{
  input.review.object.metadata.name == "slow"
  {SLOW_RULE}
}}
"""


def _configmap(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: x}}\n"


def check(root, *args: str):
    return run_cli("check", "--format", "json", "--select", "gatekeeper", *args, cwd=root)


def test_an_engine_crash_names_template_constraint_and_object_and_the_scan_goes_on(write,
                                                                                   engine):
    root = write({"policy/slow.yaml": documents(template("K8sSlow", SLOW),
                                                constraint("K8sSlow", "slow"),
                                                template("K8sFlag", FLAG),
                                                constraint("K8sFlag", "flag")),
                  "a.yaml": _configmap("slow"), "b.yaml": _configmap("flat"),
                  ".policygate.yaml": f"rego:\n  engine: {engine}\n"})
    with WorkerKiller() as killer:
        run = check(root, "--gatekeeper", "policy", "a.yaml", "b.yaml")
    assert killer.killed
    assert run.exit_code == 2
    assert sorted((f["rule"], f["file"]) for f in run.json()["findings"]) == [
        ("gatekeeper/K8sFlag/flag", "a.yaml"),      # the other constraint on the same object
        ("gatekeeper/K8sFlag/flag", "b.yaml")]
    assert (f"policygate: error: the {engine} engine failed: {engine} crashed (SIGKILL)") in \
        run.stderr
    assert ("in ConstraintTemplate k8sslow (policy/slow.yaml) for K8sSlow/slow on a.yaml "
            "document 1 (ConfigMap/x/slow)") in run.stderr
    # The compliant negative: without the crash the same policy runs cleanly.
    assert check(root, "--gatekeeper", "policy", "b.yaml").exit_code == 1


def test_a_slow_template_hits_the_time_limit_and_is_named(write, engine):
    root = write({"policy/slow.yaml": documents(template("K8sSlow", SLOW),
                                                constraint("K8sSlow", "slow")),
                  ".policygate.yaml": f"gatekeeper:\n  dirs: [policy]\n  timeouts: {{document: 0.5}}"
                                      f"\nrego:\n  engine: {engine}\n",
                  "cm.yaml": _configmap("slow")})
    run = check(root, "cm.yaml")
    assert run.exit_code == 2
    assert (f"the {engine} engine took longer than 0.5s (gatekeeper.timeouts.document) in "
            "ConstraintTemplate k8sslow (policy/slow.yaml) for K8sSlow/slow on cm.yaml document 1 "
            "(ConfigMap/x/slow)") in run.stderr


def test_results_without_msg_and_runtime_errors_are_failures_not_passes(write, engine):
    no_msg = 'package k8snomsg\n\nviolation[{"message": "x"}] {\n  true\n}\n'
    # Two values for one complete rule: eval_conflict_error in OPA.
    runtime = ('package k8sruntime\n\nsize = 1 { input.review.object.metadata.name }\n'
               'size = 2 { input.review.kind.kind }\n\n'
               'violation[{"msg": msg}] {\n  msg := sprintf("size %v", [size])\n}\n')
    root = write({"policy/p.yaml": documents(template("K8sNoMsg", no_msg),
                                             constraint("K8sNoMsg", "nomsg"),
                                             template("K8sRuntime", runtime),
                                             constraint("K8sRuntime", "runtime")),
                  "cm.yaml": obj("v1", "ConfigMap", "not-a-number", "x"),
                  ".policygate.yaml": f"rego:\n  engine: {engine}\n"})
    run = check(root, "--gatekeeper", "policy", "cm.yaml")
    assert run.exit_code == 2
    assert ("policygate: error: ConstraintTemplate k8snomsg (policy/p.yaml) for K8sNoMsg/nomsg on "
            "cm.yaml document 1 (ConfigMap/x/not-a-number): a violation without a string `msg` "
            "({'message': 'x'}); Gatekeeper requires `msg`") in run.stderr.splitlines()
    detail = {"opa": "policy/p.yaml:39: eval_conflict_error: complete rules must not produce "
                     "multiple outputs",
              "regorus": "policy/p.yaml:40:9: rule conflicts with rule at "}[engine]
    assert (f"policygate: error: ConstraintTemplate k8sruntime (policy/p.yaml) for "
            f"K8sRuntime/runtime on cm.yaml document 1 (ConfigMap/x/not-a-number): runtime "
            f"error: {detail}") in run.stderr
