"""`policygate verify`: gator suites written for this project, with gator's semantics —
assertions, message regexes, inventory, AdmissionReviews, invalid constraints, skips,
--run — a per-case report, exit 1 on failures and 2 on errors."""
from __future__ import annotations

import json

import pytest
import yaml

from tests.conftest import run_cli
from tests.gatekeeper.builders import (FLAG, REQUIRED_LABELS, constraint, obj, suite,
                                       template)

LABELS_SCHEMA = {"type": "object", "properties": {
    "labels": {"type": "array", "items": {"type": "string"}}}}


def at(text: str, needle: str) -> str:
    """`line:column` of needle in text."""
    before = text[:text.index(needle)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


def verify(root, *args: str):
    return run_cli("verify", *args, cwd=root)


def statuses(run) -> list[tuple[str, str, str, str]]:
    return [(c["test"], c["case"], c["status"], c["message"]) for c in run.json()["cases"]]


@pytest.fixture
def labels_suite(write):
    """A required-labels suite with passing and failing cases of every assertion form."""
    return write({
        "suite/template.yaml": template("K8sRequiredLabels", REQUIRED_LABELS, schema=LABELS_SCHEMA),
        "suite/constraint.yaml": constraint("K8sRequiredLabels", "team-owner",
                                            parameters={"labels": ["team", "owner"]}),
        "suite/samples/none.yaml": obj("v1", "ConfigMap", "c", "x"),
        "suite/samples/team.yaml": obj("v1", "ConfigMap", "c", "x", labels={"team": "a"}),
        "suite/samples/both.yaml": obj("v1", "ConfigMap", "c", "x",
                                       labels={"team": "a", "owner": "b"}),
        "suite/suite.yaml": suite({
            "name": "labels", "template": "template.yaml", "constraint": "constraint.yaml",
            "cases": [
                {"name": "none", "object": "samples/none.yaml",
                 "assertions": [{"violations": "yes"}, {"violations": 1},
                                {"violations": 1, "message": "owner"},
                                {"violations": "no", "message": "^nothing like this$"}]},
                {"name": "team", "object": "samples/team.yaml",
                 "assertions": [{"violations": 1, "message": 'labels: {"owner"}$'}]},
                {"name": "both", "object": "samples/both.yaml",
                 "assertions": [{"violations": "no"}]},
                {"name": "wrong-count", "object": "samples/both.yaml",
                 "assertions": [{"violations": 2}]},
                {"name": "wrong-message", "object": "samples/team.yaml",
                 "assertions": [{"violations": "yes", "message": "Team"}]},   # case-sensitive
                {"name": "unexpected", "object": "samples/team.yaml",
                 "assertions": [{"violations": "no"}]}]})})


def test_assertions_have_gators_semantics_and_failures_exit_1(labels_suite):
    run = verify(labels_suite, "suite", "--format", "json")
    assert run.exit_code == 1, run.stderr
    assert statuses(run) == [
        ("labels", "none", "pass", ""),
        ("labels", "team", "pass", ""),
        ("labels", "both", "pass", ""),
        ("labels", "wrong-count", "fail", "got 0 violations but want exactly 2; messages: []"),
        ("labels", "wrong-message", "fail", "got 0 violations containing 'Team' but want at "
                                            "least 1; messages: ['missing labels: {\"owner\"}']"),
        ("labels", "unexpected", "fail", "got 1 violations but want none; messages: "
                                         "['missing labels: {\"owner\"}']")]
    cases = run.json()["cases"]
    assert cases[0] == {"suite": "suite/suite.yaml", "test": "labels", "case": "none",
                        "passed": True, "message": "", "status": "pass"}
    assert [c["passed"] for c in cases] == [True, True, True, False, False, False]
    assert run.json()["summary"] == {"total": 6, "pass": 3, "fail": 3, "error": 0, "skip": 0}


def test_text_report_points_at_each_case_line(labels_suite):
    run = verify(labels_suite, "suite/suite.yaml")
    lines = run.stdout.splitlines()
    suite_lines = (labels_suite / "suite/suite.yaml").read_text().splitlines()
    assert lines[0].startswith(f"suite/suite.yaml:{suite_lines.index('  - name: none') + 1}: "
                               f"labels/none: PASS (")
    assert lines[3].endswith("labels/wrong-count: FAIL") is False
    assert ": labels/wrong-count: FAIL (" in lines[3]
    assert lines[3].endswith("): got 0 violations but want exactly 2; messages: []")
    assert lines[-1] == "PASS: 3/6, FAIL: 3/6"


def test_run_filter_and_skips(labels_suite):
    run = verify(labels_suite, "suite", "--format", "json", "--run", "wrong")
    assert [(c["case"], c["status"]) for c in run.json()["cases"]] == [
        ("none", "skip"), ("team", "skip"), ("both", "skip"), ("wrong-count", "fail"),
        ("wrong-message", "fail"), ("unexpected", "skip")]
    run = verify(labels_suite, "suite", "--format", "json", "--run", "^labels$//^(none|team)$")
    assert [c["case"] for c in run.json()["cases"] if c["status"] == "pass"] == ["none", "team"]
    assert run.exit_code == 0
    invalid = verify(labels_suite, "suite", "--run", "a//b//c")
    assert (invalid.exit_code, invalid.stderr) == (
        2, "policygate: error: --run 'a//b//c': a filter may include at most one \"//\"\n")


INVENTORY_TEMPLATE = """package k8suniquename

violation[{"msg": msg}] {
  other := data.inventory.namespace[ns][_][input.review.kind.kind][name]
  other.metadata.labels.app == input.review.object.metadata.labels.app
  ns != input.review.object.metadata.namespace
  msg := sprintf("app %v also runs in %v (%v)", [other.metadata.labels.app, ns, name])
}
"""


def test_inventory_admission_reviews_and_namespaces(write):
    review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "operation": "DELETE", "namespace": "shop", "userInfo": {"username": "alice"},
        "oldObject": yaml.safe_load(obj("apps/v1", "Deployment", "web", "shop",
                                        labels={"app": "web"}))}}
    who = ('package k8swho\n\nuser = input.review.userInfo.username\n\n'
           'user = "nobody" { not input.review.userInfo.username }\n\n'
           'violation[{"msg": msg}] {\n  msg := sprintf("%v %v/%v by %v", '
           '[input.review.operation, input.review.object.kind, input.review.object.metadata.name, '
           'user])\n}\n')
    root = write({
        "t/unique.yaml": template("K8sUniqueName", INVENTORY_TEMPLATE),
        "t/unique-c.yaml": constraint("K8sUniqueName", "unique"),
        "t/who.yaml": template("K8sWho", who),
        "t/who-c.yaml": constraint("K8sWho", "who", match={
            "namespaceSelector": {"matchLabels": {"env": "prod"}}}),
        "t/web.yaml": obj("apps/v1", "Deployment", "web", "shop", labels={"app": "web"}),
        "t/elsewhere.yaml": obj("apps/v1", "Deployment", "web-copy", "legacy", labels={"app": "web"}),
        "t/same-ns.yaml": obj("apps/v1", "Deployment", "web", "shop", labels={"app": "web"}),
        "t/shop-ns.yaml": obj("v1", "Namespace", "shop", labels={"env": "prod"}),
        "t/delete.yaml": yaml.safe_dump(review),
        "t/suite.yaml": suite(
            {"name": "unique", "template": "unique.yaml", "constraint": "unique-c.yaml", "cases": [
                {"name": "alone", "object": "web.yaml", "assertions": [{"violations": "no"}]},
                {"name": "copy-elsewhere", "object": "web.yaml", "inventory": ["elsewhere.yaml"],
                 "assertions": [{"violations": 1, "message": r"^app web also runs in legacy \(web-copy\)$"}]},
                {"name": "itself", "object": "web.yaml", "inventory": ["same-ns.yaml"],
                 "assertions": [{"violations": "no"}]}]},
            {"name": "who", "template": "who.yaml", "constraint": "who-c.yaml", "cases": [
                {"name": "plain-object-has-no-operation", "object": "web.yaml",
                 "inventory": ["shop-ns.yaml"],
                 "assertions": [{"violations": 1, "message": "^ Deployment/web by nobody$"}]},
                {"name": "delete-review-sees-the-old-object", "object": "delete.yaml",
                 "inventory": ["shop-ns.yaml"],
                 "assertions": [{"violations": 1, "message": "^DELETE Deployment/web by alice$"}]},
                {"name": "namespace-selector-needs-the-namespace", "object": "web.yaml",
                 "assertions": [{"violations": "no"}]}]})})
    run = verify(root, "t", "--format", "json")
    assert run.exit_code == 2
    assert statuses(run) == [
        ("unique", "alone", "pass", ""),
        ("unique", "copy-elsewhere", "pass", ""),
        ("unique", "itself", "pass", ""),
        ("who", "plain-object-has-no-operation", "pass", ""),
        ("who", "delete-review-sees-the-old-object", "pass", ""),
        ("who", "namespace-selector-needs-the-namespace", "error",
         "failed to run match criteria: namespace selector for namespace-scoped object but "
         "missing Namespace 'shop' (add it to the case's inventory)")]


