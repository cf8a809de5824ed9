"""```suggestion blocks: offered where the edit is provably the fix, nowhere else."""
from __future__ import annotations

import pytest

from policygate.github.review import ReviewOptions, publish_review
from policygate.review.suggestions import Suggestion, suggest
from policygate.model import Finding, Location, Report, Severity, parse_path
from policygate.runner import CheckOptions, run_checks
from tests.github.publish_support import make_pr

CONTAINER = "spec.template.spec.containers[0]"
HEADER = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx
"""


def at(line: int, column: int, path: str, fix: str | None, end: int | None = None) -> Finding:
    return Finding("pss/x", Severity.ERROR, "m", "web.yaml", Location(line, column, end or line),
                   path=parse_path(path), fix=fix)


def run(text: str, finding: Finding) -> Suggestion | None:
    return suggest(finding, text.encode())


def test_block_value_is_replaced_keeping_indentation_and_comment():
    text = HEADER + "          securityContext:\n            privileged: true   # why\n"
    found = run(text, at(11, 13, f"{CONTAINER}.securityContext.privileged", "privileged: false"))
    assert found == Suggestion(11, "            privileged: false   # why")


def test_flow_value_is_replaced_in_place():
    text = HEADER + "          securityContext: {privileged: true, runAsNonRoot: true}\n"
    found = run(text, at(10, 29, f"{CONTAINER}.securityContext.privileged", "privileged: false"))
    assert found == Suggestion(
        10, "          securityContext: {privileged: false, runAsNonRoot: true}")


def test_missing_field_is_inserted_under_a_block_parent_at_its_childrens_indent():
    text = HEADER + "          securityContext:   # hardened\n\n              runAsNonRoot: true\n"
    found = run(text, at(10, 11, f"{CONTAINER}.securityContext.allowPrivilegeEscalation",
                         "allowPrivilegeEscalation: false", end=12))
    assert found == Suggestion(10, "          securityContext:   # hardened\n"
                                   "              allowPrivilegeEscalation: false")


def test_missing_field_under_an_empty_parent_and_in_a_sequence_item():
    empty = HEADER + "          securityContext:\n          ports: []\n"
    found = run(empty, at(10, 11, f"{CONTAINER}.securityContext.allowPrivilegeEscalation",
                          "allowPrivilegeEscalation: false"))
    assert found == Suggestion(10, "          securityContext:\n"
                                   "            allowPrivilegeEscalation: false")
    item = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
            "  - securityContext:\n      runAsNonRoot: true\n    name: a\n")
    found = run(item, at(6, 5, "spec.containers[0].securityContext.allowPrivilegeEscalation",
                         "allowPrivilegeEscalation: false"))
    assert found == Suggestion(6, "  - securityContext:\n      allowPrivilegeEscalation: false")


@pytest.mark.parametrize("text, finding", [
    # the parent is a flow mapping: no single-line insertion is provably right here
    (HEADER + "          securityContext: {runAsNonRoot: true}\n",
     at(10, 11, f"{CONTAINER}.securityContext.allowPrivilegeEscalation",
        "allowPrivilegeEscalation: false")),
    # the parent itself is missing: the finding points at the container
    (HEADER, at(8, 11, f"{CONTAINER}.securityContext.allowPrivilegeEscalation",
                "allowPrivilegeEscalation: false")),
    # duplicate keys: the edited one is not the one Kubernetes keeps
    (HEADER + "          securityContext:\n            privileged: true\n"
              "            privileged: true\n",
     at(11, 13, f"{CONTAINER}.securityContext.privileged", "privileged: false")),
    # an anchor shared with another container: the edit would change both
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
     "  - name: a\n    securityContext: &sc\n      privileged: true\n"
     "  - name: b\n    securityContext: *sc\n",
     at(8, 7, "spec.containers[0].securityContext.privileged", "privileged: false")),
    # the value continues on the next line
    (HEADER + "          securityContext:\n            privileged:\n              true\n",
     at(11, 13, f"{CONTAINER}.securityContext.privileged", "privileged: false")),
    # a fix that is not `key: value` for the finding's field
    (HEADER, at(9, 11, f"{CONTAINER}.image", "nginx:1.27@sha256:" + "0" * 64)),
    (HEADER, at(9, 11, f"{CONTAINER}.image", "tag: latest")),
    # CRLF line ends, and a line with a bidi override
    ((HEADER + "          securityContext:\n            privileged: true\n").replace(
        "\n", "\r\n"), at(11, 13, f"{CONTAINER}.securityContext.privileged",
                          "privileged: false")),
    (HEADER + "          securityContext:\n            privileged: true # \u202e\n",
     at(11, 13, f"{CONTAINER}.securityContext.privileged", "privileged: false")),
    # the location is not where the field is (stale or wrong line)
    (HEADER + "          securityContext:\n            privileged: true\n",
     at(9, 13, f"{CONTAINER}.securityContext.privileged", "privileged: false")),
])
def test_no_suggestion_unless_provably_correct(text, finding):
    assert run(text, finding) is None


def test_the_suggestion_fence_cannot_be_closed_by_the_line():
    text = HEADER + "          securityContext:\n            privileged: true # ```` x\n"
    found = run(text, at(11, 13, f"{CONTAINER}.securityContext.privileged",
                         "privileged: false"))
    assert found.markdown() == ("`````suggestion\n            privileged: false # ```` x\n"
                                "`````")


BASE = HEADER.replace("metadata: {name: web}", "metadata: {name: web, namespace: shop}") + \
    "          securityContext:\n            runAsNonRoot: true\n"
HEAD = BASE.replace("            runAsNonRoot: true\n",
                    "            privileged: true\n            runAsNonRoot: true\n")


def test_real_findings_get_suggestions_in_the_review(fake_github, client, tmp_path,
                                                     monkeypatch):
    pr = make_pr(fake_github, tmp_path, {"deploy/web.yaml": BASE}, {"deploy/web.yaml": HEAD})
    monkeypatch.chdir(tmp_path)
    checked = run_checks(CheckOptions(
        select=("pss/privileged", "pss/privilege-escalation", "pss/host-ports"),
        pss_level="restricted", diff_range=f"{pr.pr.base.sha}...{pr.pr.head.sha}"))
    assert sorted((f.rule, f.location.line) for f in checked.report.findings) == [
        ("pss/privilege-escalation", 10), ("pss/privileged", 11)]
    publish_review(client, pr.pr, checked.report, ReviewOptions(), diff=pr.diff,
                   head=pr.head)
    comments = {c["line"]: c for c in fake_github.calls("pulls.create_review")[0].json["comments"]}
    assert set(comments) == {10, 11} and all("start_line" not in c for c in comments.values())
    assert comments[11]["body"].endswith(
        "**Suggested fix** (commit it from here):\n\n"
        "```suggestion\n            privileged: false\n```\n")
    assert comments[10]["body"].endswith(
        "```suggestion\n          securityContext:\n"
        "            allowPrivilegeEscalation: false\n```\n")


def test_no_suggestion_when_the_head_is_unknown_or_switched_off(fake_github, client, tmp_path):
    pr = make_pr(fake_github, tmp_path, {"deploy/web.yaml": BASE}, {"deploy/web.yaml": HEAD})
    privileged = Finding("pss/privileged", Severity.ERROR, "runs privileged", "deploy/web.yaml",
                         Location(11, 13, 11),
                         path=parse_path(f"{CONTAINER}.securityContext.privileged"),
                         fix="privileged: false")
    for head, options in ((None, ReviewOptions()), (pr.head, ReviewOptions(suggestions=False))):
        fake_github.repo("acme/gitops").pulls[42].review_comments.clear()
        publish_review(client, pr.pr, Report([privileged]),
                       options, diff=pr.diff, head=head)
        body = fake_github.calls("pulls.create_review")[-1].json["comments"][0]["body"]
        assert "suggestion" not in body and body.endswith("**Fix:** privileged\\: false\n")
