"""Approval results as findings, as a readable tree, and as JSON.

Findings point at the rule's line in the (base) config, so annotations and review
comments land where the rule is defined.
"""
from __future__ import annotations

from typing import Any

from policygate.approvals.evaluate import (
    APPROVED, ERROR, PENDING, SKIPPED, ApprovalResult, NodeResult)
from policygate.approvals.rules import ApprovalConfig
from policygate.model import Finding, Location, Severity

_MARK = {APPROVED: "✓", PENDING: "✗", SKIPPED: "-", ERROR: "!"}


def _finding(rule: str, severity: Severity, message: str, file: str, line: int) -> Finding:
    return Finding(rule, severity, message, file, Location(line, 1, line), source="approvals")


def _blocking(node: NodeResult, alternatives: tuple[str, ...] = ()
              ) -> list[tuple[NodeResult, tuple[str, ...]]]:
    """Leaves that keep a non-approved subtree from being approved, with their alternatives."""
    if node.status in (APPROVED, SKIPPED):
        return []
    if node.rule is not None:
        return [(node, alternatives)]
    found = []
    for child in node.children:
        others = (tuple(c.label for c in node.children if c is not child)
                  if node.operator == "or" else ())
        found += _blocking(child, alternatives + others)
    return found


def approval_findings(result: ApprovalResult, config: ApprovalConfig) -> list[Finding]:
    path = config.config_path
    findings: list[Finding] = []
    for disapproval in result.disapprovals:
        findings.append(_finding(
            "approval/disapproved" if disapproval.verified else "approval/cannot-verify",
            Severity.ERROR, f"{disapproval.reason}: the pull request is blocked until they "
                            f"approve or their review is dismissed", path, config.policy_line))
    if result.nothing_applies and config.fail_when_nothing_applies:
        findings.append(_finding(
            "approval/missing", Severity.ERROR,
            "no approval rule applies to this change, and the policy fails closed: add a rule "
            "that covers it, or set `approvals.if_no_rule_applies: pass`", path,
            config.policy_line))
        return findings
    if result.tree.status in (APPROVED, SKIPPED):
        return findings
    for leaf, alternatives in _blocking(result.tree):
        rule_result = leaf.rule
        assert rule_result is not None
        either = f" (or satisfy {', '.join(alternatives)})" if alternatives else ""
        if rule_result.status == ERROR:
            findings.append(_finding("approval/cannot-verify", Severity.ERROR,
                                     f"approval rule {leaf.label!r}: {rule_result.reason}{either}",
                                     path, rule_result.rule.line))
        else:
            findings.append(_finding("approval/missing", Severity.ERROR,
                                     f"approval rule {leaf.label!r} {rule_result.reason}{either}",
                                     path, rule_result.rule.line))
    return findings


def _tree_lines(node: NodeResult, depth: int) -> list[str]:
    indent = "  " * depth
    lines = [f"{indent}{_MARK[node.status]} {node.label}: {node.status} — {node.reason}"]
    for child in node.children:
        lines += _tree_lines(child, depth + 1)
    return lines


def render_tree(result: ApprovalResult) -> str:
    verdict = {APPROVED: "approved", PENDING: "not approved", ERROR: "cannot be verified"}[
        result.status]
    lines = [f"Approval policy: {verdict}"]
    lines += _tree_lines(result.tree, 1)
    if result.nothing_applies:
        lines.append("  (no rule applies to this change)")
    for disapproval in result.disapprovals:
        lines.append(f"  ✗ disapproval: {disapproval.reason}")
    return "\n".join(lines) + "\n"


def _node_json(node: NodeResult) -> dict[str, Any]:
    data: dict[str, Any] = {"name": node.label, "status": node.status, "reason": node.reason}
    if node.rule is not None:
        data["approved_by"] = list(node.rule.approved_by)
        data["missing"] = node.rule.missing
        data["candidates"] = list(node.rule.candidates)
    if node.children:
        data["children"] = [_node_json(child) for child in node.children]
    return data


def result_json(result: ApprovalResult) -> dict[str, Any]:
    """The approval state as `policygate approvals --format json` and Rego see it."""
    return {"status": result.status, "nothing_applies": result.nothing_applies,
            "policy": _node_json(result.tree),
            "disapprovals": [{"user": d.user, "reason": d.reason, "verified": d.verified}
                             for d in result.disapprovals]}
