"""The Markdown of review comments and of the review body.

Every piece of untrusted text (messages, rule ids from user policies, file names,
resource names, fixes) goes through reporters.markdown; the rest is our own words. Each
body starts with its marker (markers.py) and stays below GitHub's 65,536 characters.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from policygate.review.markers import finding_marker, review_marker
from policygate.review.suggestions import Suggestion
from policygate.model import Finding, Report, format_path
from policygate.reporters.markdown import cap, code_span, escape_text, table_cell
from policygate.reporters.summary_report import SEVERITY_LABELS, headline

BODY_LIMIT = 65_536                   # characters in a comment or review body (GitHub)
_ROW_RESERVE = 400                    # room kept for the closing lines of the review body


def finding_comment(name: str, fingerprint: str, finding: Finding, *,
                    suggestion: Suggestion | None = None, off_diff_line: bool = False) -> str:
    """A review comment for one finding.

    `off_diff_line`: a file-level comment for a finding on a line outside the diff, which
    therefore names its line."""
    parts = [finding_marker(name, fingerprint),
             f"{SEVERITY_LABELS[finding.severity]} · {code_span(finding.rule, 120, table=False)}",
             ""]
    if off_diff_line and finding.location is not None:
        parts += [f"**Line {finding.location.line}** (outside the changed lines)", ""]
    parts.append(escape_text(finding.message, 2000))
    where = []
    if finding.resource is not None:
        where.append(code_span(str(finding.resource), 300, table=False))
    if finding.path:
        where.append(code_span(format_path(finding.path), 300, table=False))
    if where:
        parts += ["", " · ".join(where)]
    if suggestion is not None:
        parts += ["", "**Suggested fix** (commit it from here):", "", suggestion.markdown()]
    elif finding.fix:
        parts += ["", f"**Fix:** {escape_text(finding.fix, 1000)}"]
    return cap("\n".join(parts) + "\n", BODY_LIMIT)


def resolved_comment(name: str, fingerprint: str, head_sha: str) -> str:
    """What an earlier comment becomes when its finding is gone (the marker stays, so the
    next run knows the comment; no suggestion stays applicable)."""
    return (f"{finding_marker(name, fingerprint, resolved=True)}\n"
            f"✅ **Resolved:** policygate no longer reports this here (checked at "
            f"`{head_sha[:12]}`).\n")


def review_digest(event: str, fingerprints: Sequence[str]) -> str:
    """What a review body says, in 16 hex digits: an unchanged body is not posted again."""
    text = "\n".join([event, *sorted(fingerprints)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def review_body(name: str, report: Report, digest: str, *, on_lines: int, on_files: int,
                listed: Sequence[tuple[Finding, str]], notes: Sequence[str] = ()) -> str:
    """The review's body: headline, where the findings are, and the findings that have no
    comment of their own in a table under <details> (`listed`: finding and why)."""
    total = on_lines + on_files + len(listed)
    parts = [review_marker(name, digest), f"### {headline(report)}", ""]
    # Notes may quote GitHub's error messages, which may quote our input: escaped too.
    parts += [f"> {escape_text(note, 1000)}" for note in notes] + ([""] if notes else [])
    parts.append(f"{total} finding{'s' * (total != 1)} for review: {on_lines} commented on "
                 f"changed lines, {on_files} on changed files, {len(listed)} listed below.")
    if listed:
        reasons: dict[str, int] = {}
        for _, reason in listed:
            reasons[reason] = reasons.get(reason, 0) + 1
        why = "; ".join(f"{count} {reason}" for reason, count in reasons.items())
        parts += ["", "<details>",
                  f"<summary>{len(listed)} finding{'s' * (len(listed) != 1)} without a "
                  f"comment on the diff ({why})</summary>", "",
                  "| File | Line | Severity | Rule | Message |", "|---|---:|---|---|---|"]
        size = sum(len(part) + 1 for part in parts)
        for shown, (finding, _) in enumerate(listed):
            row = _row(finding)
            if size + len(row) + 1 + _ROW_RESERVE > BODY_LIMIT:
                parts += ["", f"… {len(listed) - shown} more not shown (a review body is "
                              f"limited to 65,536 characters); see the check run or the "
                              f"job summary."]
                break
            parts.append(row)
            size += len(row) + 1
        parts += ["", "</details>"]
    return cap("\n".join(parts) + "\n", BODY_LIMIT)


def _row(finding: Finding) -> str:
    line = str(finding.location.line) if finding.location else ""
    return (f"| {code_span(finding.file, 300)} | {line} | {SEVERITY_LABELS[finding.severity]} "
            f"| {code_span(finding.rule, 120)} | {table_cell(finding.message, 600)} |")
