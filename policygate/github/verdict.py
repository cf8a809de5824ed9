"""The run's verdict in GitHub's vocabularies: check conclusion, status state, titles.

One place decides how a report maps onto GitHub, so the check run, the commit status and
the review's event never disagree with each other or with the exit code:

| the report                                 | check run | commit status | review event    |
|--------------------------------------------|-----------|---------------|-----------------|
| the run itself failed (`report.failures`)  | failure   | error         | as below        |
| findings at or above the fail-on threshold | failure   | failure       | the one asked   |
| findings, all below the threshold          | neutral   | success       | COMMENT         |
| no findings                                | success   | success       | COMMENT         |

`fail_on=None` is `--fail-on never`: no finding blocks. Neutral (not success) for
non-blocking findings, so a reviewer sees there is something to read without the merge
being blocked; a commit status has no neutral state, so it says success and the counts.
"""
from __future__ import annotations

from policygate.model import Report, Severity

def check_conclusion(report: Report, fail_on: Severity | None) -> str:
    if report.failures or report.blocks(fail_on):
        return "failure"
    return "neutral" if report.findings else "success"


def status_state(report: Report, fail_on: Severity | None) -> str:
    if report.failures:
        return "error"
    return "failure" if report.blocks(fail_on) else "success"


def counts(report: Report) -> str:
    return report.severity_counts() or "no findings"


def title(report: Report, fail_on: Severity | None) -> str:
    """A check run title / status description: the counts and what they mean."""
    if report.failures:
        return f"the check could not complete ({counts(report)} so far)"
    if not report.findings:
        return "no findings"
    if report.blocks(fail_on):
        return f"{counts(report)} — fails on {fail_on}"
    below = "never fails" if fail_on is None else f"fails only on {fail_on}"
    return f"{counts(report)} — not blocking ({below})"
