"""Constraint documents -> Constraint, and their parameters checked against the template.

The API server validates a constraint's `spec.parameters` against the schema its
ConstraintTemplate declares and refuses a mismatch; a gate that accepted it would judge
with parameters the cluster never sees. So the same check runs here (jsonschema, on the
template's openAPIV3Schema with the Kubernetes extensions translated) and a mismatch is an
error naming the parameter's line — or, in `verify`, what an `invalid: true` test expects.
"""
from __future__ import annotations

from typing import Any

from policygate.gatekeeper.enforcement import EnforcementError, commit_action
from policygate.gatekeeper.match import MatchSpecError, parse_match
from policygate.gatekeeper.objects import Constraint, Origin, PolicyProblem, Template
from policygate.model import Document, format_path


def read_constraint(document: Document, file: str) -> Constraint:
    """Raises PolicyProblem (`file:line: message`)."""
    origin = Origin(file, document)
    data = document.data
    kind = data["kind"]
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        raise origin.problem(("metadata",), f"the {kind} constraint has no metadata.name")
    spec = data.get("spec") or {}
    if not isinstance(spec, dict):
        raise origin.problem(("spec",), f"{kind} {name}: spec must be a mapping")
    try:
        match = parse_match(spec.get("match"))
    except MatchSpecError as error:
        raise origin.problem(("spec", "match") + error.path, f"{kind} {name}: {error}") from None
    try:
        declared, action = commit_action(spec)
    except EnforcementError as error:
        raise origin.problem(("spec",) + error.path, f"{kind} {name}: {error}") from None
    parameters = spec.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise origin.problem(("spec", "parameters"), f"{kind} {name}: spec.parameters must be "
                                                     f"a mapping (the API server refuses it)")
    # Gatekeeper defaults absent parameters to {} so that templates need not.
    return Constraint(kind, name, origin, match, parameters or {}, action, declared,
                      parameters is not None)


def parameter_problem(constraint: Constraint, template: Template) -> PolicyProblem | None:
    """Why the API server would refuse these parameters, or None when they fit."""
    if template.schema is None or not constraint.parameters_given:
        return None
    import jsonschema

    validator = jsonschema.Draft4Validator(_json_schema(template.schema))
    errors = sorted(validator.iter_errors(constraint.parameters),
                    key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return None
    error = jsonschema.exceptions.best_match(errors)
    where = tuple(error.absolute_path)
    field = format_path(("spec", "parameters") + where)
    return constraint.origin.problem(
        ("spec", "parameters") + where,
        f"{constraint.kind} {constraint.name}: {field}: {error.message} (the schema of "
        f"ConstraintTemplate {template.name} at {template.origin.at()})")


_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def _json_schema(schema: Any) -> Any:
    """OpenAPI v3 (as Kubernetes reads it) -> JSON Schema draft 4."""
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {name: _json_schema(item) for name, item in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            result[key] = [_json_schema(item) for item in value]
        elif key in ("items", "additionalProperties", "not"):
            result[key] = ([_json_schema(item) for item in value] if isinstance(value, list)
                           else _json_schema(value))
        else:
            result[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        result.pop("type", None)
        result["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.get("nullable") and isinstance(result.get("type"), str):
        result["type"] = [result["type"], "null"]
    return result
