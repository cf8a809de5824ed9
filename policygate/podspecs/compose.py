"""Build one pod from the parts a custom kind spreads it over, remembering where each
part is written, plus the strategic merge the kinds use for step templates and patches."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from policygate.kubernetes import FieldSource
from policygate.model import FieldPath

# Pod-level fields the pod rules read; lists among them add up across parts.
POD_FIELDS = ("hostNetwork", "hostPID", "hostIPC", "hostUsers", "securityContext", "volumes",
              "os")
_MERGED_LISTS = frozenset({"volumes"})
# Lists of named entries that a strategic merge patch merges by name.
_BY_NAME = frozenset({"containers", "initContainers", "ephemeralContainers", "volumes",
                      "sidecars", "steps"})


def compose(parts: Iterable[tuple[Any, FieldPath]]
            ) -> tuple[dict[str, Any], dict[str, FieldSource]]:
    """Pod-level fields from each (mapping, path) in order: later parts replace a field,
    volumes add up. Returns the fields and where each (each volume) is written."""
    spec: dict[str, Any] = {}
    sources: dict[str, FieldSource] = {}
    for data, path in parts:
        if not isinstance(data, dict):
            continue
        for key in POD_FIELDS:
            if key not in data:
                continue
            value = data[key]
            if key in _MERGED_LISTS and isinstance(value, list):
                earlier = spec.get(key) if isinstance(spec.get(key), list) else []
                earlier_paths = sources.get(key) if isinstance(sources.get(key), list) else []
                spec[key] = earlier + value
                sources[key] = list(earlier_paths) + [path + (key, i) for i in range(len(value))]
            else:
                spec[key] = value
                sources[key] = path + (key,)
    return spec, sources


def merge(base: Any, patch: Any) -> Any:
    """A strategic merge: mappings merge key by key, named lists merge by name, anything
    else in the patch replaces the base."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            if key in _BY_NAME and isinstance(value, list) and isinstance(base.get(key), list):
                merged[key] = _merge_named(base[key], value)
            else:
                merged[key] = merge(base.get(key), value) if key in base else value
        return merged
    return patch


def _merge_named(base: list[Any], patch: list[Any]) -> list[Any]:
    merged = list(base)
    names = {item.get("name"): index for index, item in enumerate(base) if isinstance(item, dict)}
    for item in patch:
        index = names.get(item.get("name")) if isinstance(item, dict) else None
        if index is None:
            merged.append(item)
        else:
            merged[index] = merge(merged[index], item)
    return merged
