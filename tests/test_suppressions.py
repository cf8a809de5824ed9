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
    assert {s["resource"]["name"] for s in report["suppressed"]} == {"app"}


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
    assert {f["resource"]["name"] for f in report["findings"]} == {"neighbour"}
    assert len(report["suppressed"]) == 2
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
    assert {f["file"] for f in report["findings"]} == {"apps/pod.yaml"}
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
    assert {f["file"] for f in report["findings"]} == {"c.yaml"}
    assert {s["file"] for s in report["suppressed"]} == {"a.yaml", "b.yaml"}


def test_expired_exception_stops_suppressing_and_says_so(write):
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    root = write({"pod.yaml": EXCEPTIONS_POD, ".policygate.yaml": (
        f"exceptions:\n  - rule: pss/privileged\n    reason: temporary\n    expires: {yesterday}\n")})
    report = check(root)
    assert report["suppressed"] == []
    expired = next(f for f in report["findings"] if f["rule"] == "policygate/expired-exception")
    assert (expired["file"], expired["line"], expired["severity"]) == (".policygate.yaml", 2, "warning")
    assert f"exception #1 for pss/privileged expired on {yesterday}" in expired["message"]
    assert sum(f["rule"] == "pss/privileged" for f in report["findings"]) == 2


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
