"""The same Rego cases on every engine: OPA in-process, regorus, and an OPA server (backed
by the real OPA engine). An engine that disagrees fails here."""
from __future__ import annotations

from tests.rego.conftest import check, findings, notes

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
"""

COMPLIANT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  labels: {team: payments}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: api
          image: nginx:1.27
"""

CONFTEST_V1 = """package main

deny contains msg if {
  input.kind == "Deployment"
  not input.metadata.labels.team
  msg := sprintf("%s has no team label", [input.metadata.name])
}

violation contains {"msg": "image uses the latest tag", "path": "spec.template.spec.containers[0].image"} if {
  endswith(input.spec.template.spec.containers[0].image, ":latest")
}

warn contains {"msg": "a single replica", "path": "spec.replicas", "rule": "replicas"} if {
  input.spec.replicas == 1
}
"""

EXPECTED_V1 = [
    ("rego/main", "error", "deploy/web.yaml", 1, "web has no team label"),
    ("rego/main", "error", "deploy/web.yaml", 12, "image uses the latest tag"),
    ("rego/main/replicas", "warning", "deploy/web.yaml", 7, "a single replica"),
]


def test_conftest_policy_reports_errors_warnings_and_paths(write, backend):
    root = write({"policy/deploy.rego": CONFTEST_V1, "deploy/web.yaml": DEPLOYMENT})
    run = check(root, "--policy", "policy", *backend, "deploy/web.yaml")
    assert run.exit_code == 1, run.stderr
    assert findings(run) == EXPECTED_V1
    assert [f["source"] for f in run.json()["findings"]] == ["rego"] * len(EXPECTED_V1)


def test_compliant_document_passes(write, backend):
    root = write({"policy/deploy.rego": CONFTEST_V1, "deploy/api.yaml": COMPLIANT})
    run = check(root, "--policy", "policy", *backend, "deploy/api.yaml")
    assert (run.exit_code, findings(run), run.stderr) == (0, [], notes(backend))


BOOLEAN = """package main

deny if input.spec.replicas == 1

warn_unlabelled if not input.metadata.labels
"""


def test_a_boolean_rule_that_holds_fails_the_document_instead_of_passing_silently(write, backend):
    """Conftest passes a boolean `deny` that is true; a gate would then let through what
    the policy author meant to block."""
    root = write({"policy/deploy.rego": BOOLEAN, "deploy/web.yaml": DEPLOYMENT,
                  "deploy/api.yaml": COMPLIANT})
    run = check(root, "--policy", "policy", *backend, "deploy/web.yaml", "deploy/api.yaml")
    assert run.exit_code == 1, run.stderr
    assert findings(run) == [
        ("rego/main", "error", "deploy/web.yaml", 1, "data.main.deny is true"),
        ("rego/main", "warning", "deploy/web.yaml", 1, "data.main.warn_unlabelled is true")]


V0 = """package main

deny[msg] {
  input.kind == "Deployment"
  not input.metadata.labels.team
  msg := sprintf("%s has no team label", [input.metadata.name])
}
"""


def test_v0_policy_is_refused_without_flag_and_converted_with_it(write, backend):
    root = write({"policy/deploy.rego": V0, "deploy/web.yaml": DEPLOYMENT})
    refused = check(root, "--policy", "policy", *backend, "deploy/web.yaml")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("policygate: error: policy/deploy.rego:3:1: Rego v0 syntax: ")
    assert "opa fmt --v0-v1 --write policy/deploy.rego" in refused.stderr
    converted = check(root, "--policy", "policy", "--v0-compatible", *backend, "deploy/web.yaml")
    assert converted.exit_code == 1
    assert findings(converted) == [EXPECTED_V1[0]]
    assert converted.stderr.count("policy/deploy.rego: Rego v0 syntax converted to v1") == 1


EXCEPTIONS = """package main

deny_latest contains msg if {
  some container in input.spec.template.spec.containers
  endswith(container.image, ":latest")
  msg := sprintf("container %s uses :latest", [container.name])
}

deny_replicas contains "one replica" if input.spec.replicas == 1

exception contains rules if {
  input.metadata.name == "web"
  rules := ["latest"]
}
"""

LEGACY = DEPLOYMENT.replace("name: web\n  namespace", "name: legacy\n  namespace")


def test_exception_rules_suppress_by_rule_name_for_matching_input_only(write, backend):
    root = write({"policy/p.rego": EXCEPTIONS, "web.yaml": DEPLOYMENT, "legacy.yaml": LEGACY})
    run = check(root, "--policy", "policy", *backend, "web.yaml", "legacy.yaml")
    assert run.exit_code == 1
    assert findings(run) == [
        ("rego/main", "error", "legacy.yaml", 1, "container web uses :latest"),
        ("rego/main", "error", "legacy.yaml", 1, "one replica"),
        ("rego/main", "error", "web.yaml", 1, "one replica"),
    ]


NAMESPACED = """package kubernetes.security

deny contains "runs the latest tag" if {
  endswith(input.spec.template.spec.containers[0].image, ":latest")
}
"""

MAIN = """package main

warn contains "checked by main" if input.kind == "Deployment"
"""


