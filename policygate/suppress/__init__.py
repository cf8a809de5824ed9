"""Suppressions: findings the team has decided to accept, never silently.

Every suppressed finding stays in the report with who suppressed it and why; a
suppression without a reason, one that matches nothing, and an expired exception each
produce a finding of their own, so accepted risk stays visible and dead exceptions get
cleaned up.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from policygate.model import Finding, Location, Severity, Suppression
from policygate.parsers.yaml import ParsedFile
from policygate.rules import rule_matches, unknown_pattern

WITHOUT_REASON = "policygate/suppression-without-reason"
UNUSED = "policygate/unused-suppression"
EXPIRED = "policygate/expired-exception"

RulePredicate = Callable[[str], bool]


@dataclass(slots=True)
class Directive:
    """A suppression written in a manifest (comment or annotation) and the lines it covers."""

    kind: str
    rules: tuple[str, ...]
    reason: str | None
    file: str
    line: int
    column: int
    first_line: int
    last_line: int
    used: set[str] = field(default_factory=set)

    def matching_rule(self, finding: Finding) -> str | None:
        if finding.file != self.file or finding.location is None:
            return None
        if not self.first_line <= finding.location.line <= self.last_line:
            return None
        return next((r for r in self.rules if rule_matches(finding.rule, r)), None)

    def suppression(self) -> Suppression:
        return Suppression(self.kind, self.reason, self.file, self.line)


def file_directives(parsed: ParsedFile, file: str) -> list[Directive]:
    """Every suppression written in a file: `policygate.dev/ignore` annotations on its
    Kubernetes objects and `# policygate: ignore[...]` comments."""
    text = parsed.text
    if text is None or not parsed.documents or ("policygate.dev/ignore" not in text
                                                and "policygate:" not in text):
        return []
    from policygate.kubernetes import as_resource
    from policygate.suppress.annotations import annotation_directive
    from policygate.suppress.comments import comment_directives

    directives = []
    for document in parsed.documents:
        resource = as_resource(document)
        directive = annotation_directive(resource) if resource is not None else None
        if directive is not None:
            directives.append(directive)
    return directives + comment_directives(text, file, parsed.documents)


def meta_finding(rule: str, severity: Severity, message: str, file: str, line: int,
                 column: int = 1) -> Finding:
    return Finding(rule=rule, severity=severity, message=message, file=file,
                   location=Location(line, column, line), source="config")


def is_meta(finding: Finding) -> bool:
    """Findings about suppressions cannot themselves be suppressed."""
    return finding.rule.startswith("policygate/")


def apply_directives(findings: Iterable[Finding], directives: list[Directive],
                     rule_ran: RulePredicate, known: RulePredicate
                     ) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """Split findings into (kept, suppressed) and report problems with the directives."""
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        match = None
        if not is_meta(finding):
            for directive in directives:
                rule = directive.matching_rule(finding)
                if rule is not None:
                    match = directive
                    directive.used.add(rule)
                    break
        if match is None:
            kept.append(finding)
        else:
            finding.suppression = match.suppression()
            suppressed.append(finding)
    return kept, suppressed, directive_problems(directives, rule_ran, known)


def directive_problems(directives: list[Directive], rule_ran: RulePredicate,
                       known: RulePredicate) -> list[Finding]:
    problems = []
    for directive in directives:
        where = f"{directive.kind} suppression"
        if not directive.reason:
            problems.append(meta_finding(
                WITHOUT_REASON, Severity.WARNING,
                f"{where} of {', '.join(directive.rules)} has no reason: say why the risk is "
                f"accepted (" + ("text after the ]" if directive.kind == "comment"
                                 else "annotation policygate.dev/ignore-reason") + ")",
                directive.file, directive.line, directive.column))
        for rule in directive.rules:
            if not known(rule):
                problems.append(meta_finding(
                    UNUSED, Severity.WARNING,
                    f"{where} names an {unknown_pattern(rule)}",
                    directive.file, directive.line, directive.column))
            elif rule not in directive.used and rule_ran(rule):
                problems.append(unused(directive, rule))
    return problems


def unused(directive: Directive, rule: str) -> Finding:
    """The note that a directive's rule matched no finding."""
    return meta_finding(UNUSED, Severity.NOTE,
                        f"{directive.kind} suppression of {rule} matched no finding: remove it",
                        directive.file, directive.line, directive.column)
