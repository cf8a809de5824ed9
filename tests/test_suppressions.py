"""Comment, annotation and config-exception suppressions: exact scope, never silent."""
from __future__ import annotations

import datetime

import pytest

from tests.conftest import run_cli

TWO_CONTAINERS = """apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  containers:
    - name: a
      securityContext:
        privileged: true  # policygate: ignore[pss/privileged] vendor image needs it (TICKET-1)
    - name: b
      securityContext:
        privileged: true
"""


@pytest.fixture(autouse=True)
def _no_validation_cache(monkeypatch):
    monkeypatch.setenv("POLICYGATE_NO_CACHE", "1")


def check(root, *args):
    run = run_cli("check", "--format", "json", "--select", "pss,policygate", "--pss-warn-level", "none",
                  *args, ".", cwd=root)
    assert run.exit_code in (0, 1), run.stderr
    return run.json()


def positions(findings):
    return sorted((f["rule"], f["file"], f["line"]) for f in findings)


def test_trailing_comment_suppresses_that_line_only(write):
    report = check(write({"pod.yaml": TWO_CONTAINERS}))
    assert positions(report["findings"]) == [("pss/privileged", "pod.yaml", 11)]
    [suppressed] = report["suppressed"]
    assert (suppressed["rule"], suppressed["line"]) == ("pss/privileged", 8)
    assert suppressed["suppression"] == {"kind": "comment", "by": "pod.yaml:8", "owner": None,
                                         "reason": "vendor image needs it (TICKET-1)",
                                         "expires": None}
    assert report["summary"]["suppressed"] == 1


def test_comment_on_the_line_above_and_several_rules(write):
    pod = TWO_CONTAINERS.replace(
        "    - name: b\n      securityContext:\n        privileged: true\n",
        "    - name: b\n      securityContext:\n"
        "        # policygate: ignore[pss/host-ports, pss/privileged] debug build only\n"
        "        privileged: true\n")
    report = check(write({"pod.yaml": pod}))
    assert [s["line"] for s in report["suppressed"]] == [8, 12]
    # The directive names a rule that found nothing there: that part is dead weight.
    assert [(f["rule"], f["line"], f["message"]) for f in report["findings"]] == [
        ("policygate/unused-suppression", 11,
         "comment suppression of pss/host-ports matched no finding: remove it")]


def test_comment_on_the_first_line_covers_only_that_resource(write):
    text = ("# policygate: ignore[pss] legacy namespace, migrating in Q3\n"
            + TWO_CONTAINERS.replace("  # policygate: ignore[pss/privileged] vendor image needs it (TICKET-1)", "")
            + "---\n" + TWO_CONTAINERS.replace("name: app", "name: other").replace(
                "  # policygate: ignore[pss/privileged] vendor image needs it (TICKET-1)", ""))
    report = check(write({"pods.yaml": text}))
    assert positions(report["findings"]) == [("pss/privileged", "pods.yaml", 21),
                                             ("pss/privileged", "pods.yaml", 24)]
    assert [(s["rule"], s["line"], s["resource"]["name"], s["suppression"]["by"])
            for s in report["suppressed"]] == [("pss/privileged", 9, "app", "pods.yaml:1"),
                                               ("pss/privileged", 12, "app", "pods.yaml:1")]


