"""The `policygate.dev/ignore` annotation: suppressions that travel with the resource."""
from __future__ import annotations

from policygate.locate import locate
from policygate.model import Resource
from policygate.suppress import Directive

IGNORE = "policygate.dev/ignore"
IGNORE_REASON = "policygate.dev/ignore-reason"


def annotation_directive(resource: Resource) -> Directive | None:
    metadata = resource.data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict) or not isinstance(annotations.get(IGNORE), str):
        return None
    rules = tuple(r.strip() for r in annotations[IGNORE].split(",") if r.strip())
    reason = annotations.get(IGNORE_REASON)
    location = locate(resource.document, ("metadata", "annotations", IGNORE))
    document = resource.document
    return Directive("annotation", rules, reason.strip() if isinstance(reason, str) and reason.strip()
                     else None, resource.file, location.line, location.column,
                     document.start_line, document.end_line)
