"""Merge keys (`<<`) as each tool that applies manifests reads them.

The YAML merge-key spec (PyYAML, and kustomize through go-yaml v3) lets a mapping's own
keys win over merged ones wherever they are written. kubectl, Helm and Argo CD decode
through sigs.k8s.io/yaml (go-yaml v2), which applies keys in the order written, so a
`<<` written after `privileged: false` overrides it with the merged `privileged: true`.
Both readings reach a cluster. The gate builds each as a node tree without merge keys
(positions point where each winning value is written), judges both, and reports the
key where they part.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from policygate.parsers.nodes import each_node

MERGE = "tag:yaml.org,2002:merge"


def _is_merge(key: Node) -> bool:
    return type(key) is ScalarNode and key.tag == MERGE


def has_merge(root: Node) -> bool:
    return any(type(node) is MappingNode and any(_is_merge(key) for key, _ in node.value)
               for node in each_node(root))


@dataclass(slots=True)
class Divergence:
    """One key the two readings disagree on, where its explicit value is written."""

    key: Node           # the explicit key (what the merge-key spec and kustomize keep)
    written: Node       # its value: the spec reading
    merged: Node        # the value a later `<<` brings: the kubectl/Helm/Argo CD reading
    merge_key: Node     # that later `<<`


@dataclass(slots=True)
class Readings:
    kubectl: Node                   # go-yaml v2: keys apply in the order written
    spec: Node                      # the merge-key spec: a mapping's own keys win
    divergences: list[Divergence] = field(default_factory=list)
    duplicates: list[Node] = field(default_factory=list)  # own keys written twice


def _key_id(node: Node) -> Any:
    return (node.tag, node.value) if type(node) is ScalarNode else id(node)


Pair = tuple[Node, Node]


class _Resolver:
    def __init__(self) -> None:
        self.memo: dict[int, tuple[Node, Node]] = {}
        self.result = Readings(None, None)  # type: ignore[arg-type]

    def both(self, node: Node) -> tuple[Node, Node]:
        """(kubectl reading, spec reading) of a node; the node itself where they agree."""
        if type(node) is ScalarNode:
            return node, node
        done = self.memo.get(id(node))
        if done is not None:
            return done
        self.memo[id(node)] = (node, node)  # a cycle was refused before: stop, not loop
        if type(node) is SequenceNode:
            items = [self.both(item) for item in node.value]
            done = (_sequence(node, [k for k, _ in items]), _sequence(node, [s for _, s in items]))
        else:
            done = self._mapping(node)
        self.memo[id(node)] = done
        return done

    def _mapping(self, node: MappingNode) -> tuple[Node, Node]:
        kubectl: list[tuple[Pair, Node | None]] = []   # (pair, the `<<` it came from)
        merged_first: list[Pair] = []
        own: list[Pair] = []
        changed = False
        for key, value in node.value:
            if _is_merge(key):
                changed = True
                sources = value.value if type(value) is SequenceNode else [value]
                readings = [self.both(source) for source in sources]
                for reading in readings:
                    if type(reading[0]) is not MappingNode:
                        raise ConstructorError(
                            "while reading a merge key", key.start_mark,
                            "expected a mapping or a list of mappings to merge", value.start_mark)
                # Within one `<<`, earlier sources win in every reading: list them last.
                kubectl.extend(((pair, key) for k, _ in reversed(readings) for pair in k.value))
                merged_first.extend(pair for _, s in reversed(readings) for pair in s.value)
                continue
            pair_k, pair_s = self.both(value)
            changed = changed or pair_k is not value or pair_s is not value
            kubectl.append(((key, pair_k), None))
            own.append((key, pair_s))
        if not changed:
            return node, node
        self._duplicates(own)
        winners_k = _winners([pair for pair, _ in kubectl])
        winners_s = _winners(merged_first + own)
        self._diverge(kubectl, winners_s, own)
        return _mapping(node, winners_k), _mapping(node, winners_s)

    def _duplicates(self, own: list[Pair]) -> None:
        seen: set[Any] = set()
        for key, _ in own:
            ident = _key_id(key)
            if ident in seen:
                self.result.duplicates.append(key)
            seen.add(ident)

    def _diverge(self, kubectl: list[tuple[Pair, Node | None]], winners_s: dict[Any, Pair],
                 own: list[Pair]) -> None:
        """Keys written explicitly and then overridden by a later `<<` (kubectl only)."""
        last: dict[Any, tuple[Pair, Node | None]] = {}
        for entry in kubectl:
            last[_key_id(entry[0][0])] = entry
        own_keys = {_key_id(key) for key, _ in own}
        for ident, ((_, merged), merge_key) in last.items():
            if merge_key is None or ident not in own_keys:
                continue
            key, written = winners_s[ident]
            self.result.divergences.append(Divergence(key, written, merged, merge_key))


def _winners(pairs: list[Pair]) -> dict[Any, Pair]:
    """The last pair per key, in the order keys first appear."""
    winners: dict[Any, Pair] = {}
    for pair in pairs:
        winners[_key_id(pair[0])] = pair
    return winners


def _mapping(node: MappingNode, winners: dict[Any, Pair]) -> MappingNode:
    return MappingNode(node.tag, list(winners.values()), node.start_mark, node.end_mark,
                       node.flow_style)


def _sequence(node: SequenceNode, items: list[Node]) -> SequenceNode:
    if all(new is old for new, old in zip(items, node.value)):
        return node
    return SequenceNode(node.tag, items, node.start_mark, node.end_mark, node.flow_style)


def merge_readings(root: Node) -> Readings:
    """Both readings of a document that has merge keys (see the module docstring)."""
    resolver = _Resolver()
    kubectl, spec = resolver.both(root)
    resolver.result.kubectl, resolver.result.spec = kubectl, spec
    return resolver.result


def differing(readings: Readings, construct: Callable[[Node], Any]) -> list[Divergence]:
    """The divergences whose two values really differ once constructed."""
    return [d for d in readings.divergences if construct(d.written) != construct(d.merged)]