def test_annotation_suppresses_the_resource_not_its_neighbour(write):
    annotated = TWO_CONTAINERS.replace(
        "  # policygate: ignore[pss/privileged] vendor image needs it (TICKET-1)", "").replace(
        "metadata: {name: app, namespace: shop}",
        "metadata:\n  name: app\n  namespace: shop\n  annotations:\n"
        "    policygate.dev/ignore: \"pss/privileged\"\n"
        "    policygate.dev/ignore-reason: \"GPU driver installer\"")
    neighbour = TWO_CONTAINERS.replace(
        "  # policygate: ignore[pss/privileged] vendor image needs it (TICKET-1)", "").replace(
        "name: app", "name: neighbour")
    report = check(write({"pods.yaml": annotated + "---\n" + neighbour}))
    assert [(f["rule"], f["line"], f["resource"]["name"]) for f in report["findings"]] == [
        ("pss/privileged", 25, "neighbour"), ("pss/privileged", 28, "neighbour")]
    assert [(s["rule"], s["line"], s["resource"]["name"]) for s in report["suppressed"]] == [
        ("pss/privileged", 13, "app"), ("pss/privileged", 16, "app")]
    assert report["suppressed"][0]["suppression"] == {
        "kind": "annotation", "reason": "GPU driver installer", "by": "pods.yaml:7",
        "owner": None, "expires": None}


def test_suppression_without_reason_warns(write):
    pod = TWO_CONTAINERS.replace(" vendor image needs it (TICKET-1)", "")
    report = check(write({"pod.yaml": pod}))
    warning = next(f for f in report["findings"] if f["rule"] == "policygate/suppression-without-reason")
    assert (warning["severity"], warning["line"], warning["column"]) == ("warning", 8, 27)
    assert len(report["suppressed"]) == 1  # it still suppresses


def test_annotation_without_reason_warns(write):
    pod = TWO_CONTAINERS.replace(
        "  # policygate: ignore[pss/privileged] vendor image needs it (TICKET-1)", "").replace(
        "metadata: {name: app, namespace: shop}",
        "metadata:\n  name: app\n  annotations:\n    policygate.dev/ignore: pss/privileged")
    report = check(write({"pod.yaml": pod}))
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [
        ("policygate/suppression-without-reason", 6)]


def test_unused_and_unknown_suppressions(write):
    pod = TWO_CONTAINERS.replace("ignore[pss/privileged]", "ignore[pss/host-ports,pss/privilegd]")
    report = check(write({"pod.yaml": pod}))
    meta = sorted((f["rule"], f["severity"], f["line"]) for f in report["findings"]
                  if f["rule"].startswith("policygate/"))
    assert meta == [("policygate/unused-suppression", "note", 8),
                    ("policygate/unused-suppression", "warning", 8)]


def test_unused_is_not_reported_for_rules_that_did_not_run(write):
    run = run_cli("check", "--format", "json", "--select", "pss/host-ports,policygate", ".",
                  cwd=write({"pod.yaml": TWO_CONTAINERS}))
    assert (run.exit_code, run.json()["findings"]) == (0, [])


EXCEPTIONS_POD = TWO_CONTAINERS.replace(
    "  # policygate: ignore[pss/privileged] vendor image needs it (TICKET-1)", "")


def test_exception_by_file_glob(write):
    root = write({"legacy/pod.yaml": EXCEPTIONS_POD, "apps/pod.yaml": EXCEPTIONS_POD,
                  ".policygate.yaml": "exceptions:\n  - rule: pss/privileged\n"
                                      "    files: ['legacy/**']\n    reason: being retired\n"
                                      "    owner: platform-team\n    expires: 2999-01-01\n"})
    report = check(root)
    assert positions(report["findings"]) == [("pss/privileged", "apps/pod.yaml", 8),
                                             ("pss/privileged", "apps/pod.yaml", 11)]
    assert [(s["file"], s["line"]) for s in report["suppressed"]] == [
        ("legacy/pod.yaml", 8), ("legacy/pod.yaml", 11)]
    assert report["suppressed"][0]["suppression"] == {
        "kind": "exception", "reason": "being retired", "by": ".policygate.yaml:2 (exception #1)",
        "owner": "platform-team", "expires": "2999-01-01"}


