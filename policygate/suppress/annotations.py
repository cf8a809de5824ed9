"""The `policygate.dev/ignore` annotation: suppressions that travel with the resource."""
from __future__ import annotations

from typing import Any

from policygate.locate import locate
from policygate.model import Resource
from policygate.suppress import Directive

IGNORE = "policygate.dev/ignore"
IGNORE_REASON = "policygate.dev/ignore-reason"


def ignore_annotation(data: Any) -> tuple[tuple[str, ...], str | None] | None:
    """(rules, reason) of an object's `policygate.dev/ignore` annotation, if it has one."""
    metadata = data.get("metadata") if isinstance(data, dict) else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict) or not isinstance(annotations.get(IGNORE), str):
        return None
    rules = tuple(r.strip() for r in annotations[IGNORE].split(",") if r.strip())
    reason = annotations.get(IGNORE_REASON)
    return rules, reason.strip() if isinstance(reason, str) and reason.strip() else None


def annotation_directive(resource: Resource) -> Directive | None:
    found = ignore_annotation(resource.data)
    if found is None:
        return None
    location = locate(resource.document, ("metadata", "annotations", IGNORE))
    document = resource.document
    return Directive("annotation", *found, resource.file, location.line, location.column,
                     document.start_line, document.end_line)
