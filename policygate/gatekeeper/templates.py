"""ConstraintTemplate documents -> Template.

Reads both layouts Gatekeeper accepts: the older `targets[].rego` + `targets[].libs`,
and `targets[].code[]` with `engine: Rego` (`source.rego`, `source.libs`, optionally
`source.version: "v1"`). A template whose only code is CEL (K8sNativeValidation) is
still a Template — without Rego — so the engine can report it as not supported instead of
dropping a policy the cluster enforces. What Gatekeeper itself would refuse (no kind, a
name that is not the lower-case kind, a second target) is refused here with the line.
"""
from __future__ import annotations

import re
from typing import Any

from policygate.gatekeeper.objects import (REGO_ENGINE, TARGET, Origin, RegoSource, Template)
from policygate.gatekeeper.spans import span_of
from policygate.locate import value_node
from policygate.model import Document, FieldPath, value_at

_KIND_PATH: FieldPath = ("spec", "crd", "spec", "names", "kind")
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")



def read_template(document: Document, file: str, text: str | None) -> Template:
    """Raises PolicyProblem (`file:line: message`)."""
    origin = Origin(file, document)
    data = document.data
    name = value_at(data, ("metadata", "name"))
    if not isinstance(name, str) or not name:
        raise origin.problem(("metadata",), "the ConstraintTemplate has no metadata.name")
    kind = value_at(data, _KIND_PATH)
    if not isinstance(kind, str) or not kind:
        raise origin.problem(("spec",), f"ConstraintTemplate {name!r} defines no constraint "
                                        f"kind (spec.crd.spec.names.kind)")
    if not _KIND.match(kind):
        raise origin.problem(_KIND_PATH, f"kind {kind!r} is not a Kubernetes kind (letters and "
                                         f"digits, starting with a letter)")
    if name != kind.lower():
        raise origin.problem(("metadata", "name"),
                             f"ConstraintTemplate {name!r} must be named {kind.lower()!r}, the "
                             f"lower-case of its kind {kind} (Gatekeeper refuses it otherwise)")
    targets = value_at(data, ("spec", "targets"))
    if not isinstance(targets, list) or len(targets) != 1 or not isinstance(targets[0], dict):
        raise origin.problem(("spec", "targets"),
                             f"ConstraintTemplate {name!r} must have exactly one target "
                             f"({TARGET})")
    target = targets[0]
    if target.get("target") != TARGET:
        raise origin.problem(("spec", "targets", 0, "target"),
                             f"target {target.get('target')!r} is not supported; Gatekeeper "
                             f"validates admission with target {TARGET}")
    schema = value_at(data, ("spec", "crd", "spec", "validation", "openAPIV3Schema"))
    if schema is not None and not isinstance(schema, dict):
        raise origin.problem(("spec", "crd", "spec", "validation", "openAPIV3Schema"),
                             "openAPIV3Schema must be a mapping")
    engines, rego, libs, v1 = _code(target, origin, text)
    return Template(name, kind, origin, rego, libs, v1, engines, schema)


def _code(target: dict[str, Any], origin: Origin, text: str | None
          ) -> tuple[tuple[str, ...], RegoSource | None, tuple[RegoSource, ...], bool]:
    base: FieldPath = ("spec", "targets", 0)
    engines: list[str] = []
    chosen: tuple[FieldPath, dict[str, Any]] | None = None
    code = target.get("code")
    if code is not None and not isinstance(code, list):
        raise origin.problem(base + ("code",), "code must be a list of {engine, source}")
    for index, entry in enumerate(code or []):
        engine = entry.get("engine") if isinstance(entry, dict) else None
        if not isinstance(engine, str):
            raise origin.problem(base + ("code", index), "each code entry needs an `engine`")
        engines.append(engine)
        if engine == REGO_ENGINE and chosen is None:
            source = entry.get("source")
            if not isinstance(source, dict):
                raise origin.problem(base + ("code", index, "source"),
                                     "the Rego code needs a `source` with `rego`")
            chosen = (base + ("code", index, "source"), source)
    if chosen is None and target.get("rego") is not None:
        engines.append(REGO_ENGINE)
        chosen = (base, target)
    if chosen is None:
        return tuple(engines), None, (), False
    path, source = chosen
    version = source.get("version", "v0") if path != base else "v0"
    if version not in ("v0", "v1"):
        raise origin.problem(path + ("version",), f"Rego version {version!r} is not v0 or v1")
    rego = _source(source.get("rego"), path + ("rego",), origin, text, "rego")
    libs_value = source.get("libs") or []
    if not isinstance(libs_value, list):
        raise origin.problem(path + ("libs",), "libs must be a list of Rego modules")
    libs = tuple(_source(lib, path + ("libs", index), origin, text, "lib")
                 for index, lib in enumerate(libs_value))
    return tuple(engines), rego, libs, version == "v1"


def _source(value: Any, path: FieldPath, origin: Origin, text: str | None,
            what: str) -> RegoSource:
    if not isinstance(value, str) or not value.strip():
        raise origin.problem(path, f"the {what} must be Rego source text")
    node = value_node(origin.document, path) if origin.document is not None else None
    return RegoSource(value, span_of(origin.file, node, text, origin.line_of(path)), path)
