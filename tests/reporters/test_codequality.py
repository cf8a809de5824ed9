"""`--format gitlab-codequality`: GitLab's Code Quality JSON, validated against its format."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from policygate.baseline import fingerprint
from policygate.model import Finding, Location, Report, ResourceId, Severity
from policygate.reporters.gitlab_codequality_report import issues
from tests.conftest import run_cli

SCHEMA = json.loads((Path(__file__).parents[1] / "data/gitlab-codequality.schema.json").read_text())
POD = ResourceId("v1", "Pod", "shop", "web")
PRIVILEGED = ("spec", "containers", 0, "securityContext", "privileged")


def finding(severity=Severity.ERROR, line=9, end=9, path=PRIVILEGED):
    return Finding("pss/privileged", severity, 'container "web" runs privileged',
                   "deploy/web.yaml", Location(line, 9, end), POD, path)


def test_issue_shape_and_severity_mapping():
    report = Report([finding(), finding(Severity.WARNING, 3, 5, ("spec", "hostPID")),
                     finding(Severity.NOTE, 4, 4, ("spec", "hostIPC"))])
    shaped = issues(report)
    jsonschema.validate(shaped, SCHEMA)
    assert shaped[0] == {
        "description": 'pss/privileged: container "web" runs privileged',
        "check_name": "pss/privileged", "fingerprint": fingerprint(report.findings[0]),
        "severity": "critical",
        "location": {"path": "deploy/web.yaml", "lines": {"begin": 9}}}
    assert [i["severity"] for i in shaped] == ["critical", "major", "info"]
    assert shaped[1]["location"]["lines"] == {"begin": 3, "end": 5}


def test_identical_findings_keep_distinct_fingerprints():
    """GitLab shows only the first issue per fingerprint: a twin must not vanish."""
    shaped = issues(Report([finding(), finding(line=20, end=20)]))
    assert len({i["fingerprint"] for i in shaped}) == 2
    assert shaped[0]["fingerprint"] == fingerprint(finding())


def test_a_failed_run_is_a_blocker_not_an_empty_report():
    shaped = issues(Report(failures=["policies/x.rego:3: rego_parse_error"]))
    jsonschema.validate(shaped, SCHEMA)
    assert [(i["check_name"], i["severity"]) for i in shaped] == [("policygate/failure", "blocker")]


def test_cli_writes_the_report(tmp_path):
    bad = tmp_path / "pod.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
                   "    - name: web\n      image: nginx:1.27\n      securityContext:\n"
                   "        privileged: true\n")
    out = tmp_path / "gl-code-quality-report.json"
    result = run_cli("check", "pod.yaml", "--select", "pss/privileged",
                     "--format", "gitlab-codequality", "--output", str(out), cwd=tmp_path)
    assert result.exit_code == 1
    shaped = json.loads(out.read_text())
    jsonschema.validate(shaped, SCHEMA)
    assert [(i["check_name"], i["location"]) for i in shaped] == [
        ("pss/privileged", {"path": "pod.yaml", "lines": {"begin": 9}})]
    good = tmp_path / "good.yaml"
    good.write_text(bad.read_text().replace("privileged: true", "privileged: false"))
    clean = run_cli("check", "good.yaml", "--select", "pss/privileged",
                    "--format", "gitlab-codequality", cwd=tmp_path)
    assert clean.exit_code == 0 and json.loads(clean.stdout) == []
