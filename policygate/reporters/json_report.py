"""The JSON report (schema: policygate/schemas/report.schema.json)."""
from __future__ import annotations

import json
from typing import Any

from policygate.model import Finding, Report, Severity, format_path

REPORT_VERSION = 1


def finding_to_json(finding: Finding) -> dict[str, Any]:
    location = finding.location
    return {
        "rule": finding.rule,
        "severity": str(finding.severity),
        "message": finding.message,
        "file": finding.file,
        "line": location.line if location else None,
        "column": location.column if location else None,
        "end_line": location.end_line if location else None,
        "resource": finding.resource.to_json() if finding.resource else None,
        "path": format_path(finding.path) if finding.path else None,
        "source": finding.source,
        "fix": finding.fix,
        **({"suppression": finding.suppression.to_json()} if finding.suppression else {}),
        **({"render": finding.render} if finding.render else {}),
    }


def report_to_json(report: Report) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "summary": {
            "files": report.files,
            "resources": report.resources,
            "findings": len(report.findings),
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "notes": report.count(Severity.NOTE),
            "suppressed": len(report.suppressed),
        },
        "findings": [finding_to_json(finding) for finding in report.findings],
        "suppressed": [finding_to_json(finding) for finding in report.suppressed],
        "failures": list(report.failures),
        **({"rego_engine": report.rego_engine} if report.rego_engine else {}),
        **({"renders": report.renders} if report.renders else {}),
    }


# Indented JSON goes through the pure-Python encoder; for big reports the C encoder
# (no indent) is many times faster, and the output is the same JSON.
_PRETTY_MAX_FINDINGS = 1000


def render(report: Report) -> str:
    data = report_to_json(report)
    pretty = len(report.findings) + len(report.suppressed) <= _PRETTY_MAX_FINDINGS
    return json.dumps(data, indent=2 if pretty else None, ensure_ascii=False) + "\n"
