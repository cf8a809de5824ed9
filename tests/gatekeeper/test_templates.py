"""Loading templates and constraints: what Gatekeeper would refuse is refused, every error
names the YAML line (and column, inside the Rego), and v0 Rego is converted on the fly."""
from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.gatekeeper.builders import (FLAG, REQUIRED_LABELS, constraint, documents, obj,
                                       template)


def check(root, *args: str):
    return run_cli("check", "--format", "json", "--select", "gatekeeper", *args, cwd=root)


def position(text: str, needle: str) -> str:
    """`line:column` (1-based) of the first occurrence of needle in text."""
    before = text[:text.index(needle)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


def fails_with(root, expected: str, *args: str) -> None:
    run = check(root, "--gatekeeper", "policy", *(args or ("cm.yaml",)))
    assert (run.exit_code, run.stdout) == (2, ""), run.stderr
    assert f"policygate: error: {expected}" in run.stderr.splitlines(), run.stderr


BROKEN = {
    "undefined function": (FLAG.replace("  msg := sprintf", "  nosuch(1)\n  msg := sprintf"),
                           "nosuch", "rego_type_error: undefined function nosuch"),
    "unterminated string": (FLAG.replace('"flagged %v/%v"', '"flagged %v/%v'),
                            '"flagged', "rego_parse_error: unterminated string"),
    "unsafe variable": (FLAG.replace('violation[{"msg": msg}]', 'violation[{"msg": msg, "x": y}]'),
                        "y}", "rego_unsafe_var_error: var y is unsafe"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("layout", ["rego", "code"])
def test_rego_errors_name_the_yaml_line_and_column(write, case, layout):
    rego, needle, message = BROKEN[case]
    text = template("K8sFlag", rego, layout=layout)
    root = write({"policy/flag.yaml": documents(text, constraint("K8sFlag", "f")),
                  "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    fails_with(root, f"policy/flag.yaml:{position(text, needle)}: {message}")


def test_errors_in_libs_name_the_lib_line(write):
    lib = "package lib.helpers\n\nok(x) {\n  undefined_helper(x)\n}\n"
    main = ("package k8sflag\n\nimport data.lib.helpers\n\nviolation[{\"msg\": \"x\"}] {\n"
            "  helpers.ok(1)\n}\n")
    text = template("K8sFlag", main, libs=(lib,))
    root = write({"policy/flag.yaml": documents(text, constraint("K8sFlag", "f")),
                  "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    fails_with(root, f"policy/flag.yaml:{position(text, 'undefined_helper')}: rego_type_error: "
                     f"undefined function undefined_helper")


@pytest.mark.parametrize(("rego", "libs", "needle", "message"), [
    ("package k8sflag\n\ndeny[msg] {\n  msg := \"x\"\n}\n", (), "package k8sflag",
     "ConstraintTemplate k8sflag: the Rego has no `violation` rule (Gatekeeper requires it)"),
    (FLAG, ("package helpers\n\nf(x) { x }\n",), "package helpers",
     "ConstraintTemplate k8sflag: a lib's package must start with `lib.` (package helpers)"),
    (FLAG.replace("  msg := sprintf", "  data.allowed[input.review.name]\n  msg := sprintf"), (),
     "data.allowed", "ConstraintTemplate k8sflag: data.allowed is not available to templates "
                     "(Gatekeeper allows data.lib and data.inventory)"),
])
def test_what_gatekeeper_refuses_in_template_rego_is_refused(write, rego, libs, needle, message):
    text = template("K8sFlag", rego, libs=libs)
    root = write({"policy/flag.yaml": documents(text, constraint("K8sFlag", "f")),
                  "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    fails_with(root, f"policy/flag.yaml:{position(text, needle)}: {message}")


def test_a_v1_template_with_v0_syntax_says_so(write):
    text = template("K8sFlag", FLAG, layout="code", version="v1")
    root = write({"policy/flag.yaml": documents(text, constraint("K8sFlag", "f")),
                  "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    fails_with(root, f"policy/flag.yaml:{position(text, 'violation[')}: Rego v0 syntax: rule "
                     f"head `violation[{{\"msg\": msg}}]` has a body without `if`; ConstraintTemplate "
                     f"k8sflag declares `version: v1`: write Rego v1 or drop the version to have "
                     f"v0 converted")


V0_IDIOMS = """package k8sidioms

default max_replicas = 3

limit = n {
  n := input.parameters.max
} else = max_replicas {
  true
}

too_many(r) { r > limit }

image_names[name] {
  name := input.review.object.spec.template.spec.containers[_].name
}

violation[{"msg": msg}] {
  too_many(input.review.object.spec.replicas)
  msg := sprintf("%v replicas > %v", [input.review.object.spec.replicas, limit])
}

violation[{"msg": msg}] {
  count(image_names) > 1
  any([startswith(n, "side") | n := image_names[_]])
  msg := "a sidecar"
}
"""


def test_v0_templates_are_converted_and_judge_like_gatekeeper(write):
    deployment = obj("apps/v1", "Deployment", "web", "x", spec={
        "replicas": 5, "template": {"spec": {"containers": [{"name": "web"},
                                                            {"name": "sidecar"}]}}})
    root = write({"policy/idioms.yaml": documents(
        template("K8sIdioms", V0_IDIOMS), constraint("K8sIdioms", "default-limit"),
        constraint("K8sIdioms", "limit-ten", parameters={"max": 10})),
        "web.yaml": deployment})
    run = check(root, "--gatekeeper", "policy", "web.yaml")
    assert sorted((f["rule"], f["message"]) for f in run.json()["findings"]) == [
        ("gatekeeper/K8sIdioms/default-limit", "5 replicas > 3"),
        ("gatekeeper/K8sIdioms/default-limit", "a sidecar"),
        ("gatekeeper/K8sIdioms/limit-ten", "a sidecar")]


def test_iterated_arguments_of_builtins_are_evaluated_like_opa(write):
    # regopy alone refuses `startswith(x, list[_])` and gets `startswith(x, list[i])` wrong.
    rego = """package k8srepos

violation[{"msg": msg}] {
  c := input.review.object.spec.containers[i]
  not allowed(c.image)
  msg := sprintf("%v: %v", [c.name, c.image])
}

violation[{"msg": msg}] {
  startswith(input.review.object.spec.containers[j].image, input.parameters.banned[k])
  msg := sprintf("banned: %v", [input.parameters.banned[k]])
}

allowed(image) {
  startswith(image, input.parameters.repos[_])
}
"""
    pod = obj("v1", "Pod", "p", "x", spec={"containers": [
        {"name": "ok", "image": "registry.example.com/ok:1"},
        {"name": "bad", "image": "docker.io/bad:1"}]})
    root = write({"policy/repos.yaml": documents(template("K8sRepos", rego), constraint(
        "K8sRepos", "repos", parameters={"repos": ["registry.example.com/"],
                                         "banned": ["docker.io/"]})), "pod.yaml": pod})
    run = check(root, "--gatekeeper", "policy", "pod.yaml")
    assert sorted(f["message"] for f in run.json()["findings"]) == [
        "bad: docker.io/bad:1", "banned: docker.io/"]


@pytest.mark.parametrize(("policy", "needle", "message"), [
    (documents(template("K8sRequiredLabels", REQUIRED_LABELS,
                        schema={"type": "object", "properties": {
                            "labels": {"type": "array", "items": {"type": "string"}}}}),
               constraint("K8sRequiredLabels", "team", parameters={"labels": "team"})),
     "labels: team", "K8sRequiredLabels team: spec.parameters.labels: 'team' is not of type "
                     "'array' (the schema of ConstraintTemplate k8srequiredlabels at "
                     "policy/p.yaml:1)"),
    (documents(template("K8sFlag"), constraint("K8sNoSuchKind", "x")), "kind: K8sNoSuchKind",
     "no ConstraintTemplate defines kind K8sNoSuchKind (constraint x); add the template to "
     "gatekeeper.dirs"),
    (documents(template("K8sFlag"), constraint("K8sFlag", "x", action="block")),
     "enforcementAction: block", "K8sFlag x: enforcementAction 'block' is not one of deny, warn, "
                                 "dryrun, scoped"),
    (documents(template("K8sFlag"), constraint("K8sFlag", "x", match={"scope": "Everything"})),
     "scope: Everything", "K8sFlag x: scope 'Everything' is not one of *, Cluster, Namespaced"),
    (template("K8sFlag").replace("name: k8sflag", "name: flag"), "name: flag",
     "ConstraintTemplate 'flag' must be named 'k8sflag', the lower-case of its kind K8sFlag "
     "(Gatekeeper refuses it otherwise)"),
    (documents(template("K8sFlag"), template("K8sFlag")), "apiVersion: templates.gatekeeper.sh/v1\n"
     "kind: ConstraintTemplate\nmetadata:\n  name: k8sflag\nspec:\n  crd:\n    spec:\n      names:"
     "\n        kind: K8sFlag\n  targets:\n    - target: admission.k8s.gatekeeper.sh\n      rego: |"
     "\n        package k8sflag\n\n        violation[{\"msg\": msg}] {\n          msg := sprintf("
     "\"flagged %v/%v\", [input.review.kind.kind, input.review.object.metadata.name])\n        }"
     "\n---\napiVersion",
     "a second ConstraintTemplate for kind K8sFlag (the first is at policy/p.yaml:1)"),
])
def test_policy_objects_the_cluster_would_refuse_stop_the_run(write, policy, needle, message):
    root = write({"policy/p.yaml": policy, "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    line = policy[:policy.index(needle) + len(needle)].count("\n") + 1
    fails_with(root, f"policy/p.yaml:{line}: {message}")


def test_every_problem_is_listed_and_nothing_is_checked(write):
    root = write({"policy/a.yaml": documents(template("K8sFlag"), constraint("K8sA", "a")),
                  "policy/b.yaml": constraint("K8sB", "b"),
                  "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    run = check(root, "--gatekeeper", "policy", "cm.yaml")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.splitlines() == [
        "policygate: error: policy/a.yaml:20: no ConstraintTemplate defines kind K8sA "
        "(constraint a); add the template to gatekeeper.dirs",
        "policygate: error: policy/b.yaml:2: no ConstraintTemplate defines kind K8sB "
        "(constraint b); add the template to gatekeeper.dirs"]


@pytest.mark.parametrize(("files", "args", "message"), [
    ({".policygate.yaml": "gatekeeper: {}\n"}, (),
     "gatekeeper: set `dirs` (where the ConstraintTemplates and Constraints are) or "
     "`from_repo: true`, or pass --gatekeeper DIR"),
    ({}, ("--gatekeeper", "nowhere"), "nowhere: Gatekeeper policy directory or file not found"),
    ({"policy/readme.yaml": "title: not a policy object\n"}, ("--gatekeeper", "policy"),
     "gatekeeper: no ConstraintTemplates found in policy"),
    ({".policygate.yaml": "gatekeeper:\n  dir: [policy]\n"}, (),
     ".policygate.yaml:2:3: unknown key 'dir' in `gatekeeper` — did you mean 'dirs'? (valid "
     "keys: dirs, from_repo, opa_retries, opa_tls_verify, opa_token_env, opa_url, "
     "timeouts, user_info)"),
    ({".policygate.yaml": "gatekeeper:\n  dirs: [policy]\nrego:\n  engine: server\n",
      "policy/t.yaml": template("K8sFlag")}, (),
     "the Rego engine is server but no OPA server is set: add --opa-url URL or "
     "gatekeeper.opa_url"),
    ({".policygate.yaml": "gatekeeper:\n  dirs: [policy]\n  opa_url: http://127.0.0.1:1\n"
                          "rego:\n  engine: opa\n",
      "policy/t.yaml": template("K8sFlag")}, (),
     "the Rego engine is opa (in-process) but an OPA server is set (gatekeeper.opa_url): "
     "drop one, or use --engine server"),
])
def test_configuration_mistakes_are_errors(write, files, args, message):
    root = write({**files, "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    run = check(root, *args, "cm.yaml")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == f"policygate: error: {message}\n"
