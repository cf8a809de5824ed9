"""`path:line:col: severity [rule] message` — the format editors and terminals link."""
from __future__ import annotations

from policygate.model import Finding, Report, Severity, plural

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"


def format_line(finding: Finding, color: bool) -> str:
    location = finding.location
    position = f"{finding.file}:{location.line}:{location.column}" if location else finding.file
    severity = str(finding.severity)
    if color:
        position = f"{_BOLD}{position}{_RESET}"
        severity = f"{_COLORS[finding.severity]}{severity}{_RESET}"
    message = " ".join(finding.message.split())
    return f"{position}: {severity} [{finding.rule}] {message}"


def summary_line(report: Report) -> str:
    files = len({finding.file for finding in report.findings})
    suppressed = f", {len(report.suppressed)} suppressed" if report.suppressed else ""
    return (f"{report.severity_counts()} in {plural(files, 'file')} "
            f"({plural(report.files, 'file')}, {plural(report.resources, 'resource')} checked"
            f"{suppressed})")


def render(report: Report, *, color: bool = False) -> str:
    """Quiet when clean: a passing pre-commit hook should print nothing."""
    if not report.findings:
        return ""
    lines: list[str] = []
    previous_file = None
    for finding in report.findings:
        if previous_file is not None and finding.file != previous_file:
            lines.append("")
        previous_file = finding.file
        lines.append(format_line(finding, color))
    lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
