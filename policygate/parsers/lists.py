"""List objects (`kind: List`, `PodList`, `DeploymentList`, ...) as kubectl and kustomize
apply them: every item is an object of its own, and an item may itself be a list.

A privileged Pod inside a `PodList` runs like any other Pod, so each item becomes its own
document, positioned at its own node, at any depth.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

T = TypeVar("T")

def is_list_object(data: Any) -> bool:
    """A mapping whose kind ends in `List` and whose `items` is a list."""
    if not isinstance(data, dict):
        return False
    kind = data.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(data.get("items"), list)


def _items_node(node: Node) -> SequenceNode | None:
    if type(node) is not MappingNode:
        return None
    for key, value in reversed(node.value):  # a repeated key: the last one is read
        if type(key) is ScalarNode and key.value == "items":
            return value if type(value) is SequenceNode else None
    return None


def expand_lists(data: Any, node: Node, make: Callable[[Any, Node], T]) -> list[T]:
    """`make(data, node)` for the document, or for every item of a list object
    (recursively)."""
    if is_list_object(data):
        items_node = _items_node(node)
        if items_node is not None and len(items_node.value) == len(data["items"]):
            documents: list[T] = []
            for item, item_node in zip(data["items"], items_node.value):
                documents.extend(expand_lists(item, item_node, make))
            return documents
    return [make(data, node)]
