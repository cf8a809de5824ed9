"""The provenance settings of `.policygate.yaml`, typed.

Three sections share one shape, so a team learns it once:

    images:  {allowed: [...], pinning: {paths: [...], exempt: [...]}}
    actions: {pinning: {exempt: [...]}}
    gitops:  {allowed: [...], pinning: {paths: [...], exempt: [...], tags: [...]}}

`allowed` is the allow-list of the `untrusted-*` rule (absent: that rule is off);
`pinning` scopes the pinning rule: `paths` are the files where pinning is required
(absent: every file — except for images, see DEFAULT_IMAGE_PINNING_PATHS), `exempt` the
references that may float, `tags` (gitops) revision names to treat as tags. The schema
(schemas/config.schema.json) has already validated the shape; this module only
normalises the patterns, once per run.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from policygate.globs import match_any
from policygate.provenance.patterns import PatternSet


# Where image/not-pinned applies unless `images.pinning.paths` says otherwise: build and CI
# inputs (what OpenSSF Scorecard's Pinned-Dependencies check covers), which run with
# build credentials and end up in what is shipped. Manifests opt in (`clusters/prod/**`):
# many teams deploy tags and resolve digests at admission.
DEFAULT_IMAGE_PINNING_PATHS = (
    "Dockerfile", "Dockerfile.*", "*.Dockerfile", "Containerfile", "Containerfile.*",
    "*.Containerfile", "**/.github/workflows/*",
)


@dataclass(slots=True)
class Pinning:
    paths: tuple[str, ...] | None = None     # None: every file
    exempt: PatternSet = PatternSet((), ())
    tags: tuple[str, ...] = ()

    def required_in(self, file: str) -> bool:
        return self.paths is None or _matches(self.paths, file)


@lru_cache(maxsize=1024)
def _matches(paths: tuple[str, ...], file: str) -> bool:
    """Every site of a file asks the same question."""
    return match_any(paths, file)


@dataclass(slots=True)
class FamilyPolicy:
    section: str                   # the config key, for messages: "images"
    allowed: PatternSet | None     # None: no allow-list, the untrusted-* rule is off
    pinning: Pinning


def _normaliser(section: str) -> Callable[[str], str]:
    """Patterns are normalised like the values of their section."""
    if section == "images":
        from policygate.provenance.patterns import image_pattern

        return image_pattern
    if section == "gitops":
        from policygate.provenance.source_url import normalise_source_url

        return normalise_source_url
    return str.lower  # actions: owner/repo names are case-insensitive

# (section name, id of the section data) -> (the data, kept alive so the id stays unique; policy)
_CACHE: dict[tuple[str, int], tuple[Any, FamilyPolicy]] = {}
_ABSENT: dict[str, Any] = {}


def _build(section: str, data: dict[str, Any]) -> FamilyPolicy:
    normalise = _normaliser(section)
    allowed = data.get("allowed")
    pinning = data.get("pinning") or {}
    paths = pinning.get("paths")
    if paths is None and section == "images":
        paths = DEFAULT_IMAGE_PINNING_PATHS
    return FamilyPolicy(
        section=section,
        allowed=PatternSet.of(allowed, normalise) if allowed else None,
        pinning=Pinning(paths=tuple(paths) if paths is not None else None,
                        exempt=PatternSet.of(pinning.get("exempt") or (), normalise),
                        tags=tuple(pinning.get("tags") or ())))


def family_policy(sections: dict[str, Any], section: str) -> FamilyPolicy:
    """The settings of `section` (images, actions, gitops), built once per run."""
    data = sections.get(section) or _ABSENT
    key = (section, id(data))
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not data:
        if len(_CACHE) > 32:  # a long-lived process (tests) sees many configs
            _CACHE.clear()
        cached = (data, _build(section, data))
        _CACHE[key] = cached
    return cached[1]