def test_namespaces_select_packages(write, backend):
    root = write({"policy/sec.rego": NAMESPACED, "policy/main.rego": MAIN,
                  "web.yaml": DEPLOYMENT})
    default = check(root, "--policy", "policy", *backend, "web.yaml")
    assert findings(default) == [("rego/main", "warning", "web.yaml", 1, "checked by main")]
    assert default.exit_code == 0
    chosen = check(root, "--policy", "policy", "--namespace", "kubernetes.security", *backend,
                   "web.yaml")
    assert findings(chosen) == [
        ("rego/kubernetes.security", "error", "web.yaml", 1, "runs the latest tag")]
    every = check(root, "--policy", "policy", "--all-namespaces", *backend, "web.yaml")
    assert len(findings(every)) == 2 and every.exit_code == 1


def test_unknown_namespace_is_an_error_not_a_pass(write, backend):
    root = write({"policy/sec.rego": NAMESPACED, "web.yaml": DEPLOYMENT})
    run = check(root, "--policy", "policy", "--namespace", "kubernetes.securty", *backend,
                "web.yaml")
    assert run.exit_code == 2
    assert "no deny, violation or warn rules in namespace 'kubernetes.securty'" in run.stderr
    assert "kubernetes.security" in run.stderr


DATA_POLICY = """package main

deny contains msg if {
  some container in input.spec.template.spec.containers
  registry := split(container.image, "/")[0]
  not registry in data.registries.allowed
  msg := sprintf("image %s is not from an allowed registry", [container.image])
}
"""


def test_data_files_are_merged_under_data(write, backend):
    root = write({"policy/p.rego": DATA_POLICY, "data/registries.yaml":
                  "registries:\n  allowed: [ghcr.io, registry.acme.dev]\n",
                  "web.yaml": DEPLOYMENT,
                  "ok.yaml": DEPLOYMENT.replace("nginx:latest", "ghcr.io/acme/web:1.0")})
    run = check(root, "--policy", "policy", "--data", "data/registries.yaml", *backend,
                "web.yaml", "ok.yaml")
    assert run.exit_code == 1
    assert findings(run) == [
        ("rego/main", "error", "web.yaml", 1, "image nginx:latest is not from an allowed registry")]


COMBINED = """package main

deny contains {"msg": sprintf("Deployment %s has no Service", [doc.contents.metadata.name]), "path": sprintf("[%d].contents.metadata.name", [i])} if {
  some i, doc in input
  doc.contents.kind == "Deployment"
  not service_names[doc.contents.metadata.name]
}

service_names contains doc.contents.metadata.name if {
  some doc in input
  doc.contents.kind == "Service"
}
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: api
"""


def test_combine_gives_all_documents_at_once_and_locates_results(write, backend):
    root = write({"policy/p.rego": COMBINED, "a/web.yaml": DEPLOYMENT,
                  "b/api.yaml": COMPLIANT, "b/svc.yaml": SERVICE})
    run = check(root, "--policy", "policy", "--combine", *backend, "a", "b")
    assert run.exit_code == 1, run.stderr
    assert findings(run) == [("rego/main", "error", "a/web.yaml", 4, "Deployment web has no Service")]


CONTEXT = """package main

warn contains msg if {
  input.kind == "Deployment"
  msg := sprintf("%s document %d is %s/%s", [data.policygate.file, data.policygate.document, data.policygate.resource.kind, input.metadata.name])
}
"""


def test_policies_see_the_document_context_in_data_policygate(write, backend):
    root = write({"policy/p.rego": CONTEXT, "deploy/two.yaml": SERVICE + "---\n" + DEPLOYMENT})
    run = check(root, "--policy", "policy", *backend, "deploy/two.yaml")
    assert findings(run) == [("rego/main", "warning", "deploy/two.yaml", 6,
                              "deploy/two.yaml document 1 is Deployment/web")]


def test_parallel_workers_each_get_their_own_engine(write, backend):
    files = {f"deploy/app{i}.yaml": DEPLOYMENT.replace("name: web\n  namespace", f"name: app{i}\n  namespace")
             for i in range(6)}
    root = write({"policy/deploy.rego": CONFTEST_V1, "deploy/ok.yaml": COMPLIANT, **files})
    run = check(root, "--policy", "policy", "--jobs", "2", *backend, "deploy")
    assert run.exit_code == 1, run.stderr
    assert sorted(f["file"] for f in run.json()["findings"]) == sorted(list(files) * 3)


def test_combined_results_land_on_the_right_item_of_a_list(write, backend):
    """Items of a `kind: List` are one YAML document: each still gets its own lines."""
    items = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        "  - " + manifest.replace("\n", "\n    ").rstrip() + "\n" for manifest in (SERVICE, DEPLOYMENT))
    root = write({"policy/p.rego": COMBINED, "list.yaml": items})
    run = check(root, "--policy", "policy", "--combine", *backend, "list.yaml")
    assert findings(run) == [("rego/main", "error", "list.yaml", 11, "Deployment web has no Service")]


ITERATED_CALL = """package main

deny contains sprintf("image %s is not from an allowed registry", [input.image]) if {
  not allowed
}

allowed if {
  some i
  startswith(input.image, data.registries[i])
}
"""


def test_iterated_references_in_calls_are_evaluated_not_silently_dropped(write, backend):
    """regopy evaluated `startswith(x, list[i])` to nothing; every engine now gives OPA's
    answer without rewriting the module."""
    root = write({"policy/p.rego": ITERATED_CALL, "data.json": '{"registries": ["corp.io/"]}',
                  "ok.json": '{"image": "corp.io/app:1"}', "bad.json": '{"image": "evil.io/app:1"}'})
    run = check(root, "--policy", "policy", "--data", "data.json", *backend, "ok.json", "bad.json")
    assert findings(run) == [("rego/main", "error", "bad.json", 1,
                              "image evil.io/app:1 is not from an allowed registry")]
