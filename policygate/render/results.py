"""Fold a run's renders into its report: findings, suppressions, counts, provenance.

Comment suppressions (`# policygate: ignore[...]`) are read from the files the rendered
findings land in, once for all renders, so a comment in a base suppresses the finding
in every overlay and is reported unused only if no overlay needed it. Files that were
also checked on their own (kustomization files, a chart's values files) have their
comments judged there — except that a comment a rendered finding used is not unused.
A rendered finding on the same line as the same rule's finding from the plain check of
that file (an `images:` override judged both ways) is reported once.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from policygate.model import Finding, Report
from policygate.parsers import parse_bytes
from policygate.render.judge import STREAM
from policygate.render.session import Judged, RenderSession

Keep = Callable[[Judged, list[Finding]], list[Finding]]


def _inputs(judged: Iterable[Judged]) -> dict[str, bytes]:
    contents: dict[str, bytes] = {}
    for item in judged:
        if item.render.reported:
            contents.update(item.render.inputs)
    return contents


def _comment_directives(findings: list[Finding], contents: dict[str, bytes], plain: set[str],
                        rule_set: Any, problem_files: set[str] | None
                        ) -> tuple[list[Finding], list[Finding], list[Finding], list[Any]]:
    """(kept, suppressed, problems with the directives of files only renders read, the
    directives of plainly checked files that rendered findings used)."""
    from policygate.rules import known_pattern
    from policygate.suppress import apply_directives
    from policygate.suppress.comments import comment_directives

    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.file, []).append(finding)
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    problems: list[Finding] = []
    used_in_plain = []
    limits = rule_set.settings.limits
    for file in sorted(set(by_file) | {f for f in contents if f not in plain}):
        raw = contents.get(file)
        items = by_file.get(file, [])
        if raw is None or b"policygate:" not in raw:
            kept.extend(items)
            continue
        parsed = parse_bytes(raw, file, limits)
        directives = comment_directives(parsed.text or "", file, parsed.documents)
        file_kept, file_suppressed, file_problems = apply_directives(
            items, directives, rule_set.ran, known_pattern)
        kept += file_kept
        suppressed += file_suppressed
        if file not in plain and (problem_files is None or file in problem_files):
            problems += file_problems
        elif file in plain:
            used_in_plain += [d for d in directives if d.used]
    return kept, suppressed, problems, used_in_plain


def _annotation_problems(judged: Iterable[Judged], rule_set: Any) -> list[Finding]:
    from policygate.rules import known_pattern
    from policygate.suppress import directive_problems

    merged: dict[tuple[str, int], Any] = {}
    for item in judged:
        if not item.render.reported:
            continue
        for directive in item.judgement.directives if item.judgement else ():
            key = (directive.file, directive.line)
            if key in merged:
                merged[key].used |= directive.used
            else:
                merged[key] = directive
    return directive_problems(list(merged.values()), rule_set.ran, known_pattern)


def merge_renders(report: Report, session: RenderSession, rule_set: Any, plain: set[str],
                  keep: Keep | None = None, problem_files: set[str] | None = None) -> None:
    """Judge every render and add the outcome to `report`; `keep` is the diff filter,
    `problem_files` the files whose suppression problems a diff reports."""
    judged = session.finish(rule_set)
    settings = rule_set.settings
    findings: list[Finding] = []
    for item in judged:
        if not item.render.reported:  # the comparison or the context, not the verdict
            continue
        findings += settings.configure_all(item.render.failures)
        judgement = item.judgement
        if judgement is None:
            continue
        kept = judgement.findings if keep is None else keep(item, judgement.findings)
        findings += kept
        report.suppressed += judgement.suppressed
        report.checked += judgement.checked
        report.failures += judgement.failures
        report.resources += judgement.resources
    contents = _inputs(judged)
    findings, suppressed, problems, used = _comment_directives(findings, contents, plain,
                                                               rule_set, problem_files)
    if used:
        from policygate.suppress import unused

        needed = {(note.file, note.location, note.message) for directive in used
                  for note in (unused(directive, rule) for rule in directive.used)}
        report.findings = [f for f in report.findings
                           if (f.file, f.location, f.message) not in needed]
    problems += [p for p in _annotation_problems(judged, rule_set)
                 if problem_files is None or p.file in problem_files]
    findings += settings.configure_all(problems)
    report.suppressed += suppressed
    seen = {(f.rule, f.file, f.location.line, f.location.column) for f in report.findings
            if f.location is not None}
    unique: dict[tuple[Any, ...], Finding] = {}
    for finding in findings:
        line = (finding.location.line, finding.location.column) if finding.location else (0, 0)
        if (finding.rule, finding.file, *line) in seen:
            continue
        key = (finding.rule, finding.file, *line, finding.message, finding.resource)
        unique.setdefault(key, finding)
    report.findings += unique.values()
    report.files += len({f for f in contents if f not in plain}) + sum(
        1 for item in judged if item.render.request.engine == STREAM)
    report.renders = [item.render.to_json() for item in judged]
