"""The PR context read from a file (`--pr-context FILE`), for offline runs and tests.

The file (JSON, or YAML by its .yaml/.yml suffix) is validated against
schemas/pr-context.schema.json before anything is built from it: approval rules trust
these facts, so a typo must stop the run with a message naming the file, the JSON path
and the problem — never become a silently missing review or team.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from policygate.approvals.context import PullRequestContext, context_from_json

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "pr-context.schema.json"
SHA_PATTERN = "^[0-9a-f]{40}$"
TYPE_NAMES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
              float: "number", type(None): "null"}


class ContextFileError(ValueError):
    """A PR context file that cannot be used; the message is one line."""


def load_context_file(path: Path | str) -> PullRequestContext:
    """Read, validate and build the PR context in `path`."""
    path = Path(path)
    data = _parse(path)
    _validate(data, path)
    return context_from_json(data)


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContextFileError(f"{path}: cannot read the PR context: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ContextFileError(f"{path}: the PR context is not UTF-8 text") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _parse_yaml(text, path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ContextFileError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: "
                               f"{error.msg}") from None


def _parse_yaml(text: str, path: Path) -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        """Safe, and keeps timestamps as the ISO strings the schema expects."""

    Loader.yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        # A reader error (a control character) has no mark, and its text goes on to a second
        # line naming the stream: the first line is the problem.
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ContextFileError(f"{path}{where}: invalid YAML: {problem}") from None


def _validate(data: Any, path: Path) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text("utf-8")))
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    where, problem = _describe(errors[0])
    more = len(errors) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    raise ContextFileError(f"{path}: {where}: {problem}{tail}")


def _describe(error: Any) -> tuple[str, str]:
    """(JSON path, problem) for one schema error, in words a person can act on."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        specific = [e for e in error.context if e.validator != "type"]
        return _describe((specific or error.context)[0])
    where, value, expected = error.json_path, error.instance, error.validator_value
    kind = error.validator
    gitlab = "then" in error.schema_path           # the platform: gitlab branch of the schema
    if "propertyNames" in error.schema_path:
        shape = "a group path or @@role" if gitlab else "of the form org/team"
        return where, f"key {_show(value)} is not {shape}"
    if kind == "required":
        missing = next(key for key in expected if key not in value)
        return where, f"missing required key {missing!r}"
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = next(key for key in value if key not in allowed)
        return f"{where}.{unknown}", f"unknown key (allowed: {', '.join(allowed)})"
    if kind == "enum":
        return where, f"{_show(value)} is not one of {', '.join(map(str, expected))}"
    if kind == "const":
        return where, f"{_show(value)} is not supported (expected {expected!r})"
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return where, f"expected {wanted}, found {TYPE_NAMES.get(type(value), 'a value')}"
    if kind == "pattern":
        shape = ("a 40-character lower-case hex commit SHA" if expected == SHA_PATTERN
                 else "of the form group/project" if gitlab else "of the form owner/name")
        return where, f"{_show(value)} is not {shape}"
    if kind == "minLength":
        return where, "must not be empty"
    if kind == "minimum":
        return where, f"{_show(value)} is below the minimum {expected}"
    return where, error.message


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
