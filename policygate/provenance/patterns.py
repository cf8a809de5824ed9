"""Allow-list patterns on normalised names: images, actions, source URLs.

The glob syntax is the one used for file paths everywhere in the config (`*` within one
`/` segment, `**` across segments, a pattern also covers everything below it), with one
difference that matters for an allow-list: a pattern is always anchored at the start.
A file glob without a slash matches at any depth (`*.yaml`); an allow-list entry
`ghcr.io` must not let `evil.example/ghcr.io/x` through.

Patterns are normalised like the values they are compared with, so people can write
them the way they write references: `nginx`, `bitnami/*`, `https://github.com/acme/`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from policygate.globs import compile_glob
from policygate.provenance.reference import split_registry

_GLOB_CHARS = frozenset("*?[")


def _has_glob(text: str) -> bool:
    return any(c in _GLOB_CHARS for c in text)


def anchored_match(patterns: Iterable[str], value: str) -> bool:
    # A leading "/" makes policygate.globs anchor the pattern at the start.
    return any(compile_glob("/" + pattern).match(value) for pattern in patterns)


def image_pattern(pattern: str) -> str:
    """Normalise like a reference: `nginx` -> `docker.io/library/nginx`.

    A bare host (`registry.example.com`, `localhost:5000`) means that whole registry.
    Only plain names are completed: `docker.io/*` keeps meaning all of Docker Hub, and a
    pattern whose first segment is a glob (`*/team/*`) keeps meaning any registry.
    """
    first, slash, _ = pattern.partition("/")
    if _has_glob(first):
        return pattern
    if not slash and (first == "localhost" or any(c in first for c in ".:")):
        return first.lower()
    registry, repository = split_registry(pattern)
    if _has_glob(repository) and repository.startswith("library/") \
            and not pattern.endswith(repository):
        repository = repository[len("library/"):]
    return f"{registry.lower()}/{repository}"


@dataclass(frozen=True, slots=True)
class PatternSet:
    """Anchored globs over normalised names; `written` keeps the config's spelling."""

    written: tuple[str, ...]
    normalised: tuple[str, ...]

    @classmethod
    def of(cls, patterns: Iterable[str], normalise: Callable[[str], str]) -> PatternSet:
        written = tuple(patterns)
        return cls(written, tuple(normalise(p) for p in written))

    def matches(self, value: str) -> bool:
        return anchored_match(self.normalised, value)

    def describe(self, limit: int = 3) -> str:
        shown = ", ".join(self.written[:limit])
        if len(self.written) > limit:
            shown += f", … ({len(self.written)} patterns)"
        return shown