def test_exception_by_kind_namespace_name_and_family(write):
    root = write({"a.yaml": EXCEPTIONS_POD,
                  "b.yaml": EXCEPTIONS_POD.replace("name: app", "name: api"),
                  "c.yaml": EXCEPTIONS_POD.replace("namespace: shop", "namespace: prod"),
                  ".policygate.yaml": "exceptions:\n  - rules: [pss]\n    kind: Pod\n"
                                      "    namespace: shop\n    name: 'ap?'\n    reason: known\n"})
    report = check(root)
    assert positions(report["findings"]) == [("pss/privileged", "c.yaml", 8),
                                             ("pss/privileged", "c.yaml", 11)]
    assert positions(report["suppressed"]) == [
        ("pss/privileged", name, line) for name in ("a.yaml", "b.yaml") for line in (8, 11)]


def _expiring(write, days_from_today):
    """Check EXCEPTIONS_POD with an exception for pss/privileged expiring that many days from
    today, and return (the date, the report)."""
    for _ in range(2):  # a run that straddles midnight is retried once
        expires = (datetime.date.today() + datetime.timedelta(days=days_from_today)).isoformat()
        root = write({"pod.yaml": EXCEPTIONS_POD, ".policygate.yaml": (
            f"exceptions:\n  - rule: pss/privileged\n    reason: temporary\n"
            f"    expires: {expires}\n")})
        report = check(root)
        if expires == (datetime.date.today()
                       + datetime.timedelta(days=days_from_today)).isoformat():
            return expires, report
    raise AssertionError("the date changed twice during the test")


def test_an_exception_is_valid_through_its_expiry_date(write):
    """`expires: <today>` still suppresses: the date is the last day it applies."""
    expires, report = _expiring(write, 0)
    assert report["findings"] == []
    assert [(s["rule"], s["line"], s["suppression"]) for s in report["suppressed"]] == [
        ("pss/privileged", line, {"kind": "exception", "reason": "temporary",
                                  "by": ".policygate.yaml:2 (exception #1)", "owner": None,
                                  "expires": expires}) for line in (8, 11)]


def test_expired_exception_stops_suppressing_and_says_so(write):
    """The day after its expiry date an exception no longer applies, and says so."""
    yesterday, report = _expiring(write, -1)
    assert report["suppressed"] == []
    assert [(f["rule"], f["file"], f["line"], f["severity"], f["message"])
            for f in report["findings"]] == [
        ("policygate/expired-exception", ".policygate.yaml", 2, "warning",
         f"exception #1 for pss/privileged expired on {yesterday}: it no longer suppresses "
         f"anything (reason was: temporary); fix the findings or renew it with a new date"),
        *[("pss/privileged", "pod.yaml", line, "error", f'container "{name}" runs privileged '
           f"(securityContext.privileged=true): remove the field or set it to false")
          for name, line in (("a", 8), ("b", 11))]]
    # On the exception's line, from its first column, from the config.
    assert {k: report["findings"][0][k] for k in ("column", "end_line", "source")} == {
        "column": 1, "end_line": 2, "source": "config"}


def test_unused_exception_is_a_note_on_full_scans(write):
    root = write({"pod.yaml": EXCEPTIONS_POD, ".policygate.yaml": (
        "exceptions:\n  - rule: pss/host-ports\n    reason: metrics port\n")})
    import subprocess
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    report = check(root)
    unused = [f for f in report["findings"] if f["rule"] == "policygate/unused-suppression"]
    assert [(f["file"], f["line"], f["severity"]) for f in unused] == [(".policygate.yaml", 2, "note")]
    # Checking one file says nothing about the rest of the repository.
    partial = run_cli("check", "--format", "json", "--select", "pss,policygate", "pod.yaml",
                      cwd=root).json()
    assert not any(f["rule"] == "policygate/unused-suppression" for f in partial["findings"])


def test_text_summary_counts_suppressed(write):
    run = run_cli("check", "--select", "pss,policygate", "--pss-warn-level", "none", "pod.yaml",
                  cwd=write({"pod.yaml": TWO_CONTAINERS}))
    assert "\n1 error in 1 file (1 file, 1 resource checked, 1 suppressed)\n" in run.stdout


