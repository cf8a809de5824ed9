"""Explicit YAML tags as go-yaml (and so kubectl, Helm, Argo CD) reads them.

PyYAML trusts an explicit tag and hands the text to the type's constructor, which
crashes on `!!bool 1` or `!!int abc`; go-yaml first reads the scalar as if untagged and
refuses the document when that reading does not fit the tag (an int is the only thing
that may become a float). Tags it does not know (`!reference`, `!Ref`, `!!python/...`)
go-yaml reads as their plain scalar, mapping or sequence, so the gate does too: nothing
is ever executed, and a file kubectl applies is never a parse error here.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any

from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_PREFIX = "tag:yaml.org,2002:"
_INT = _PREFIX + "int"
_FLOAT = _PREFIX + "float"
_CHECKED = ("bool", "int", "float", "null", "timestamp")


def _reading(loader: Any, node: ScalarNode) -> str:
    """The tag the scalar would have without its explicit tag (cached for plain ones)."""
    tag = loader._resolved.get(node.value)
    return tag if tag is not None else loader.resolve(ScalarNode, node.value, (True, False))


def _checked(name: str, construct: Any) -> Any:
    tag = _PREFIX + name

    def constructor(loader: Any, node: Node) -> Any:
        if type(node) is ScalarNode:
            reading = _reading(loader, node)
            if reading != tag:
                if tag == _FLOAT and reading == _INT:
                    return float(loader.construct_yaml_int(node))
                kind = reading[len(_PREFIX):] if reading.startswith(_PREFIX) else reading
                raise ConstructorError(
                    None, None, f"the value {node.value!r} is a {kind}, not a {name}: Kubernetes "
                    f"refuses `!!{name} {node.value}` (remove the tag or fix the value)",
                    node.start_mark)
        return construct(loader, node)

    return constructor


def _plain(loader: Any, node: Node) -> Any:
    """An unknown tag: the node as if untagged (scalars stay the written string)."""
    if type(node) is MappingNode:
        return _mapping(loader, node)
    if type(node) is SequenceNode:
        return loader.construct_sequence(node, deep=True)
    return node.value


def _mapping(loader: Any, node: MappingNode) -> dict[Any, Any]:
    data: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise ConstructorError(None, None, "a mapping key is itself a list or mapping",
                                   key_node.start_mark) from None
        data[key] = loader.construct_object(value_node, deep=True)
    return data


def _binary(loader: Any, node: Node) -> Any:
    """go-yaml decodes `!!binary` into a string; keep the text when it is not UTF-8."""
    text = loader.construct_scalar(node)
    try:
        return base64.b64decode(text.encode("ascii"), validate=False).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return text


def _set(loader: Any, node: Node) -> Any:
    """`!!set`: a mapping with null values, as go-yaml decodes it (never a Python set)."""
    return _mapping(loader, node) if type(node) is MappingNode else _plain(loader, node)


def install_go_yaml_tags(loader_class: Any) -> None:
    for name in _CHECKED:
        construct = loader_class.construct_yaml_str if name == "timestamp" else \
            loader_class.yaml_constructors[_PREFIX + name]
        loader_class.add_constructor(_PREFIX + name, _checked(name, construct))
    loader_class.add_constructor(_PREFIX + "binary", _binary)
    loader_class.add_constructor(_PREFIX + "set", _set)
    for name in ("omap", "pairs"):
        loader_class.add_constructor(_PREFIX + name, _plain)
    loader_class.add_constructor(None, _plain)