def test_invalid_constraints(write):
    root = write({
        "s/template.yaml": template("K8sRequiredLabels", REQUIRED_LABELS, schema=LABELS_SCHEMA),
        "s/bad.yaml": constraint("K8sRequiredLabels", "bad", parameters={"labels": [1]}),
        "s/good.yaml": constraint("K8sRequiredLabels", "good", parameters={"labels": ["a"]}),
        "s/suite.yaml": suite(
            {"name": "bad-is-invalid", "template": "template.yaml", "constraint": "bad.yaml",
             "invalid": True},
            {"name": "good-is-not", "template": "template.yaml", "constraint": "good.yaml",
             "invalid": True})})
    run = verify(root, "s", "--format", "json")
    assert run.exit_code == 1
    assert statuses(run) == [
        ("bad-is-invalid", "", "pass", ""),
        ("good-is-not", "", "fail", "the constraint is valid, but the test expects it to be "
                                    "invalid (invalid: true)")]


BROKEN = template("K8sFlag", FLAG.replace("msg := sprintf", "msg := nosuch"))


@pytest.mark.parametrize(("files", "test", "message"), [
    ({"t.yaml": BROKEN}, {"template": "t.yaml", "constraint": "c.yaml"},
     f"s/t.yaml:{at(BROKEN, 'nosuch')}: rego_type_error: undefined function nosuch"),
    ({"t.yaml": template("K8sCel", None, layout="code", cel=True),
      "c.yaml": constraint("K8sCel", "c")}, {"template": "t.yaml", "constraint": "c.yaml"},
     "ConstraintTemplate k8scel has no Rego code (engines: K8sNativeValidation); policygate "
     "evaluates Rego only"),
    ({"c.yaml": constraint("K8sOther", "c")}, {"template": "t.yaml", "constraint": "c.yaml"},
     "s/c.yaml: the constraint is a K8sOther, but the template defines K8sFlag"),
    ({}, {"template": "t.yaml", "constraint": "missing.yaml"},
     "s/missing.yaml: cannot read the file: No such file or directory"),
    ({}, {"template": "t.yaml", "constraint": "c.yaml", "expansion": "e.yaml"},
     "ExpansionTemplates (`expansion`) are not supported by policygate verify: test the "
     "expanded resource (e.g. the Pod) directly"),
])
def test_test_level_errors_make_every_case_an_error(write, files, test, message):
    root = write({"s/t.yaml": template("K8sFlag", FLAG), "s/c.yaml": constraint("K8sFlag", "c"),
                  "s/o.yaml": obj("v1", "ConfigMap", "a", "x"),
                  **{f"s/{name}": text for name, text in files.items()},
                  "s/suite.yaml": suite({"name": "t", **test, "cases": [
                      {"name": "one", "object": "o.yaml", "assertions": [{"violations": "no"}]},
                      {"name": "two", "object": "o.yaml", "assertions": [{"violations": "yes"}]}]})})
    run = verify(root, "s", "--format", "json")
    assert run.exit_code == 2
    assert statuses(run) == [("t", "one", "error", message), ("t", "two", "error", message)]


