"""Judge a pull request's approvals against the approval policy, strictly by default.

Only APPROVED reviews count and each user's latest decision wins; the author, the
commit authors and committers, and reviews of an older head commit do not count unless
a rule's options say so (commit dates can be forged, commit IDs cannot). Whatever
cannot be verified fails closed and says what would make it verifiable.
"""
from __future__ import annotations

from dataclasses import dataclass

from policygate.approvals.codeowners import OwnerRequirement
from policygate.approvals.facts import ChangeFacts
from policygate.approvals.predicates import Undecidable, conditions_hold, in_principals
from policygate.approvals.rules import ApprovalConfig, ApprovalRule, PolicyNode

APPROVED, PENDING, SKIPPED, ERROR = "approved", "pending", "skipped", "error"


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: ApprovalRule
    status: str
    reason: str
    approved_by: tuple[str, ...] = ()
    missing: int = 0
    candidates: tuple[str, ...] = ()       # who could still approve (users, org/teams)


@dataclass(frozen=True, slots=True)
class NodeResult:
    label: str
    status: str
    reason: str
    children: tuple[NodeResult, ...] = ()
    rule: RuleResult | None = None
    operator: str = "rule"                  # rule | and | or, as in the policy tree


@dataclass(frozen=True, slots=True)
class Disapproval:
    user: str
    reason: str
    verified: bool                          # False: membership of a blocking team unknown


@dataclass(frozen=True, slots=True)
class ApprovalResult:
    status: str                             # approved | pending | error
    tree: NodeResult
    rules: dict[str, RuleResult]
    disapprovals: tuple[Disapproval, ...]
    nothing_applies: bool                   # every rule was skipped


def _eligible(rule: ApprovalRule, facts: ChangeFacts) -> tuple[list[str], dict[str, str]]:
    """Users whose approval counts for this rule, and why the others do not."""
    eligible: list[str] = []
    excluded: dict[str, str] = {}
    contributors = facts.contributors
    for user, review in facts.latest_decisions().items():
        if review.state != "APPROVED":
            continue
        if user == facts.pr.author and not rule.options.allow_author:
            excluded[user] = "the author cannot approve"
        elif user in contributors and user != facts.pr.author \
                and not rule.options.allow_contributor:  # the author is governed by allow_author
            excluded[user] = "committed to the pull request"
        elif rule.options.invalidate_on_push and review.commit_id != facts.pr.head.sha:
            excluded[user] = "approved an older commit"
        else:
            eligible.append(user)
    return eligible, excluded


def _codeowner_gaps(rule: ApprovalRule, approvers: list[str], facts: ChangeFacts
                    ) -> tuple[list[tuple[OwnerRequirement, int]], list[str]]:
    """Owner requirements still short of approvals (and by how many), and the owners whose
    membership cannot be verified among those requirements."""
    gaps: list[tuple[OwnerRequirement, int]] = []
    unknown: list[str] = []
    if not rule.requires.codeowners or facts.codeowners is None:
        return gaps, unknown
    for requirement in facts.codeowners.requirements(facts.changed_paths):
        approved = set()
        unverifiable = []
        for owner in requirement.owners:
            members = facts.owner_members(owner)
            if members is None:
                unverifiable.append(owner)
            else:
                approved.update(user for user in approvers if user in members)
        short = requirement.count - len(approved)
        if short > 0:
            gaps.append((requirement, short))
            unknown += unverifiable
    return gaps, sorted(set(unknown))


def _candidates(rule: ApprovalRule, facts: ChangeFacts, approved: list[str],
                excluded: dict[str, str]) -> tuple[str, ...]:
    principals = rule.requires.approvers
    if not principals:
        return ("anyone with write access except the author",)
    names: list[str] = []
    for user in principals.users:
        if user not in approved and user not in excluded and user != facts.pr.author:
            names.append(user)
    for team in principals.teams:
        members = facts.members(team)
        if members is None:
            names.append(f"{team} (members unknown)")
        else:
            eligible = [m for m in members if m not in approved and m not in excluded
                        and m != facts.pr.author]
            names.append(f"{team} ({', '.join(eligible) or 'no eligible member'})")
    return tuple(names)