def test_exception_by_name_spares_the_neighbour_in_the_same_file(write):
    root = write({"pods.yaml": EXCEPTIONS_POD + "---\n" + EXCEPTIONS_POD.replace("name: app",
                                                                              "name: other"),
                  ".policygate.yaml": "exceptions:\n  - rule: pss/privileged\n    name: app\n"
                                      "    reason: vendor image\n"})
    report = check(root)
    assert sorted((f["resource"]["name"], f["line"]) for f in report["findings"]) == \
        [("other", 20), ("other", 23)]
    assert sorted((s["resource"]["name"], s["line"]) for s in report["suppressed"]) == \
        [("app", 8), ("app", 11)]


DIRECTIVES = """# policygate: ignore[pss/host-namespaces]
# a second comment line
--- # the first pod
apiVersion: v1
kind: Pod
metadata:
  name: first
  namespace: shop
  annotations:
    policygate.dev/ignore: " pss/privileged ,, pss/nope "
spec:
  hostPID: true
  containers:
    - name: a
      securityContext:
        privileged: true
...
---
apiVersion: v1
kind: Pod
metadata: {name: second, namespace: shop}
spec:
  containers:
    - name: b
      securityContext:
        # policygate: ignore[pss/privileged,pss/host-ports]
        # (the directive covers the next line that is not a comment)
        privileged: true
    - name: c
      securityContext: {privileged: true}  # policygate: ignore[pss/privileged]   fine here   
    - {name: "d#1", securityContext: {privileged: true}}  # policygate: ignore[pss/nope] see #12
# policygate: ignore[pss/privileged] a directive on the last line covers nothing
"""


def _meta(rule, severity, message, line, column):
    return {"rule": rule, "severity": severity, "message": message, "file": "pods.yaml",
            "line": line, "column": column, "end_line": line, "resource": None, "path": None,
            "source": "config", "fix": None}


def test_every_directive_form_its_reach_and_its_problems(write):
    """A comment above a document (through comment lines and `---`) covers the document; an
    annotation covers its resource and splits on commas; an own-line comment covers the next
    line that is not a comment; a trailing one its own line. Each problem with a directive is
    a finding on the directive's `#` or annotation key, from the config, never suppressible."""
    report = check(write({"pods.yaml": DIRECTIVES}))
    unused = "policygate/unused-suppression"
    no_reason = "policygate/suppression-without-reason"
    assert report["findings"] == [
        _meta(no_reason, "warning", "comment suppression of pss/host-namespaces has no reason: "
              "say why the risk is accepted (text after the ])", 1, 1),
        _meta(no_reason, "warning", "annotation suppression of pss/privileged, pss/nope has no "
              "reason: say why the risk is accepted (annotation policygate.dev/ignore-reason)",
              10, 5),
        _meta(unused, "warning", "annotation suppression names an unknown rule or family "
              "'pss/nope' — did you mean 'pss/host-probes'? (see `policygate rules`)", 10, 5),
        _meta(no_reason, "warning", "comment suppression of pss/privileged, pss/host-ports has "
              "no reason: say why the risk is accepted (text after the ])", 26, 9),
        _meta(unused, "note", "comment suppression of pss/host-ports matched no finding: "
              "remove it", 26, 9),
        {**_meta("pss/privileged", "error", 'container "d#1" runs privileged '
                 "(securityContext.privileged=true): remove the field or set it to false", 31,
                 39), "resource": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop",
                                   "name": "second"},
         "path": "spec.containers[2].securityContext.privileged", "source": "builtin",
         "fix": "privileged: false"},
        # The directive's `#`, not the one inside the quoted name before it.
        _meta(unused, "warning", "comment suppression names an unknown rule or family "
              "'pss/nope' — did you mean 'pss/host-probes'? (see `policygate rules`)", 31, 59),
        _meta(unused, "note", "comment suppression of pss/privileged matched no finding: "
              "remove it", 32, 1),
    ]
    assert [(s["rule"], s["line"], s["suppression"]["by"], s["suppression"]["reason"])
            for s in report["suppressed"]] == [
        ("pss/host-namespaces", 12, "pods.yaml:1", None),
        ("pss/privileged", 16, "pods.yaml:10", None),
        ("pss/privileged", 28, "pods.yaml:26", None),
        ("pss/privileged", 30, "pods.yaml:30", "fine here")]