@pytest.mark.parametrize(("case", "message"), [
    ({"object": "two.yaml", "assertions": [{"violations": "no"}]},
     "s/two.yaml defines 2 objects; a case reviews exactly one"),
    ({"object": "o.yaml"}, "assertions must be non-empty"),
    ({"assertions": [{"violations": "no"}]}, "the case must define `object`"),
    ({"object": "o.yaml", "assertions": [{"violations": "maybe"}]},
     "assertion.violations is 'maybe'; it must be a nonnegative integer, \"yes\", or \"no\""),
    ({"object": "o.yaml", "assertions": [{"violations": -1}]},
     "assertion.violations must be a nonnegative integer, \"yes\", or \"no\""),
    ({"object": "o.yaml", "assertions": [{"message": "(unclosed"}]},
     "invalid message regular expression '(unclosed': missing ), unterminated subpattern at "
     "position 0"),
    ({"object": "/etc/o.yaml", "assertions": [{"violations": "no"}]},
     "/etc/o.yaml: absolute paths are not allowed in a suite"),
    ({"object": "review.yaml", "assertions": [{"violations": "no"}]},
     "s/review.yaml: unknown field 'objekt' in the AdmissionReview request"),
])
def test_case_errors_are_errors_and_the_other_cases_still_run(write, case, message):
    review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
              "request": {"operation": "CREATE", "objekt": {"kind": "Pod"}}}
    root = write({"s/t.yaml": template("K8sFlag", FLAG), "s/c.yaml": constraint("K8sFlag", "c"),
                  "s/o.yaml": obj("v1", "ConfigMap", "a", "x"),
                  "s/two.yaml": obj("v1", "ConfigMap", "a", "x") + "---\n" + obj("v1", "ConfigMap", "b", "x"),
                  "s/review.yaml": yaml.safe_dump(review),
                  "s/suite.yaml": suite({"name": "t", "template": "t.yaml", "constraint": "c.yaml",
                                         "cases": [{"name": "bad", **case},
                                                   {"name": "good", "object": "o.yaml",
                                                    "assertions": [{"violations": 1}]}]})})
    run = verify(root, "s", "--format", "json")
    assert run.exit_code == 2
    assert statuses(run) == [("t", "bad", "error", message), ("t", "good", "pass", "")]


