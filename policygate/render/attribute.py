"""Place a finding on a rendered object back on the line that produced the value.

kustomize's origin annotation names the file a resource came from and its
transformation annotation names every kustomization that transformed it, innermost
first. Neither says which field came from where, so the field is traced here, outermost
layer first: a patch that sets the offending value (same value, or the field a JSON
patch removed), an `images:` override that rewrote the image, the `namespace:`,
`namePrefix:` or label setting; otherwise the base resource, where the field (or the
parent it is missing from) is written. A value none of these explains is placed on the
root kustomization with a note, never on a wrong line.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from policygate.locate import locate
from policygate.model import Document, FieldPath, Location

MERGE_KEYS = ("name", "mountPath", "containerPort", "devicePath")


@dataclass(frozen=True, slots=True)
class Place:
    file: str
    location: Location
    traced: bool = True


@dataclass(slots=True)
class Patch:
    """One patch object (or JSON 6902 operation list) and how its lines map to a file."""

    file: str
    document: Document
    json6902: bool
    target: dict[str, Any] | None = None
    line_offset: int = 0
    column_offset: int = 0
    fixed: Location | None = None  # an inline patch whose lines cannot be mapped

    def place(self, path: FieldPath) -> Place:
        if self.fixed is not None:
            return Place(self.file, self.fixed)
        where = locate(self.document, path)
        return Place(self.file, Location(where.line + self.line_offset,
                                         where.column + self.column_offset,
                                         where.end_line + self.line_offset))


@dataclass(slots=True)
class Layer:
    """The settings of one kustomization (or of a GitOps object's kustomize options) that
    transform resources: where they are written and the patches they apply."""

    file: str
    document: Document
    data: dict[str, Any]
    prefix: FieldPath = ()
    patches: list[Patch] = field(default_factory=list)

    def place(self, *path: Any) -> Place:
        return Place(self.file, locate(self.document, self.prefix + tuple(path)))


@dataclass(slots=True)
class Source:
    """The resource as written in its origin file."""

    file: str
    document: Document


def value_at(data: Any, path: FieldPath) -> tuple[bool, Any]:
    for element in path:
        if isinstance(element, int):
            if not isinstance(data, list) or not 0 <= element < len(data):
                return False, None
        elif not isinstance(data, dict) or element not in data:
            return False, None
        data = data[element]
    return True, data


def present_prefix(data: Any, path: FieldPath) -> FieldPath:
    """The longest prefix of `path` that exists in `data`."""
    for length in range(len(path), 0, -1):
        if value_at(data, path[:length])[0]:
            return path[:length]
    return ()


def _merge_key(item: Any) -> tuple[str, Any] | None:
    if isinstance(item, dict):
        for key in MERGE_KEYS:
            if key in item:
                return key, item[key]
    return None


def translate(path: FieldPath, rendered: Any, source: Any) -> tuple[FieldPath, int]:
    """`path` in the rendered object as a path in `source`, and how many elements of it
    `source` has. List items are matched by merge key (a container's `name`), so a patch
    that adds a container does not shift the base's containers."""
    result: list[Any] = []
    for depth, element in enumerate(path):
        if isinstance(element, int):
            if not isinstance(rendered, list) or not isinstance(source, list) \
                    or element >= len(rendered):
                return tuple(result) + path[depth:], depth
            key = _merge_key(rendered[element])
            if key is not None:
                index = next((i for i, item in enumerate(source)
                              if isinstance(item, dict) and item.get(key[0]) == key[1]), None)
            else:
                index = element if element < len(source) else None
            if index is None:
                return tuple(result) + path[depth:], depth
            result.append(index)
            rendered, source = rendered[element], source[index]
        else:
            if not isinstance(source, dict) or element not in source:
                return tuple(result) + path[depth:], depth
            result.append(element)
            rendered = rendered.get(element) if isinstance(rendered, dict) else None
            source = source[element]
    return tuple(result), len(path)


def _scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


# -- patches ------------------------------------------------------------------------------

def _json_pointer(pointer: Any) -> FieldPath | None:
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        return None
    parts: list[Any] = []
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return tuple(parts)


def _same_elements(pointer: FieldPath, path: FieldPath) -> bool:
    """A JSON pointer and a rendered path name the same fields (`-` appends: any index)."""
    return len(pointer) <= len(path) and all(
        p == q or (p == "-" and isinstance(q, int)) for p, q in zip(pointer, path))


def _json6902_place(patch: Patch, path: FieldPath, rendered_value: Any, full_path: FieldPath
                    ) -> Place | None:
    operations = patch.document.data if isinstance(patch.document.data, list) else []
    for index in range(len(operations) - 1, -1, -1):
        operation = operations[index]
        if not isinstance(operation, dict):
            continue
        pointer = _json_pointer(operation.get("path"))
        if pointer is None:
            continue
        if operation.get("op") == "remove" and _same_elements(pointer, full_path) \
                and len(pointer) > len(path):
            return patch.place((index, "path"))   # the field is missing because of this
        if operation.get("op") in ("add", "replace") and _same_elements(pointer, path):
            found, value = value_at(operation.get("value"), path[len(pointer):])
            if found and (not _scalar(value) or value == rendered_value):
                return patch.place((index, "value", *path[len(pointer):]))
    return None


def _smp_place(patch: Patch, path: FieldPath, rendered: dict[str, Any], rendered_value: Any,
               base_has: bool) -> Place | None:
    data = patch.document.data
    if not isinstance(data, dict):
        return None
    translated, depth = translate(path, rendered, data)
    if depth < len(path):
        return None
    found, value = value_at(data, translated)
    if not found:
        return None
    if _scalar(rendered_value):
        return patch.place(translated) if value == rendered_value else None
    return None if base_has else patch.place(translated)


def _names(data: dict[str, Any]) -> tuple[str, str]:
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return str(data.get("kind") or ""), str(metadata.get("name") or "")


def _selects(patch: Patch, kind: str, names: tuple[str, ...]) -> bool:
    """Could this patch apply to the resource? (The value check decides; this only keeps
    a patch for another kind from being credited with an equal value.)"""
    target = patch.target
    if target is None:
        if patch.json6902 or not isinstance(patch.document.data, dict):
            return True
        patch_kind, patch_name = _names(patch.document.data)
        return patch_kind in ("", kind) and (not patch_name or any(patch_name in n for n in names))
    if target.get("kind") not in (None, kind):
        return False
    pattern = target.get("name")
    if isinstance(pattern, str):
        try:
            return any(re.fullmatch(pattern, n) or pattern in n for n in names)
        except re.error:
            return any(pattern in n for n in names)
    return True


# -- transformers -------------------------------------------------------------------------

def _image_repository(reference: Any) -> str:
    text = str(reference).split("@", 1)[0]
    slash = text.rfind("/")
    colon = text.rfind(":")
    return text[:colon] if colon > slash else text


def _image_place(layer: Layer, source_image: Any) -> Place | None:
    images = layer.data.get("images")
    if not isinstance(images, list):
        return None
    repository = _image_repository(source_image)
    for index in range(len(images) - 1, -1, -1):
        entry = images[index]
        name = entry.get("name") if isinstance(entry, dict) else None
        if name is not None and name in (repository, repository.rpartition("/")[2]):
            key = next((k for k in ("digest", "newTag", "newName") if k in entry), "name")
            return layer.place("images", index, key)
    return None


_LABEL_FIELDS = ("commonLabels", "labels")


def _transformer_place(layer: Layer, path: FieldPath, source_value: Any) -> Place | None:
    data = layer.data
    if path == ("metadata", "namespace") and "namespace" in data:
        return layer.place("namespace")
    if path == ("metadata", "name"):
        for key in ("namePrefix", "nameSuffix"):
            if key in data:
                return layer.place(key)
    if path and path[-1] == "image":
        return _image_place(layer, source_value)
    if "labels" in path or "matchLabels" in path:
        label = path[-1]
        for key in _LABEL_FIELDS:
            settings = data.get(key)
            entries = settings if isinstance(settings, list) else [{"pairs": settings}]
            for index, entry in enumerate(entries):
                pairs = entry.get("pairs") if isinstance(entry, dict) else None
                if isinstance(pairs, dict) and label in pairs:
                    return layer.place(key, label) if key == "commonLabels" else \
                        layer.place(key, index, "pairs", label)
    if path == ("spec", "replicas") and isinstance(data.get("replicas"), list):
        return layer.place("replicas")
    return None


# -- the whole trace ----------------------------------------------------------------------

def _patches(layers: list[Layer], kind: str, names: tuple[str, ...]) -> Iterator[Patch]:
    for layer in reversed(layers):
        for patch in reversed(layer.patches):
            if _selects(patch, kind, names):
                yield patch


def attribute(path: FieldPath, rendered: dict[str, Any], source: Source | None,
              layers: list[Layer], fallback: Place) -> Place:
    """Where the value at `path` of a rendered object was written."""
    present = present_prefix(rendered, path)
    rendered_value = value_at(rendered, present)[1]
    source_data = source.document.data if source is not None else None
    translated, depth = translate(present, rendered, source_data) if source is not None \
        else (present, 0)
    base_has = source is not None and depth == len(present)
    source_value = value_at(source_data, translated)[1] if base_has else None
    kind, name = _names(rendered)
    names = (name, _names(source_data)[1] if isinstance(source_data, dict) else name)
    for patch in _patches(layers, kind, names):
        place = _json6902_place(patch, present, rendered_value, path) if patch.json6902 \
            else _smp_place(patch, present, rendered, rendered_value, base_has)
        if place is not None:
            return place
    copied = base_has and (not _scalar(rendered_value) or source_value == rendered_value)
    if not (copied and _scalar(rendered_value)):
        for layer in reversed(layers):
            place = _transformer_place(layer, present, source_value)
            if place is not None:
                return place
    if source is not None and (copied or not present):
        # Only the part the source has: a missing field is placed on its parent there.
        written, depth = translate(path, rendered, source_data)
        return Place(source.file, locate(source.document, written[:depth]))
    return fallback
