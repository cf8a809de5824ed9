"""`policygate check` with Gatekeeper policies: real templates and constraints, real regopy,
real files through the CLI. Each finding is asserted by rule, file, line and severity,
with the compliant object next to the violating one."""
from __future__ import annotations

from tests.conftest import expected_positions, found_positions, run_cli
from tests.gatekeeper.builders import (FLAG, REQUIRED_LABELS, constraint, documents, obj,
                                       template)

PRIVILEGED = """package k8snoprivileged

violation[{"msg": msg, "details": {"path": sprintf("spec.containers[%v].securityContext.privileged", [i])}}] {
  c := input.review.object.spec.containers[i]
  c.securityContext.privileged
  msg := sprintf("container %v is privileged", [c.name])
}
"""

POD = """apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: tools
spec:
  containers:
    - name: ok
      image: registry.example.com/ok:1
    - name: shell
      image: registry.example.com/shell:1
      securityContext:
        privileged: true  # <- gatekeeper/K8sNoPrivileged/no-privileged
"""

COMPLIANT_POD = POD.replace("privileged: true  # <- gatekeeper/K8sNoPrivileged/no-privileged",
                            "privileged: false")


def check(root, *args: str):
    return run_cli("check", "--format", "json", "--select", "gatekeeper", *args, cwd=root)


def findings(run) -> list[tuple[str, str, str, int, str]]:
    return sorted((f["rule"], f["severity"], f["file"], f["line"], f["message"])
                  for f in run.json()["findings"])


