"""A template's `violation` value -> messages, details and the field each one is about.

Gatekeeper requires every result to carry a string `msg`; anything else is a template
that does not work, and saying "no violations" about it would be a false pass, so it is
a failure here. `details` is free-form in Gatekeeper. policygate's convention for exact
lines: `details.path` — a field path of the reviewed object, written
`spec.containers[0].image` or as a list of keys and indexes — puts the finding on that
field's line; without it (or if it is not a field path) the finding is on the resource.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policygate.model import FieldPath, parse_path


class ResultError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Result:
    message: str
    details: Any = None
    path: FieldPath = ()


def decode_violations(status: str, payload: Any) -> list[Result]:
    """Raises ResultError for engine errors and results of the wrong shape."""
    if status == "error":
        detail = str(payload).strip()
        raise ResultError(f"runtime error: {detail}" if detail not in ("", "<error>")
                          else "runtime error (the engine gave no detail)")
    if status == "undefined":
        raise ResultError("the engine returned no value for `violation` (a set is always "
                          "defined), so the evaluation failed")
    if payload is None or payload is False:
        return []
    if not isinstance(payload, list):
        raise ResultError(f"`violation` is {_describe(payload)}; it must be a set of "
                          f"{{\"msg\": ...}} objects")
    results = []
    for item in payload:
        if not isinstance(item, dict) or not isinstance(item.get("msg"), str):
            raise ResultError(f"a violation without a string `msg` ({_describe(item)}); "
                              f"Gatekeeper requires `msg`")
        details = item.get("details")
        results.append(Result(item["msg"], details, _path(details)))
    return sorted(results, key=lambda r: r.message)


def _path(details: Any) -> FieldPath:
    value = details.get("path") if isinstance(details, dict) else None
    if isinstance(value, str) and value:
        try:
            return parse_path(value)
        except ValueError:
            return ()
    if isinstance(value, list) and value and all(
            isinstance(p, (str, int)) and not isinstance(p, bool) for p in value):
        return tuple(value)
    return ()


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
