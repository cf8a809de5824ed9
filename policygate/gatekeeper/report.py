"""The `policygate verify` report: one line per case (text) or `{"cases": [...]}` (JSON).

Text lines look like `policygate test`'s — `suite.yaml:LINE: test/case: STATUS (time)` —
so an editor jumps to the case. JSON is for CI to count: each case has `suite`, `test`,
`case`, `passed` and `message`, plus `status` (pass, fail, error, skip: a skipped case
has not passed).
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from policygate.gatekeeper.verify import ERROR, FAIL, PASS, SKIP, CaseResult

STATUSES = (PASS, FAIL, ERROR, SKIP)


def exit_code(results: Sequence[CaseResult]) -> int:
    """2 when a case could not run (an error is never a pass), 1 on failures, else 0."""
    statuses = {r.status for r in results}
    return 2 if ERROR in statuses else 1 if FAIL in statuses else 0


def summary(results: Sequence[CaseResult]) -> dict[str, int]:
    counts = {status.lower(): sum(1 for r in results if r.status == status)
              for status in STATUSES}
    return {"total": len(results), **counts}


def render(results: Sequence[CaseResult], format_name: str) -> str:
    if format_name == "json":
        return json.dumps({
            "cases": [{"suite": r.suite, "test": r.test, "case": r.case, "passed": r.passed,
                       "message": r.message, "status": r.status.lower()} for r in results],
            "summary": summary(results)}, indent=2) + "\n"
    lines = []
    for result in results:
        name = f"{result.test}/{result.case}" if result.case else result.test or "(suite)"
        timing = f" ({result.seconds * 1000:.1f}ms)" if result.status != SKIP else ""
        detail = f": {result.message}" if result.message else ""
        lines.append(f"{result.suite}:{result.line}: {name}: {result.status}{timing}{detail}")
    lines.append("-" * 80)
    counts = summary(results)
    lines.append(", ".join(f"{status}: {counts[status.lower()]}/{counts['total']}"
                           for status in STATUSES if counts[status.lower()]) or "no cases")
    return "\n".join(lines) + "\n"
