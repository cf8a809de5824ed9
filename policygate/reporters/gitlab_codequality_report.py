"""GitLab's Code Quality report (`--format gitlab-codequality`).

A CI job publishes this file as `artifacts: reports: codequality:`; GitLab then shows the
findings in the merge request widget and next to the lines in the diff, and compares the
head's report with the target branch's by `fingerprint` ("new" and "resolved" issues).
The format is the subset of the Code Climate issue spec that GitLab reads: description,
check_name, fingerprint, severity, location.path and location.lines.begin (+ end).

Severities: GitLab's scale is info < minor < major < critical < blocker. An error (it fails
the gate) is `critical`, a warning `major`, a note `info`; `blocker` is a run that could not
complete (`report.failures`): an empty report would read as "all clear".

Fingerprints are the baseline fingerprint (baseline.py): stable across line moves, so a
finding that only shifts is not shown as "resolved + new". GitLab keeps only the first
issue per fingerprint, so a second identical finding gets the fingerprint of
"<fingerprint>#<n>" instead of vanishing.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from policygate.baseline import fingerprint
from policygate.model import Finding, Report, Severity

SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.NOTE: "info"}
# A run-level failure has no file; GitLab needs a path, so it is reported on the config.
FAILURE_PATH = ".policygate.yaml"


def issue(finding: Finding, key: str) -> dict[str, Any]:
    location = finding.location
    begin = location.line if location else 1
    lines = {"begin": begin}
    if location is not None and location.end_line > begin:
        lines["end"] = location.end_line
    return {"description": f"{finding.rule}: {finding.message}" if finding.message
            else finding.rule,
            "check_name": finding.rule, "fingerprint": key,
            "severity": SEVERITIES[finding.severity],
            "location": {"path": finding.file or FAILURE_PATH, "lines": lines}}


def issues(report: Report) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    shaped = []
    for finding in report.findings:
        key = fingerprint(finding)
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count:
            key = hashlib.sha256(f"{key}#{count}".encode()).hexdigest()[:32]
        shaped.append(issue(finding, key))
    for failure in report.failures:
        shaped.append({"description": f"policygate could not complete the check: {failure}",
                       "check_name": "policygate/failure",
                       "fingerprint": hashlib.sha256(failure.encode()).hexdigest()[:32],
                       "severity": "blocker",
                       "location": {"path": FAILURE_PATH, "lines": {"begin": 1}}})
    return shaped


def render(report: Report) -> str:
    return json.dumps(issues(report), indent=2, ensure_ascii=False) + "\n"
