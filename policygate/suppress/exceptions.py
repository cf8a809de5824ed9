"""Config `exceptions:` — accepted risk recorded centrally, with a reason and an expiry."""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from policygate.config import ConfigException
from policygate.globs import match_any, match_name
from policygate.model import Finding, Severity, Suppression
from policygate.rules import rule_matches
from policygate.suppress import EXPIRED, UNUSED, RulePredicate, is_meta, meta_finding


def _matches(exception: ConfigException, finding: Finding) -> bool:
    if not any(rule_matches(finding.rule, pattern) for pattern in exception.rules):
        return False
    if exception.files and not match_any(exception.files, finding.file):
        return False
    selectors = ((exception.kind, "kind"), (exception.namespace, "namespace"),
                 (exception.name, "name"))
    for pattern, attribute in selectors:
        if pattern is None:
            continue
        value = getattr(finding.resource, attribute, None) if finding.resource else None
        if value is None or not match_name(pattern, value):
            return False
    return True


def live_exceptions(exceptions: Iterable[ConfigException], today: datetime.date
                    ) -> list[ConfigException]:
    return [e for e in exceptions if e.expires is None or e.expires >= today]


def covered(finding: Finding, exceptions: Iterable[ConfigException]) -> bool:
    """Would one of these (live) exceptions suppress the finding?"""
    return any(_matches(e, finding) for e in exceptions)


def apply_exceptions(findings: Iterable[Finding], exceptions: tuple[ConfigException, ...],
                     config_path: str, today: datetime.date, scanned_files: set[str],
                     full_scan: bool, rule_ran: RulePredicate
                     ) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """Split findings into (kept, suppressed); report expired and unused exceptions."""
    live = live_exceptions(exceptions, today)
    used: set[int] = set()
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        exception = None if is_meta(finding) else next(
            (e for e in live if _matches(e, finding)), None)
        if exception is None:
            kept.append(finding)
            continue
        used.add(exception.index)
        finding.suppression = Suppression(
            "exception", exception.reason, config_path, exception.line,
            f"exception #{exception.index}", exception.owner,
            exception.expires.isoformat() if exception.expires else None)
        suppressed.append(finding)

    problems = []
    for exception in exceptions:
        rules = ", ".join(exception.rules)
        if exception not in live:
            problems.append(meta_finding(
                EXPIRED, Severity.WARNING,
                f"exception #{exception.index} for {rules} expired on {exception.expires}: it "
                f"no longer suppresses anything (reason was: {exception.reason}); fix the "
                f"findings or renew it with a new date", config_path, exception.line))
        elif exception.index not in used and any(rule_ran(r) for r in exception.rules):
            in_scope = (any(match_any(exception.files, f) for f in scanned_files)
                        if exception.files else full_scan)
            if in_scope:
                problems.append(meta_finding(
                    UNUSED, Severity.NOTE,
                    f"exception #{exception.index} for {rules} matched no finding: remove it",
                    config_path, exception.line))
    return kept, suppressed, problems
