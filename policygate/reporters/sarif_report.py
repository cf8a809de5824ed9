"""SARIF 2.1.0 for GitHub code scanning and any SARIF viewer.

One run per invocation; every rule that produced a result is described (id, short and
full description, help); results carry `partialFingerprints` so code scanning tracks an
alert across line shifts; suppressed findings are included with their suppression so
the history is honest. GitHub accepts at most 25,000 results per run: beyond that the
run says how many were left out instead of failing the upload.
"""
from __future__ import annotations

import json
from typing import Any

from policygate import __version__
from policygate.baseline import fingerprint
from policygate.model import Finding, Report, Severity
from policygate.rules.catalog import CatalogEntry, catalog

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
_SUPPRESSION_KINDS = {"comment": "inSource", "annotation": "inSource",
                      "exception": "external", "baseline": "external"}


def _rule(rule_id: str, entry: CatalogEntry | None, severity: Severity) -> dict[str, Any]:
    summary = entry.summary if entry else f"policy rule {rule_id}"
    descriptor: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id.replace("/", "_").replace("-", "_"),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": entry.doc.rationale if entry and entry.doc else summary},
        "defaultConfiguration": {"level": str(entry.severity if entry else severity)},
        "properties": {"tags": ["policygate", rule_id.partition("/")[0]]},
    }
    if entry and entry.doc:
        descriptor["help"] = {
            "text": f"{entry.doc.fix}\n\nFails:\n{entry.doc.bad}\n\nPasses:\n{entry.doc.good}",
            "markdown": (f"{entry.doc.fix}\n\n**Fails**\n```yaml\n{entry.doc.bad}\n```\n\n"
                         f"**Passes**\n```yaml\n{entry.doc.good}\n```")}
    else:
        descriptor["help"] = {"text": f"Run `policygate explain {rule_id}` for details."}
    return descriptor


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    location = finding.location
    region: dict[str, Any] = {}
    if location is not None:
        region = {"startLine": location.line, "startColumn": location.column,
                  "endLine": max(location.end_line, location.line)}
    physical: dict[str, Any] = {"artifactLocation": {"uri": finding.file,
                                                      "uriBaseId": "%SRCROOT%"}}
    if region:
        physical["region"] = region
    result: dict[str, Any] = {
        "ruleId": finding.rule, "ruleIndex": rule_index, "level": str(finding.severity),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"policygate/v2": fingerprint(finding)},
    }
    if finding.resource is not None:
        result["properties"] = {"resource": finding.resource.to_json(),
                                "source": finding.source}
    if finding.suppression is not None:
        result["suppressions"] = [{
            "kind": _SUPPRESSION_KINDS.get(finding.suppression.kind, "external"),
            "justification": finding.suppression.reason or "no reason given",
            "location": {"physicalLocation": {"artifactLocation": {
                "uri": finding.suppression.file,
                "uriBaseId": "%SRCROOT%"}}}}]
    return result


def report_to_sarif(report: Report, category: str = "policygate") -> dict[str, Any]:
    entries = {entry.id: entry for entry in catalog()}
    findings = report.findings + report.suppressed
    kept = findings[:MAX_RESULTS]
    rules: list[dict[str, Any]] = []
    indexes: dict[str, int] = {}
    results = []
    for finding in kept:
        if finding.rule not in indexes:
            indexes[finding.rule] = len(rules)
            rules.append(_rule(finding.rule, entries.get(finding.rule), finding.severity))
        results.append(_result(finding, indexes[finding.rule]))
    invocation: dict[str, Any] = {"executionSuccessful": not report.failures}
    notes = [{"level": "error", "message": {"text": failure}} for failure in report.failures]
    if len(findings) > MAX_RESULTS:
        notes.append({"level": "warning", "message": {"text": (
            f"{len(findings) - MAX_RESULTS} more results were left out: GitHub accepts at "
            f"most {MAX_RESULTS} results per run")}})
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {
        "$schema": SCHEMA_URI, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "policygate", "version": __version__,
                                "informationUri": "https://github.com/policygate/policygate",
                                "rules": rules}},
            "automationDetails": {"id": f"{category.rstrip('/')}/"},
            "invocations": [invocation],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def render(report: Report) -> str:
    return json.dumps(report_to_sarif(report), indent=2, ensure_ascii=False) + "\n"
