"""A rule's `if:` conditions. Each returns whether it holds and a reason for the tree.

A condition that cannot be decided (the file list GitHub returned was cut short, team
membership unknown, touched resources unknown) raises Undecidable: the rule then fails
closed instead of being skipped on a guess.
"""
from __future__ import annotations

from collections.abc import Callable

from policygate.approvals.facts import ChangeFacts
from policygate.approvals.rules import Conditions, FileMatch, Principals
from policygate.globs import match_any, match_name
from policygate.rules import rule_matches


class Undecidable(Exception):
    """str() says what is unknown and how to make it known."""


def _matching(match: FileMatch, paths: tuple[str, ...]) -> list[str]:
    return [p for p in paths if match_any(match.paths, p) and not match_any(match.ignore, p)]


def in_principals(user: str, principals: Principals, facts: ChangeFacts) -> bool | None:
    """True/False, or None when membership of a listed team cannot be verified."""
    if user in principals.users:
        return True
    unknown = False
    for team in principals.teams:
        members = facts.members(team)
        if members is None:
            unknown = True
        elif user in members:
            return True
    return None if unknown else False


def _changed_files(match: FileMatch, facts: ChangeFacts) -> tuple[bool, str]:
    matched = _matching(match, facts.changed_paths)
    if matched:
        more = f" and {len(matched) - 1} more" if len(matched) > 1 else ""
        return True, f"changes {matched[0]}{more}"
    return False, "changes no file matching " + ", ".join(match.paths)


def _only_changed_files(match: FileMatch, facts: ChangeFacts) -> tuple[bool, str]:
    paths = facts.changed_paths
    matched = set(_matching(match, paths))
    others = [p for p in paths if p not in matched]
    if paths and not others:
        return True, "changes only files matching " + ", ".join(match.paths)
    return False, f"also changes {others[0]}" if others else "changes no files"


def _targets_branch(patterns: tuple[str, ...], facts: ChangeFacts) -> tuple[bool, str]:
    branch = facts.pr.base.ref
    if any(match_name(p, branch) for p in patterns):
        return True, f"targets {branch}"
    return False, f"targets {branch}, not " + ", ".join(patterns)


def _has_labels(labels: tuple[str, ...], facts: ChangeFacts) -> tuple[bool, str]:
    present = [label for label in labels if label in facts.pr.labels]
    if present:
        return True, f"has label {present[0]}"
    return False, "has none of the labels " + ", ".join(labels)


def _has_author_in(principals: Principals, facts: ChangeFacts) -> tuple[bool, str]:
    author = facts.pr.author
    member = in_principals(author, principals, facts)
    if member is None:
        unknown = [t for t in principals.teams if facts.members(t) is None]
        raise Undecidable(facts.team_problem(unknown[0]))
    return member, f"author {author} is {'' if member else 'not '}in " + ", ".join(
        principals.users + principals.teams)


def _changed_resources(conditions: Conditions, facts: ChangeFacts) -> tuple[bool, str]:
    if facts.resources is None:
        raise Undecidable("the resources this change touches are unknown (the head commit is "
                          "not available locally): fetch it or check out the pull request")
    for resource in facts.resources:
        kind_ok = not conditions.changed_kinds or resource.kind in conditions.changed_kinds
        namespace_ok = not conditions.changed_namespaces or any(
            match_name(pattern, resource.namespace or "")
            for pattern in conditions.changed_namespaces)
        if kind_ok and namespace_ok:
            return True, f"touches {resource}"
    wanted = ", ".join(conditions.changed_kinds + conditions.changed_namespaces)
    return False, f"touches no resource matching {wanted}"


def _adds_suppressions(conditions: Conditions, facts: ChangeFacts) -> tuple[bool, str]:
    if facts.added_suppressions is None:
        raise Undecidable("which suppressions the change adds is unknown (its commits are not "
                          "available locally): fetch them or check out the pull request")
    wanted = conditions.adds_suppressions or ()
    added = [a for a in facts.added_suppressions if not wanted or any(
        rule_matches(a.pattern, w) or rule_matches(w, a.pattern) for w in wanted)]
    if added:
        more = f" and {len(added) - 1} more" if len(added) > 1 else ""
        return True, f"adds a suppression of {added[0].describe()}{more}"
    return False, "adds no suppression" + (f" of {', '.join(wanted)}" if wanted else "")


def _policy_changed(expected: bool, facts: ChangeFacts) -> tuple[bool, str]:
    facts.require_complete_file_list()  # a cut-short list may hide a change to the gate
    return (facts.policy_changed == expected,
            "changes the gate's own config or policies" if facts.policy_changed
            else "leaves the gate's own config and policies alone")


_CHECKS: list[tuple[str, Callable[[Conditions], object], Callable[..., tuple[bool, str]]]] = [
    ("changed_files", lambda c: c.changed_files, _changed_files),
    ("only_changed_files", lambda c: c.only_changed_files, _only_changed_files),
    ("targets_branch", lambda c: c.targets_branch, _targets_branch),
    ("has_labels", lambda c: c.has_labels, _has_labels),
    ("has_author_in", lambda c: c.has_author_in, _has_author_in),
    ("changed_resources", lambda c: c if (c.changed_kinds or c.changed_namespaces) else None,
     _changed_resources),
    ("policy_changed", lambda c: c.policy_changed, _policy_changed),
    ("adds_suppressions", lambda c: c if c.adds_suppressions is not None else None,
     _adds_suppressions),
]


def conditions_hold(conditions: Conditions, facts: ChangeFacts) -> tuple[bool, str]:
    """All given conditions hold (a rule without `if` always applies)."""
    reasons = []
    for _, select, check in _CHECKS:
        argument = select(conditions)
        if argument is None or argument == ():
            continue
        holds, reason = check(argument, facts)
        if not holds:
            return False, reason
        reasons.append(reason)
    return True, "; ".join(reasons) if reasons else "always applies"