def test_files_that_are_not_suites_are_ignored_and_no_suite_is_an_error(write):
    root = write({"s/t.yaml": template("K8sFlag", FLAG), "s/readme.yaml": "title: x\n"})
    run = verify(root, "s")
    assert (run.exit_code, run.stderr) == (
        2, "policygate: error: no gator suites (kind: Suite, apiVersion: test.gatekeeper.sh/"
           "v1alpha1) found in s\n")
    missing = verify(root, "nowhere")
    assert (missing.exit_code, missing.stderr) == (
        2, "policygate: error: nowhere: no such file or directory\n")
    # A suite with no tests is a suite (gator passes it too): nothing ran, nothing failed.
    empty = verify(write({"s/suite.yaml": suite()}), "s", "--format", "json")
    assert (empty.exit_code, empty.json()) == (0, {"cases": [], "summary": {
        "total": 0, "pass": 0, "fail": 0, "error": 0, "skip": 0}})


def test_a_suite_that_cannot_be_read_is_an_error_on_its_line(write):
    root = write({"s/suite.yaml": "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\n"
                                  "tests: {a: 1}\n"})
    run = verify(root, "s")
    assert run.exit_code == 2
    assert run.stdout.splitlines()[0] == "s/suite.yaml:3: (suite): ERROR (0.0ms): `tests` must be a list"
