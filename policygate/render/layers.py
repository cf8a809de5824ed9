"""Turn a kustomization (or a GitOps object's kustomize options) into a `Layer`: its
transformer settings and its patches, each patch with a way back to its own lines.

A patch in its own file keeps that file's lines. An inline patch (`patch: |-` in the
kustomization or in an Argo CD Application) is a block of YAML inside a string: a
literal block keeps its lines, so they are shifted back into the file; any other scalar
style folds or escapes lines, and those findings are placed on the `patch:` key.
"""
from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from yaml.nodes import ScalarNode

from policygate.locate import locate, value_node
from policygate.model import Document, FieldPath
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.render.attribute import Layer, Patch
from policygate.render.tree import normalize


def _patch_documents(raw: bytes, file: str) -> list[Document]:
    return [d for d in parse_bytes(raw, file, Limits()).documents if d.data is not None]


def _file_patches(file: str, raw: bytes | None, target: Any, json6902: bool) -> list[Patch]:
    if raw is None:
        return []
    return [Patch(file, document, json6902 or isinstance(document.data, list),
                  target if isinstance(target, dict) else None)
            for document in _patch_documents(raw, file)]


def _inline_patches(file: str, document: Document, text: str | None, path: FieldPath,
                    target: Any, json6902: bool) -> list[Patch]:
    node = value_node(document, path)
    if not isinstance(node, ScalarNode):
        return []
    target = target if isinstance(target, dict) else None
    patches = []
    literal = node.style == "|" and text is not None
    first = node.start_mark.line + 1  # 0-based line of the block's first content line
    indent = 0
    if literal:
        lines = text.splitlines()  # type: ignore[union-attr]
        if first < len(lines):
            indent = len(lines[first]) - len(lines[first].lstrip(" "))
    for patch_document in _patch_documents(node.value.encode(), file):
        patch = Patch(file, patch_document, json6902 or isinstance(patch_document.data, list),
                      target)
        if literal:
            patch.line_offset, patch.column_offset = first, indent
        else:
            patch.fixed = locate(document, path)
        patches.append(patch)
    return patches


def layer_patches(file: str, document: Document, text: str | None, prefix: FieldPath,
                  data: dict[str, Any], contents: Mapping[str, bytes | None]) -> list[Patch]:
    """The patches of `patchesStrategicMerge`, `patches` and `patchesJson6902`, in the
    order kustomize's transformers apply them."""
    directory = posixpath.dirname(file)
    patches: list[Patch] = []

    def add(entry_path: FieldPath, reference: Any, inline_key: FieldPath | None, target: Any,
            json6902: bool) -> None:
        if isinstance(reference, str) and inline_key is None:
            path = normalize(directory, reference)
            if path is not None:
                patches.extend(_file_patches(path, contents.get(path), target, json6902))
        elif inline_key is not None:
            patches.extend(_inline_patches(file, document, text, prefix + inline_key, target,
                                           json6902))

    for index, item in enumerate(_list(data.get("patchesStrategicMerge"))):
        if isinstance(item, str):
            inline = "\n" in item or item.lstrip().startswith(("apiVersion:", "kind:", "{"))
            add(("patchesStrategicMerge", index), item,
                ("patchesStrategicMerge", index) if inline else None, None, False)
    for field_name, json6902 in (("patches", False), ("patchesJson6902", True)):
        for index, item in enumerate(_list(data.get(field_name))):
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("path"), str):
                add((field_name, index), item["path"], None, item.get("target"), json6902)
            elif isinstance(item.get("patch"), str):
                add((field_name, index), None, (field_name, index, "patch"), item.get("target"),
                    json6902)
    return patches


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def kustomization_layer(file: str, document: Document, text: str | None,
                        contents: Mapping[str, bytes | None]) -> Layer:
    data = document.data if isinstance(document.data, dict) else {}
    return Layer(file, document, data,
                 patches=layer_patches(file, document, text, (), data, contents))
