"""The Markdown job summary ($GITHUB_STEP_SUMMARY): every finding, grouped by file.

Annotations show only ten errors and ten warnings per step; the summary shows them all,
within GitHub's 1 MiB limit per step, ending with "… N more" when it has to stop.
"""
from __future__ import annotations

from policygate.model import Finding, Report, Severity
from policygate.reporters.markdown import code_span, table_cell

LIMIT_BYTES = 1024 * 1024 - 16 * 1024   # stay clearly below GitHub's 1 MiB
SEVERITY_LABELS = {Severity.ERROR: "🔴 error", Severity.WARNING: "🟡 warning",
                   Severity.NOTE: "🔵 note"}


def headline(report: Report) -> str:
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    if report.failures:
        return "❌ policygate could not complete the check"
    if errors:
        return f"❌ policygate: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if warnings:
        return f"⚠️ policygate: {warnings} warning{'s' * (warnings != 1)}"
    notes = report.count(Severity.NOTE)
    if notes:                                   # notes only: still not "no findings"
        return f"ℹ️ policygate: {notes} note{'s' * (notes != 1)}"
    return "✅ policygate: no findings"


def _row(finding: Finding) -> str:
    line = str(finding.location.line) if finding.location else ""
    return (f"| {line} | {SEVERITY_LABELS[finding.severity]} | "
            f"{code_span(finding.rule, 120)} | "
            f"{table_cell(finding.message, 600)} |")


JOB_SUMMARY_MORE = ("(the job summary is limited to 1 MiB); see the annotations, the check run "
                    "or the SARIF report.")


def render_summary(report: Report, title: str = "policygate", limit: int = LIMIT_BYTES,
                   more: str = JOB_SUMMARY_MORE) -> str:
    """The Markdown summary within `limit` bytes; `more` ends the "… N more findings not
    shown" line (why they were cut and where to look), as it differs per destination."""
    parts = [f"## {table_cell(title, 100)}", "", headline(report), "",
             f"{report.files} files, {report.resources} resources checked, "
             f"{len(report.findings)} findings, {len(report.suppressed)} suppressed.", ""]
    for failure in report.failures:
        parts.append(f"> **Failure:** {table_cell(failure, 2000)}")
    size = sum(len(part.encode()) + 1 for part in parts)
    current_file = None
    shown = 0
    for finding in report.findings:
        block = []
        if finding.file != current_file:
            block += ["", f"### {code_span(finding.file, 300)}", "",
                      "| Line | Severity | Rule | Message |", "|---:|---|---|---|"]
        block.append(_row(finding))
        block_size = sum(len(line.encode()) + 1 for line in block)
        if size + block_size + 200 > limit:
            break
        parts += block
        size += block_size
        current_file = finding.file
        shown += 1
    if shown < len(report.findings):
        parts += ["", f"… {len(report.findings) - shown} more findings not shown {more}"]
    return "\n".join(parts) + "\n"


def render(report: Report) -> str:
    return render_summary(report)