def evaluate_rule(rule: ApprovalRule, facts: ChangeFacts) -> RuleResult:
    try:
        applies, reason = conditions_hold(rule.conditions, facts)
    except Undecidable as problem:
        return RuleResult(rule, ERROR, str(problem))
    if not applies:
        return RuleResult(rule, SKIPPED, reason)
    eligible, excluded = _eligible(rule, facts)
    counted: list[str] = []
    unknown_teams: set[str] = set()
    principals = rule.requires.approvers
    for user in eligible:
        member = in_principals(user, principals, facts) if principals else True
        if member:
            counted.append(user)
        elif member is None:
            unknown_teams.update(t for t in principals.teams if facts.members(t) is None)
    try:
        gaps, owner_unknown = _codeowner_gaps(rule, eligible, facts)
    except Undecidable as problem:
        return RuleResult(rule, ERROR, str(problem))
    missing = max(0, rule.requires.count - len(counted))
    if missing == 0 and not gaps:
        who = ", ".join(counted) if counted else "no approval needed"
        return RuleResult(rule, APPROVED, f"{reason}; approved by {who}", tuple(counted))
    if unknown_teams and missing or owner_unknown and gaps:
        team = sorted(unknown_teams or set(owner_unknown))[0]
        return RuleResult(rule, ERROR, f"{reason}; {facts.team_problem(team)}", tuple(counted))
    candidates = _candidates(rule, facts, counted, excluded) if missing else ()
    parts = []
    if missing:
        parts.append(f"needs {missing} more approval{'s' if missing > 1 else ''} from "
                     + "; ".join(candidates))
    if gaps:
        parts.append(_owner_gap_text(gaps))
    not_counted = [f"{user}: {why}" for user, why in sorted(excluded.items())]
    if not_counted:
        parts.append("not counted: " + ", ".join(not_counted))
    return RuleResult(rule, PENDING, f"{reason}; " + "; ".join(parts), tuple(counted), missing,
                      candidates if missing else tuple(o for r, _ in gaps for o in r.owners))


def _owner_gap_text(gaps: list[tuple[OwnerRequirement, int]]) -> str:
    """GitHub: "a code owner's approval for FILE (owners)"; a GitLab section entry:
    "2 code owner approvals (1 more) for [Section] pattern (files; owners)"."""
    requirement, short = gaps[0]
    owners = ", ".join(requirement.owners)
    if requirement.files == (requirement.label,):
        more = f" (and {len(gaps) - 1} more files)" if len(gaps) > 1 else ""
        return f"needs a code owner's approval for {requirement.label} ({owners}){more}"
    files = ", ".join(requirement.files[:3]) + (
        f" and {len(requirement.files) - 3} more" if len(requirement.files) > 3 else "")
    count = (f"{requirement.count} code owner approvals ({short} more)" if requirement.count > 1
             else "a code owner's approval")
    more = f" (and {len(gaps) - 1} more code owner rules)" if len(gaps) > 1 else ""
    return f"needs {count} for {requirement.label} ({files}; {owners}){more}"


def _combine(operator: str, statuses: list[str]) -> str:
    if operator == "or":
        for status in (APPROVED, ERROR, PENDING):
            if status in statuses:
                return status
        return SKIPPED
    if ERROR in statuses:
        return ERROR
    if PENDING in statuses:
        return PENDING
    return APPROVED if APPROVED in statuses else SKIPPED


def _evaluate_node(node: PolicyNode, results: dict[str, RuleResult]) -> NodeResult:
    if node.operator == "rule":
        result = results[node.rule or ""]
        return NodeResult(node.rule or "", result.status, result.reason, rule=result)
    children = tuple(_evaluate_node(child, results) for child in node.children)
    status = _combine(node.operator, [child.status for child in children])
    label = "all of" if node.operator == "and" else "any of"
    counts = {s: sum(c.status == s for c in children) for s in (APPROVED, PENDING, SKIPPED, ERROR)}
    reason = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return NodeResult(label, status, reason, children, operator=node.operator)


def _disapprovals(config: ApprovalConfig, facts: ChangeFacts) -> tuple[Disapproval, ...]:
    found = []
    if not config.disapproval:
        return ()
    for user, review in facts.latest_decisions().items():
        if review.state != "CHANGES_REQUESTED":
            continue
        member = in_principals(user, config.disapproval, facts)
        if member:
            found.append(Disapproval(user, f"{user} requested changes", True))
        elif member is None:
            team = next(t for t in config.disapproval.teams if facts.members(t) is None)
            found.append(Disapproval(user, f"{user} requested changes and may belong to a "
                                           f"blocking team: {facts.team_problem(team)}", False))
    return tuple(found)


def evaluate(config: ApprovalConfig, facts: ChangeFacts) -> ApprovalResult:
    results = {name: evaluate_rule(rule, facts) for name, rule in config.rules.items()}
    tree = _evaluate_node(config.policy, results)
    nothing_applies = tree.status == SKIPPED
    status = tree.status
    if nothing_applies:
        status = PENDING if config.fail_when_nothing_applies else APPROVED
    disapprovals = _disapprovals(config, facts)
    if any(not d.verified for d in disapprovals):
        status = ERROR
    elif disapprovals and status == APPROVED:
        status = PENDING
    return ApprovalResult(status, tree, results, disapprovals, nothing_applies)
