"""Kubernetes label selectors and Gatekeeper's name globs.

Both are parsed once, with the validation the API server applies (a constraint it would
refuse is an error here too), and evaluated with the apimachinery semantics that decide
which objects a constraint sees: `NotIn` matches an object without the key, `In` does
not; a glob has one `*` at the start, the end, or both.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policygate.model import FieldPath

_WILDCARD = re.compile(r"^(\*|\*-)?[a-z0-9]([-:a-z0-9]*[a-z0-9])?(\*|-\*)?$")
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class SelectorError(ValueError):
    """A selector the API server would refuse; `path` is relative to the selector."""

    def __init__(self, path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.path = path


def glob_matches(pattern: str, candidate: str) -> bool:
    """Gatekeeper's Wildcard: `kube-*` prefix, `*-system` suffix, `*x*` contains."""
    if pattern.startswith("*") and pattern.endswith("*") and len(pattern) > 1:
        return pattern[1:-1] in candidate
    if pattern.startswith("*"):
        return candidate.endswith(pattern[1:])
    if pattern.endswith("*"):
        return candidate.startswith(pattern[:-1])
    return pattern == candidate


def check_glob(value: Any, path: FieldPath) -> str:
    if not isinstance(value, str) or not _WILDCARD.match(value):
        raise SelectorError(path, f"{value!r} is not a name or a glob like `kube-*` or "
                                  f"`*-system` (lower-case letters, digits, `-`, `:`)")
    return value


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, Any]) -> bool:
        present = self.key in labels
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        inside = present and labels[self.key] in self.values
        return inside if self.operator == "In" else not inside


@dataclass(frozen=True, slots=True)
class LabelSelector:
    labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Requirement, ...] = ()

    def matches(self, labels: Any) -> bool:
        labels = labels if isinstance(labels, dict) else {}
        return (all(labels.get(key) == value for key, value in self.labels)
                and all(r.matches(labels) for r in self.expressions))


def parse_selector(value: Any) -> LabelSelector:
    """A metav1.LabelSelector; raises SelectorError naming the bad field."""
    if not isinstance(value, dict):
        raise SelectorError((), "a label selector must be a mapping with matchLabels "
                                "and/or matchExpressions")
    unknown = sorted(set(value) - {"matchLabels", "matchExpressions"})
    if unknown:
        raise SelectorError((unknown[0],), f"unknown field {unknown[0]!r} (a label selector "
                                           f"has matchLabels and matchExpressions)")
    labels = value.get("matchLabels") or {}
    if not isinstance(labels, dict):
        raise SelectorError(("matchLabels",), "matchLabels must map label keys to values")
    pairs = []
    for key, label in labels.items():
        if not isinstance(label, str):
            raise SelectorError(("matchLabels", key), f"the value of {key!r} must be a string")
        pairs.append((str(key), label))
    expressions = value.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise SelectorError(("matchExpressions",), "matchExpressions must be a list")
    return LabelSelector(tuple(pairs), tuple(_requirement(item, index)
                                             for index, item in enumerate(expressions)))


def _requirement(item: Any, index: int) -> Requirement:
    where: FieldPath = ("matchExpressions", index)
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        raise SelectorError(where, "each match expression needs a `key` and an `operator`")
    operator = item.get("operator")
    if operator not in _OPERATORS:
        raise SelectorError(where + ("operator",), f"operator {operator!r} is not one of "
                                                   f"{', '.join(_OPERATORS)}")
    values = item.get("values") or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise SelectorError(where + ("values",), "values must be a list of strings")
    if operator in ("In", "NotIn") and not values:
        raise SelectorError(where + ("values",), f"operator {operator} needs at least one value")
    if operator in ("Exists", "DoesNotExist") and values:
        raise SelectorError(where + ("values",), f"operator {operator} takes no values")
    return Requirement(item["key"], operator, tuple(values))
