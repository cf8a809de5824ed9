"""`spec.match`: which objects a constraint judges, with Gatekeeper's semantics.

Evaluation follows Gatekeeper's matcher (pkg/mutation/match) criterion by criterion:
kinds with API groups, scope, namespaces and excludedNamespaces (globs; a Namespace is
matched by its own name; an object without a namespace is never excluded), labelSelector,
namespaceSelector (the object's Namespace, or the Namespace itself) and name.

Two modes, because the two commands answer different questions:
- strict (`verify`): exactly gator's answer, including its error when a namespaceSelector
  needs a Namespace that the case does not supply;
- commit time (`check`): the repository may not describe every Namespace (they are often
  created elsewhere) and objects often leave `metadata.namespace` to kustomize or Argo
  CD. When the answer depends on what policygate cannot see, the constraint applies (a
  gate that guesses "not selected" would pass what the cluster rejects), and the result
  says what was assumed so the finding explains itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policygate.gatekeeper.selectors import (LabelSelector, SelectorError, check_glob,
                                             glob_matches, parse_selector)
from policygate.model import FieldPath

SCOPES = ("*", "Cluster", "Namespaced")
SOURCES = ("All", "Original", "Generated")
_FIELDS = ("kinds", "scope", "namespaces", "excludedNamespaces", "labelSelector",
           "namespaceSelector", "name", "source")


class MatchError(Exception):
    """Gatekeeper cannot decide the match (strict mode), e.g. a missing Namespace."""


@dataclass(frozen=True, slots=True)
class KindSelector:
    groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def matches(self, group: str, kind: str) -> bool:
        kind_ok = not self.kinds or "*" in self.kinds or kind in self.kinds
        group_ok = not self.groups or "*" in self.groups or group in self.groups
        return kind_ok and group_ok


@dataclass(frozen=True, slots=True)
class Match:
    kinds: tuple[KindSelector, ...] = ()
    scope: str = "*"
    namespaces: tuple[str, ...] = ()
    excluded_namespaces: tuple[str, ...] = ()
    label_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    name: str = ""
    source: str = "All"


@dataclass(frozen=True, slots=True)
class Target:
    """What matching needs to know about one object."""

    group: str
    kind: str
    name: str
    namespace: str                          # metadata.namespace, "" when absent
    labels: dict[str, Any]
    namespace_object: dict[str, Any] | None = None   # the Namespace, when known
    scope: str | None = None                # "Cluster" | "Namespaced" when known (check mode)

    @property
    def is_namespace(self) -> bool:
        return self.kind == "Namespace" and self.group == ""


@dataclass(frozen=True, slots=True)
class Decision:
    matched: bool
    assumed: str | None = None              # what commit-time matching had to assume


class MatchSpecError(ValueError):
    def __init__(self, path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.path = path


def parse_match(value: Any) -> Match:
    """`spec.match` of a constraint; raises MatchSpecError with a path under spec.match."""
    if value is None:
        return Match()
    if not isinstance(value, dict):
        raise MatchSpecError((), "spec.match must be a mapping")
    unknown = sorted(set(value) - set(_FIELDS))
    if unknown:
        raise MatchSpecError((unknown[0],), f"unknown field {unknown[0]!r} in spec.match "
                                            f"(fields: {', '.join(_FIELDS)})")
    try:
        return Match(
            kinds=tuple(_kind_selector(item, index)
                        for index, item in enumerate(_list(value, "kinds"))),
            scope=_choice(value, "scope", SCOPES, "*"),
            namespaces=tuple(check_glob(v, ("namespaces", i))
                             for i, v in enumerate(_list(value, "namespaces"))),
            excluded_namespaces=tuple(check_glob(v, ("excludedNamespaces", i))
                                      for i, v in enumerate(_list(value, "excludedNamespaces"))),
            label_selector=_selector(value, "labelSelector"),
            namespace_selector=_selector(value, "namespaceSelector"),
            name=check_glob(value["name"], ("name",)) if value.get("name") else "",
            source=_choice(value, "source", SOURCES, "All"))
    except SelectorError as error:
        raise MatchSpecError(error.path, str(error)) from None


def _list(value: dict[str, Any], key: str) -> list[Any]:
    items = value.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise MatchSpecError((key,), f"{key} must be a list")
    return items


def _choice(value: dict[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    choice = value.get(key) or default
    if choice not in allowed:
        raise MatchSpecError((key,), f"{key} {choice!r} is not one of {', '.join(allowed)}")
    return str(choice)


def _strings(item: dict[str, Any], key: str, path: FieldPath) -> tuple[str, ...]:
    values = item.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise MatchSpecError(path + (key,), f"{key} must be a list of strings")
    return tuple(values)


def _kind_selector(item: Any, index: int) -> KindSelector:
    path: FieldPath = ("kinds", index)
    if not isinstance(item, dict):
        raise MatchSpecError(path, "each kinds entry is a mapping with apiGroups and kinds")
    return KindSelector(_strings(item, "apiGroups", path), _strings(item, "kinds", path))


def _selector(value: dict[str, Any], key: str) -> LabelSelector | None:
    if value.get(key) is None:
        return None
    try:
        return parse_selector(value[key])
    except SelectorError as error:
        raise SelectorError((key,) + error.path, str(error)) from None


# ------------------------------------------------------------------------- evaluation

def matches(match: Match, target: Target, strict: bool) -> Decision:
    """Does the constraint judge this object? Raises MatchError in strict mode only."""
    if match.source == "Generated":
        return Decision(False)      # policygate reviews the objects as written, never expanded
    if match.kinds and not any(k.matches(target.group, target.kind) for k in match.kinds):
        return Decision(False)
    if not _scope_matches(match.scope, target, strict):
        return Decision(False)
    namespace = _namespace_name(target)
    if match.namespaces and namespace is not None \
            and not any(glob_matches(p, namespace) for p in match.namespaces):
        return Decision(False)
    if namespace is not None and any(glob_matches(p, namespace)
                                     for p in match.excluded_namespaces):
        return Decision(False)
    if match.label_selector is not None and not match.label_selector.matches(target.labels):
        return Decision(False)
    assumed = None
    if match.namespace_selector is not None:
        selected, assumed = _namespace_selected(match.namespace_selector, target, strict)
        if not selected:
            return Decision(False)
    if match.name and not glob_matches(match.name, target.name):
        return Decision(False)
    return Decision(True, assumed)


def _namespace_name(target: Target) -> str | None:
    """The namespace the namespace criteria compare; None: cluster-scoped or unknown."""
    if target.is_namespace:
        return target.name
    if target.namespace_object is not None:
        metadata = target.namespace_object.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if isinstance(name, str):
            return name
    return target.namespace or None


def _scope_matches(scope: str, target: Target, strict: bool) -> bool:
    if scope == "*":
        return True
    namespaced = not target.is_namespace and (
        bool(target.namespace) or target.namespace_object is not None)
    if not strict and not target.is_namespace and not namespaced:
        # No metadata.namespace: gator calls it cluster-scoped; at commit time only a
        # kind known to be cluster-scoped is, others get their namespace when applied.
        if target.scope is None:
            return True
        namespaced = target.scope == "Namespaced"
    return namespaced if scope == "Namespaced" else not namespaced


def _namespace_selected(selector: LabelSelector, target: Target,
                        strict: bool) -> tuple[bool, str | None]:
    if target.is_namespace:
        return selector.matches(target.labels), None
    if target.namespace_object is not None:
        return selector.matches(_labels(target.namespace_object)), None
    if not target.namespace:
        if strict or target.scope == "Cluster":
            return True, None               # cluster-scoped objects are not filtered
        return True, ("the object sets no namespace, so the namespaceSelector was assumed "
                      "to select it")
    if strict:
        raise MatchError("namespace selector for namespace-scoped object but missing "
                         f"Namespace {target.namespace!r} (add it to the case's inventory)")
    return True, (f"Namespace {target.namespace!r} is not in the checked files, so the "
                  f"namespaceSelector was assumed to select it")


def _labels(data: dict[str, Any]) -> dict[str, Any]:
    metadata = data.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return labels if isinstance(labels, dict) else {}
