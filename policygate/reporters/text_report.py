"""`path:line:col: severity [rule] message` — the format editors and terminals link.

On a terminal (reporters.terminal), findings that share a line of one resource (a
container missing four restricted-level settings) are printed under that location once,
so the eye finds the place and then reads the list; long messages wrap to the window and
a clean run says so in one line. In pipes, files and CI logs every finding stays one
`path:line:col:` line that editors, grep and problem matchers parse, never wrapped, and a
clean run prints nothing. The report ends with the counts per rule and how to learn more
about the commonest one.
"""
from __future__ import annotations

import re
from collections import Counter
from itertools import groupby

from policygate.model import Finding, Report, Severity, plural
from policygate.reporters.terminal import PLAIN, Terminal

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"
_GREEN = "\033[32m"
_INDENT = "  "
# A trailing `[...]` that explains the context of a finding (which namespace level
# applied); shared by a whole group, it is printed once under it.
_CONTEXT = r" (\[[^\[\]]*\])\Z"


def _position(finding: Finding) -> str:
    location = finding.location
    return f"{finding.file}:{location.line}:{location.column}" if location else finding.file


def _paint(text: str, code: str, terminal: Terminal) -> str:
    return f"{code}{text}{_RESET}" if terminal.color else text


def _wrapped(prefix_width: int, text: str, terminal: Terminal, indent: str) -> list[str]:
    """`text` after a prefix of `prefix_width` columns, wrapped to the terminal's width;
    the caller puts the (maybe coloured) prefix in front of the first line."""
    if terminal.width is None:
        return [text]
    import textwrap

    lines = textwrap.wrap(text, width=max(terminal.width, 40), initial_indent=" " * prefix_width,
                          subsequent_indent=indent, break_long_words=False,
                          break_on_hyphens=False)
    if not lines:
        return [""]
    return [lines[0][prefix_width:], *lines[1:]]


def _entry(head: str, plain_head: str, severity: Severity, rule: str, message: str,
           terminal: Terminal, indent: str) -> list[str]:
    """`head severity [rule] message`, wrapped with continuation lines at `indent`."""
    label = f"{severity} [{rule}] "
    text = " ".join(message.split())
    first, *rest = _wrapped(len(plain_head) + len(label), text, terminal, indent)
    coloured = _paint(str(severity), _COLORS[severity], terminal) + f" [{rule}] "
    return [f"{head}{coloured}{first}", *rest]


def _excerpt(finding: Finding, indent: str) -> list[str]:
    """A syntax error's line with a caret under the column, behind a line-number gutter."""
    if finding.excerpt is None or finding.location is None:
        return []
    text, column = finding.excerpt
    number = str(finding.location.line)
    return [f"{indent}{number} | {text}".rstrip(), f"{indent}{' ' * len(number)} | "
            f"{' ' * (column - 1)}^"]


def format_line(finding: Finding, terminal: Terminal = PLAIN) -> list[str]:
    position = _position(finding)
    return _entry(_paint(position, _BOLD, terminal) + ": ", position + ": ", finding.severity,
                  finding.rule, finding.message, terminal, _INDENT * 2) + \
        _excerpt(finding, _INDENT * 2)


def _group_lines(group: list[Finding], terminal: Terminal) -> list[str]:
    """Several findings on one line of one resource: the location once, then each."""
    first = group[0]
    position = _position(first)
    what = f"{plural(len(group), 'finding')} in {first.resource}" if first.resource \
        else plural(len(group), "finding")
    lines = [f"{_paint(position, _BOLD, terminal)}: {what}"]
    contexts = {match.group(1) if (match := re.search(_CONTEXT, f.message)) else None
                for f in group}
    shared = contexts.pop() if len(contexts) == 1 else None
    for finding in group:
        message = finding.message[:-len(shared) - 1] if shared else finding.message
        lines += _entry(_INDENT, _INDENT, finding.severity, finding.rule, message, terminal,
                        _INDENT * 3) + _excerpt(finding, _INDENT * 3)
    if shared:
        lines += _wrapped(0, f"{_INDENT}{shared}", terminal, _INDENT * 2)
    return lines


def _same_place(finding: Finding) -> tuple[object, ...]:
    line = finding.location.line if finding.location else None
    return (finding.file, line, finding.resource)


def summary_line(report: Report) -> str:
    files = len({finding.file for finding in report.findings})
    suppressed = f", {len(report.suppressed)} suppressed" if report.suppressed else ""
    return (f"{report.severity_counts()} in {plural(files, 'file')} "
            f"({plural(report.files, 'file')}, {plural(report.resources, 'resource')} checked"
            f"{suppressed})")


def rule_counts(report: Report) -> list[tuple[Severity, str, int]]:
    """(severity, rule, count), worst severity first, then the commonest rule."""
    counts = Counter((finding.severity, finding.rule) for finding in report.findings)
    return sorted(((severity, rule, count) for (severity, rule), count in counts.items()),
                  key=lambda item: (-item[0], -item[2], item[1]))


def _summary(report: Report, terminal: Terminal) -> list[str]:
    counts = rule_counts(report)
    width = max(len(str(count)) for _, _, count in counts)
    lines = [*_wrapped(0, summary_line(report), terminal, _INDENT), ""]
    for severity, rule, count in counts:
        label = _paint(str(severity), _COLORS[severity], terminal) + " " * (7 - len(str(severity)))
        lines.append(f"{_INDENT}{count:>{width}}  {label}  {rule}")
    # Policies of the team's own (Rego, Gatekeeper) have no built-in explanation.
    example = next((rule for _, rule, _ in counts
                    if not rule.startswith(("rego/", "gatekeeper/"))), None)
    if example is not None:
        lines += ["", *_wrapped(0, f"Why, and how to fix: policygate explain RULE (e.g. "
                                   f"policygate explain {example})", terminal, _INDENT)]
    return lines


def _clean(report: Report, terminal: Terminal) -> str:
    """`✓ 12 files, 30 resources, 0 findings (0.14 s)` for a person; nothing otherwise."""
    if not terminal.tty or terminal.quiet:
        return ""
    suppressed = f", {len(report.suppressed)} suppressed" if report.suppressed else ""
    took = f" ({terminal.elapsed:.2f} s)" if terminal.elapsed is not None else ""
    return (f"{_paint('✓', _GREEN, terminal)} {plural(report.files, 'file')}, "
            f"{plural(report.resources, 'resource')}, 0 findings{suppressed}{took}\n")


def render(report: Report, *, terminal: Terminal = PLAIN) -> str:
    if not report.findings:
        return _clean(report, terminal)
    lines: list[str] = []
    for file, in_file in groupby(report.findings, key=lambda finding: finding.file):
        if lines:
            lines.append("")
        for _, same in groupby(in_file, key=_same_place):
            group = list(same)
            if len(group) > 1 and terminal.tty:
                lines += _group_lines(group, terminal)
            else:
                lines += [line for finding in group for line in format_line(finding, terminal)]
    if not terminal.quiet:
        lines += ["", *_summary(report, terminal)]
    return "\n".join(lines) + "\n"
