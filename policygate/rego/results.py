"""Turn what an engine returned into Violations, Conftest's way — and check its shape.

Every backend hands over the plain JSON value of each rule (or UNDEFINED); this module
alone decides what it means: `deny`/`violation` → errors, `warn` → warnings, strings or
objects with `msg` (and optional `rule`, `severity`, `path`), `exception` rules that
suppress by rule name. A value of the wrong shape is a failure naming the rule, never
"no findings": a policy that returns something we do not understand has not passed.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from policygate.model import FieldPath, Severity, Violation, parse_path
from policygate.rego.policyset import RuleSet


class _Undefined:
    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Any = _Undefined()
_RULE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING, "warn": Severity.WARNING,
               "note": Severity.NOTE, "info": Severity.NOTE}


@dataclass(slots=True)
class Outcome:
    """Normalised results; with --combine `document` indexes the combined input."""

    violations: list[tuple[int | None, Violation]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class ShapeError(ValueError):
    pass


def rule_id(package: str, rule: str | None = None) -> str:
    return f"rego/{package}/{rule}" if rule else f"rego/{package}"


def normalise(rule_sets: Sequence[RuleSet], values: Sequence[Any], subject: str,
              combined: bool = False) -> Outcome:
    """`values[i]` is the JSON value of `rule_sets[i]` (or UNDEFINED)."""
    outcome = Outcome()
    excepted: dict[str, set[str]] = {}
    for rule_set, value in zip(rule_sets, values):
        if rule_set.kind == "exception" and value is not UNDEFINED:
            try:
                excepted.setdefault(rule_set.package, set()).update(_exception_names(value))
            except ShapeError as error:
                outcome.failures.append(f"{rule_set.ref} returned {error} for {subject}")
    for rule_set, value in zip(rule_sets, values):
        if rule_set.kind == "exception":
            continue
        names = excepted.get(rule_set.package, set())
        if rule_set.suffix and rule_set.suffix in names:
            continue
        if value is UNDEFINED:
            if rule_set.partial_set:
                outcome.failures.append(
                    f"the engine returned no value for {rule_set.ref} on {subject}; a "
                    f"`contains` rule is always a set, so the evaluation failed")
            continue
        try:
            for item in _items(rule_set, value):
                located = _violation(rule_set, item, combined)
                if located is not None and (located[1].rule or "").rpartition("/")[2] not in names:
                    outcome.violations.append(located)
        except ShapeError as error:
            outcome.failures.append(f"{rule_set.ref} returned {error} for {subject}")
    return outcome


def _exception_names(value: Any) -> set[str]:
    """`exception contains ["privileged"] if …` (Conftest), or a set of plain names."""
    if value is True or value is False:
        raise ShapeError("a boolean; an exception rule must be a set of rule-name lists, "
                         "e.g. `exception contains rules if { rules := [\"privileged\"] }`")
    items = value if isinstance(value, list) else [value]
    names: set[str] = set()
    for item in items:
        for name in item if isinstance(item, list) else [item]:
            if not isinstance(name, str):
                raise ShapeError(f"{_describe(name)} in an exception; exceptions name rules "
                                 f"with strings")
            names.add(name)
    return names


def _items(rule_set: RuleSet, value: Any) -> list[Any]:
    if value is True:
        return [f"{rule_set.ref} is true"]
    if value is False or value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (str, dict)) and not rule_set.partial_set:
        return [value]
    raise ShapeError(f"{_describe(value)}; expected a set of messages (strings or objects "
                     f"with `msg`)")


def _violation(rule_set: RuleSet, item: Any,
               combined: bool) -> tuple[int | None, Violation] | None:
    severity = Severity.WARNING if rule_set.kind == "warn" else Severity.ERROR
    if isinstance(item, str):
        return None, Violation(item, (), rule_id(rule_set.package), severity)
    if not isinstance(item, dict):
        raise ShapeError(f"{_describe(item)} in its set; each result must be a string or an "
                         f"object with `msg`")
    message = item.get("msg")
    if not isinstance(message, str) or not message:
        raise ShapeError(f"an object without a `msg` string ({_keys(item)}); each result "
                         f"object needs `msg`")
    rule = item.get("rule")
    if rule is not None and (not isinstance(rule, str) or not _RULE_NAME.match(rule)):
        raise ShapeError(f"`rule` {rule!r}; it must be a name like `missing-labels`")
    if "severity" in item:
        text = item["severity"]
        if not isinstance(text, str) or text.lower() not in _SEVERITIES:
            raise ShapeError(f"`severity` {text!r}; use error, warning or note")
        severity = _SEVERITIES[text.lower()]
    path = _path(item.get("path"))
    document = None
    if combined and path and isinstance(path[0], int):
        document, path = path[0], path[1:]
        if path[:1] == ("contents",):
            path = path[1:]
    return document, Violation(message, path, rule_id(rule_set.package, rule), severity)


def _path(value: Any) -> FieldPath:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            return parse_path(value)
        except ValueError as error:
            raise ShapeError(f"`path` {value!r}: {error}; write it like "
                             f"spec.containers[0].image") from None
    if isinstance(value, list) and all(isinstance(p, (str, int)) and p is not True
                                       and p is not False for p in value):
        return tuple(value)
    raise ShapeError(f"`path` {_describe(value)}; use a string like spec.containers[0].image "
                     f"or a list of keys and indexes")


def _describe(value: Any) -> str:
    text = repr(value)
    kind = {dict: "an object", list: "a set", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "null"}.get(
        type(value), f"a {type(value).__name__}")
    return f"{kind} {text[:60]}{'…' if len(text) > 60 else ''}"


def _keys(item: dict[str, Any]) -> str:
    return "keys: " + ", ".join(sorted(map(str, item))) if item else "empty object"
