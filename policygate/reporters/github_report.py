"""GitHub Actions workflow commands: `::error file=…,line=…::message` annotations.

GitHub parses these from the job log, so every value is escaped exactly as the runner
expects: data escapes `%`, CR and LF; properties also escape `:` and `,`. A manifest or
file name therefore cannot end the command, start another (`::add-mask::`,
`::stop-commands::`) or reach `$GITHUB_ENV`.
"""
from __future__ import annotations

from policygate.model import Finding, Report, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    properties = [f"file={escape_property(finding.file)}"]
    location = finding.location
    if location is not None:
        properties += [f"line={location.line}", f"endLine={location.end_line}",
                       f"col={location.column}"]
    properties.append(f"title={escape_property(f'policygate: {finding.rule}')}")
    return f"::{COMMANDS[finding.severity]} {','.join(properties)}::{escape_data(finding.message)}"


def render(report: Report) -> str:
    return "".join(annotation(finding) + "\n" for finding in report.findings)