def test_an_exception_cannot_silence_the_gates_own_findings(write):
    root = write({"pod.yaml": EXCEPTIONS_POD.replace(
        "privileged: true\n", "privileged: true  # policygate: ignore[pss/privileged]\n", 1),
        ".policygate.yaml": "exceptions:\n  - rules: [policygate, pss/host-ports]\n"
                            "    reason: quiet\n    files: ['*.yaml']\n"})
    report = check(root)
    assert [(f["rule"], f["file"], f["line"]) for f in report["findings"]] == [
        ("policygate/unused-suppression", ".policygate.yaml", 2),
        ("policygate/suppression-without-reason", "pod.yaml", 8),
        ("pss/privileged", "pod.yaml", 11)]
    assert report["findings"][0]["message"] == (
        "exception #1 for policygate, pss/host-ports matched no finding: remove it")
    assert [(s["rule"], s["line"]) for s in report["suppressed"]] == [("pss/privileged", 8)]


def test_explain_says_an_exception_applies_through_its_date():
    run = run_cli("explain", "policygate/expired-exception")
    assert (run.exit_code, run.stdout.splitlines()[0]) == (0, (
        "policygate/expired-exception: a config exception is past its expiry date (it applies "
        "through that date) and no longer suppresses anything"))


def test_a_comment_covers_its_own_file_only(write):
    report = check(write({"a.yaml": TWO_CONTAINERS, "b.yaml": EXCEPTIONS_POD}))
    assert positions(report["findings"]) == [("pss/privileged", "a.yaml", 11),
                                             ("pss/privileged", "b.yaml", 8),
                                             ("pss/privileged", "b.yaml", 11)]
    assert positions(report["suppressed"]) == [("pss/privileged", "a.yaml", 8)]


def test_a_comment_above_a_yaml_directive_does_not_reach_the_document(write):
    """Only comments, blank lines and document markers may stand between a directive and
    the document it covers; a `%YAML` line is none of them."""
    text = ("# policygate: ignore[pss/privileged] legacy\n%YAML 1.1\n---\n"
            + EXCEPTIONS_POD)
    report = check(write({"pod.yaml": text}))
    assert positions(report["findings"]) == [
        ("policygate/unused-suppression", "pod.yaml", 1), ("pss/privileged", "pod.yaml", 11),
        ("pss/privileged", "pod.yaml", 14)]
    assert report["suppressed"] == []


def test_an_exception_with_selectors_passes_over_findings_without_a_resource(write):
    root = write({"bad.yaml": "a: [\n", "pod.yaml": EXCEPTIONS_POD, ".policygate.yaml": (
        "exceptions:\n  - rules: [parse, pss]\n    kind: Pod\n    reason: known\n")})
    report = run_cli("check", "--format", "json", "--select", "parse,pss", "--pss-warn-level",
                     "none", ".", cwd=root).json()
    assert [(f["rule"], f["file"]) for f in report["findings"]] == [
        ("parse/invalid-yaml", "bad.yaml")]
    assert positions(report["suppressed"]) == [("pss/privileged", "pod.yaml", 8),
                                               ("pss/privileged", "pod.yaml", 11)]


def test_an_object_whose_metadata_is_not_a_mapping_has_no_annotation(write):
    text = ("apiVersion: v1\nkind: Pod\nmetadata: [odd]\nspec:\n  containers:\n"
            "    - name: a\n      securityContext:\n"
            "        privileged: true  # policygate: ignore[pss/privileged] vendor\n")
    report = check(write({"pod.yaml": text}))
    assert positions(report["suppressed"]) == [("pss/privileged", "pod.yaml", 8)]
