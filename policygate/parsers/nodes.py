"""Walking a composed YAML document: with anchors and aliases it is a graph, not a tree,
so every walk visits each node once — a billion-laughs document then costs what its
text costs."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from yaml.nodes import MappingNode, Node, SequenceNode


def each_node(root: Node, descend: Callable[[Node], bool] = lambda node: True
              ) -> Iterator[Node]:
    """Every node reachable from `root`, once; below a node only if `descend(node)`."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if not descend(node):
            continue
        if type(node) is MappingNode:
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif type(node) is SequenceNode:
            stack.extend(node.value)