def test_details_path_puts_the_finding_on_the_field_and_compliant_objects_pass(write):
    root = write({"policy/privileged.yaml": documents(
        template("K8sNoPrivileged", PRIVILEGED),
        constraint("K8sNoPrivileged", "no-privileged",
                   match={"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]})),
        "pod.yaml": POD, "ok.yaml": COMPLIANT_POD})
    run = check(root, "--gatekeeper", "policy", "pod.yaml", "ok.yaml")
    assert run.exit_code == 1, run.stderr
    assert found_positions(run.json()) == expected_positions(POD)
    finding = run.json()["findings"][0]
    assert (finding["file"], finding["severity"], finding["message"], finding["source"],
            finding["path"]) == ("pod.yaml", "error", "container shell is privileged",
                                 "gatekeeper", "spec.containers[1].securityContext.privileged")
    assert finding["resource"] == {"apiVersion": "v1", "kind": "Pod", "namespace": "tools",
                                   "name": "debug"}
    assert check(root, "--gatekeeper", "policy", "ok.yaml").exit_code == 0


def test_without_a_field_path_the_finding_is_on_the_resource(write):
    manifest = "# a comment\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
    root = write({"policy/labels.yaml": documents(
        template("K8sRequiredLabels", REQUIRED_LABELS),
        constraint("K8sRequiredLabels", "team", parameters={"labels": ["team"]})),
        "web.yaml": manifest})
    run = check(root, "--gatekeeper", "policy", "web.yaml")
    assert findings(run) == [("gatekeeper/K8sRequiredLabels/team", "error", "web.yaml", 2,
                              'missing labels: {"team"}')]


def test_parameters_reach_the_template(write):
    labelled = obj("apps/v1", "Deployment", "web", "shop", labels={"team": "a"})
    root = write({"policy/labels.yaml": documents(
        template("K8sRequiredLabels", REQUIRED_LABELS),
        constraint("K8sRequiredLabels", "team", parameters={"labels": ["team"]}),
        constraint("K8sRequiredLabels", "team-and-owner",
                   parameters={"labels": ["team", "owner"]})),
        "web.yaml": labelled})
    run = check(root, "--gatekeeper", "policy", "web.yaml")
    assert findings(run) == [("gatekeeper/K8sRequiredLabels/team-and-owner", "error",
                              "web.yaml", 1, 'missing labels: {"owner"}')]


def test_enforcement_actions_set_the_severity(write):
    policy = documents(
        template("K8sFlag", FLAG),
        constraint("K8sFlag", "denied", match={"name": "deny-me"}),
        constraint("K8sFlag", "default-is-deny", match={"name": "deny-me"}, action=""),
        constraint("K8sFlag", "warned", match={"name": "warn-me"}, action="warn"),
        constraint("K8sFlag", "recorded", match={"name": "dryrun-me"}, action="dryrun"))
    root = write({"policy/flag.yaml": policy,
                  "a.yaml": obj("v1", "ConfigMap", "deny-me", "x"),
                  "b.yaml": obj("v1", "ConfigMap", "warn-me", "x"),
                  "c.yaml": obj("v1", "ConfigMap", "dryrun-me", "x")})
    run = check(root, "--gatekeeper", "policy", "a.yaml", "b.yaml", "c.yaml")
    assert findings(run) == [
        ("gatekeeper/K8sFlag/default-is-deny", "error", "a.yaml", 1, "flagged ConfigMap/deny-me"),
        ("gatekeeper/K8sFlag/denied", "error", "a.yaml", 1, "flagged ConfigMap/deny-me"),
        ("gatekeeper/K8sFlag/recorded", "note", "c.yaml", 1, "flagged ConfigMap/dryrun-me"),
        ("gatekeeper/K8sFlag/warned", "warning", "b.yaml", 1, "flagged ConfigMap/warn-me")]
    assert run.exit_code == 1
    # Only the warn constraint on its object: a warning does not fail the default gate.
    assert check(root, "--gatekeeper", "policy", "b.yaml").exit_code == 0
    assert check(root, "--gatekeeper", "policy", "b.yaml", "--fail-on", "warning").exit_code == 1


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_scoped_enforcement_uses_the_admission_points_and_skips_audit_only(write):
    policy = documents(
        template("K8sFlag", FLAG),
        constraint("K8sFlag", "webhook-warns", action="scoped", scoped=[
            {"action": "deny", "enforcementPoints": [{"name": "audit.gatekeeper.sh"}]},
            {"action": "warn", "enforcementPoints": [{"name": "validation.gatekeeper.sh"}]}]),
        constraint("K8sFlag", "audit-only", action="scoped", scoped=[
            {"action": "deny", "enforcementPoints": [{"name": "audit.gatekeeper.sh"}]}]),
        constraint("K8sFlag", "everywhere", action="scoped", scoped=[
            {"action": "dryrun", "enforcementPoints": [{"name": "*"}]}]))
    root = write({"policy/flag.yaml": policy, "cm.yaml": obj("v1", "ConfigMap", "settings", "x")})
    run = check(root, "--gatekeeper", "policy", "cm.yaml")
    assert findings(run) == [
        ("gatekeeper/K8sFlag/everywhere", "note", "cm.yaml", 1, "flagged ConfigMap/settings"),
        ("gatekeeper/K8sFlag/webhook-warns", "warning", "cm.yaml", 1, "flagged ConfigMap/settings")]
    start = line_of(policy, "name: audit-only") - 3      # the constraint's apiVersion line
    assert (f"policygate: note: policy/flag.yaml:{start}: K8sFlag audit-only is enforced only "
            f"at other enforcement points (scoped enforcement), not at admission: not checked "
            f"at commit time\n") in run.stderr


def test_libs_are_imported_under_data_lib(write):
    main = """package k8simages

import data.lib.images.untagged

violation[{"msg": msg}] {
  c := input.review.object.spec.containers[_]
  untagged(c.image)
  msg := sprintf("container %v has no tag", [c.name])
}
"""
    lib = """package lib.images

untagged(image) {
  not contains(image, ":")
}
"""
    pod = obj("v1", "Pod", "web", "shop", spec={"containers": [
        {"name": "a", "image": "nginx"}, {"name": "b", "image": "nginx:1.27"}]})
    root = write({"policy/images.yaml": documents(template("K8sImages", main, libs=(lib,)),
                                                  constraint("K8sImages", "tagged")),
                  "pod.yaml": pod})
    run = check(root, "--gatekeeper", "policy", "pod.yaml")
    assert findings(run) == [("gatekeeper/K8sImages/tagged", "error", "pod.yaml", 1,
                              "container a has no tag")]


UNIQUE_HOST = """package k8suniqueingresshost

same(other, review) {
  other.metadata.namespace == review.object.metadata.namespace
  other.metadata.name == review.object.metadata.name
}

violation[{"msg": msg, "details": {"path": sprintf("spec.rules[%v].host", [i])}}] {
  host := input.review.object.spec.rules[i].host
  other := data.inventory.namespace[ns][_]["Ingress"][name]
  other.spec.rules[_].host == host
  not same(other, input.review)
  msg := sprintf("host %v is also used by %v/%v", [host, ns, name])
}
"""


def _ingress(namespace: str, name: str, host: str) -> str:
    return obj("networking.k8s.io/v1", "Ingress", name, namespace,
               spec={"rules": [{"host": host}]})


def test_inventory_holds_every_checked_object_across_files(write):
    root = write({"policy/unique.yaml": documents(
        template("K8sUniqueIngressHost", UNIQUE_HOST),
        constraint("K8sUniqueIngressHost", "unique",
                   match={"kinds": [{"apiGroups": ["networking.k8s.io"], "kinds": ["Ingress"]}]})),
        "shop/ingress.yaml": _ingress("shop", "web", "shop.example.com"),
        "legacy/ingress.yaml": _ingress("legacy", "old", "shop.example.com"),
        "blog/ingress.yaml": _ingress("blog", "blog", "blog.example.com")})
    run = check(root, "--gatekeeper", "policy", "shop", "legacy", "blog")
    assert findings(run) == [
        ("gatekeeper/K8sUniqueIngressHost/unique", "error", "legacy/ingress.yaml", 8,
         "host shop.example.com is also used by shop/web"),
        ("gatekeeper/K8sUniqueIngressHost/unique", "error", "shop/ingress.yaml", 8,
         "host shop.example.com is also used by legacy/old")]
    # The reviewed object is in the inventory too (as in audit): templates exclude it.
    alone = check(root, "--gatekeeper", "policy", "shop", "blog")
    assert (alone.exit_code, findings(alone)) == (0, [])


def test_review_is_a_create_by_the_configured_user(write):
    rego = """package k8swho

violation[{"msg": msg}] {
  msg := sprintf("%v by %v", [input.review.operation, input.review.userInfo.username])
}
"""
    config = ("gatekeeper:\n  dirs: [policy]\n  user_info:\n"
              "    username: system:serviceaccount:argocd:argocd-application-controller\n")
    root = write({"policy/who.yaml": documents(template("K8sWho", rego),
                                               constraint("K8sWho", "who")),
                  ".policygate.yaml": config, "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    run = check(root, "cm.yaml")
    assert findings(run) == [("gatekeeper/K8sWho/who", "error", "cm.yaml", 1,
                              "CREATE by system:serviceaccount:argocd:argocd-application-controller")]
    default = check(write({".policygate.yaml": "gatekeeper: {dirs: [policy]}\n"}), "cm.yaml")
    assert findings(default) == [("gatekeeper/K8sWho/who", "error", "cm.yaml", 1,
                                  "CREATE by policygate")]


def test_from_repo_reads_policy_objects_among_the_checked_files(write):
    root = write({".policygate.yaml": "gatekeeper:\n  from_repo: true\n",
                  "platform/gatekeeper/flag.yaml": documents(
                      template("K8sFlag", FLAG),
                      constraint("K8sFlag", "configmaps", match={
                          "kinds": [{"apiGroups": [""], "kinds": ["ConfigMap"]}]})),
                  "apps/cm.yaml": obj("v1", "ConfigMap", "settings", "shop"),
                  "apps/svc.yaml": obj("v1", "Service", "web", "shop")})
    run = check(root)
    assert findings(run) == [("gatekeeper/K8sFlag/configmaps", "error", "apps/cm.yaml", 1,
                              "flagged ConfigMap/settings")]
    # The constraint applies to a check of other paths too: it is in the repository.
    assert findings(check(root, "apps/cm.yaml")) == findings(run)


def test_cel_only_templates_are_reported_not_dropped(write):
    policy = documents(template("K8sCelOnly", None, layout="code", cel=True),
                       constraint("K8sCelOnly", "labels-required"),
                       template("K8sFlag", FLAG), constraint("K8sFlag", "flag"))
    root = write({"policy/cel.yaml": policy, "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    run = check(root, "--gatekeeper", "policy", "cm.yaml")
    assert run.exit_code == 1
    assert findings(run) == [
        ("gatekeeper/K8sFlag/flag", "error", "cm.yaml", 1, "flagged ConfigMap/a"),
        ("gatekeeper/unsupported-template", "note", "policy/cel.yaml", 1,
         "ConstraintTemplate k8scelonly has no Rego code (engines: K8sNativeValidation); "
         "policygate evaluates Rego only, so its constraints (labels-required) are not checked "
         "at commit time; add a Rego version of the policy (code: engine: Rego) to check it here")]


def test_templates_with_rego_and_cel_run_the_rego(write):
    root = write({"policy/both.yaml": documents(
        template("K8sRequiredLabels", REQUIRED_LABELS, layout="code", cel=True),
        constraint("K8sRequiredLabels", "team", parameters={"labels": ["team"]})),
        "cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    assert findings(check(root, "--gatekeeper", "policy", "cm.yaml")) == [
        ("gatekeeper/K8sRequiredLabels/team", "error", "cm.yaml", 1, 'missing labels: {"team"}')]


def test_v1_templates_run_as_written(write):
    rego = """package k8sflagv1

violation contains {"msg": msg} if {
  some c in input.review.object.spec.containers
  endswith(c.image, ":latest")
  msg := sprintf("%v uses latest", [c.name])
}
"""
    pod = obj("v1", "Pod", "p", "x", spec={"containers": [{"name": "a", "image": "x:latest"},
                                                          {"name": "b", "image": "x:1"}]})
    root = write({"policy/v1.yaml": documents(
        template("K8sFlagV1", rego, layout="code", version="v1"), constraint("K8sFlagV1", "c")),
        "pod.yaml": pod})
    assert findings(check(root, "--gatekeeper", "policy", "pod.yaml")) == [
        ("gatekeeper/K8sFlagV1/c", "error", "pod.yaml", 1, "a uses latest")]


def test_suppression_comments_work_for_gatekeeper_findings(write):
    suppressed = POD.replace("  # <- gatekeeper/K8sNoPrivileged/no-privileged",
                             "  # policygate: ignore[gatekeeper/K8sNoPrivileged] debug pod")
    root = write({"policy/privileged.yaml": documents(
        template("K8sNoPrivileged", PRIVILEGED), constraint("K8sNoPrivileged", "no-privileged")),
        "pod.yaml": suppressed})
    run = run_cli("check", "--format", "json", "--gatekeeper", "policy", "pod.yaml",
                  "--select", "gatekeeper,policygate", cwd=root)
    assert (run.exit_code, run.json()["findings"]) == (0, [])
    # The per-file stage does not call it unused: combined engines judge after it.
    clean = suppressed.replace("privileged: true", "privileged: false")
    root = write({"pod.yaml": clean})
    run = run_cli("check", "--format", "json", "--gatekeeper", "policy", "pod.yaml",
                  "--select", "gatekeeper,policygate", cwd=root)
    assert run.json()["findings"] == []
