"""Is a Git revision, chart version or OCI tag pinned, or does it float?

A name alone cannot say whether `release` is a branch or a tag, so the rule is simple
and stated in every message: a full commit SHA, a digest, an explicit `refs/tags/...`
ref and a complete version (`1.2.3`, `v1.2.3-rc.1`) are pinned; `HEAD`, a missing
revision, ranges and wildcards float, and any other name is taken for a branch unless
the config declares it a tag (`gitops.pinning.tags`). Partial versions (`v4`, `1.2`)
float: by convention they are moving "latest minor/patch" tags.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from policygate.provenance.patterns import anchored_match

_COMMIT = re.compile(r"[0-9a-fA-F]{40}\Z")
_SHORT_COMMIT = re.compile(r"[0-9a-f]{7,39}\Z")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}\Z")
_EXACT_VERSION = re.compile(
    r"=?\s*v?(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\Z")
# SemVer constraints as Helm, Flux and Argo CD read them: `^1.2`, `>=1.0 <2`, `1.2.x`, `*`.
_CONSTRAINT = re.compile(r"(?=.*[0-9*xX])[0-9xX*.\s<>=!~^|,vV+-]+\Z")
_PARTIAL_VERSION = re.compile(r"v?[0-9]+(?:\.[0-9]+)?\Z")


def is_commit_sha(text: str) -> bool:
    return _COMMIT.match(text) is not None


def is_abbreviated_sha(text: str) -> bool:
    return _SHORT_COMMIT.match(text) is not None


def is_exact_version(text: str) -> bool:
    return _EXACT_VERSION.match(text.strip()) is not None


def _is_declared_tag(name: str, tags: Sequence[str]) -> bool:
    return anchored_match(tags, name)


def version_float(version: str | None) -> str | None:
    """Why a chart version (a SemVer constraint) floats, or None when it is exact."""
    if version is None or not version.strip():
        return "no version is set, so the newest chart version is deployed"
    if is_exact_version(version):
        return None
    return _loose_version(version.strip()) or \
        f"{version.strip()!r} is not a complete version (MAJOR.MINOR.PATCH)"


def _loose_version(text: str) -> str | None:
    """Why a wildcard, partial version or range floats; None if it is none of these."""
    if text in ("*", "x", "X", "latest"):
        return f"{text!r} takes the newest version"
    if _PARTIAL_VERSION.match(text):
        return f"{text!r} is a partial version, which follows the newest {text}.x release"
    if _CONSTRAINT.match(text):
        return f"{text!r} is a version range: the newest matching version is deployed"
    return None


def git_float(revision: str | None, tags: Sequence[str] = ()) -> str | None:
    """Why a Git revision floats, or None when it names one commit."""
    if revision is None or not revision.strip():
        return "no revision is set, so the default branch (HEAD) is deployed"
    name = revision.strip()
    if _COMMIT.match(name) or name.startswith("refs/tags/") or is_exact_version(name) \
            or _is_declared_tag(name, tags):
        return None
    if name == "HEAD":
        return "HEAD follows the default branch"
    if _SHORT_COMMIT.match(name):
        return f"{name!r} is an abbreviated commit SHA (or a branch of that name)"
    loose = _loose_version(name)
    if loose is not None:
        return loose
    if name.startswith("refs/heads/"):
        return f"{name!r} is a branch"
    return f"{name!r} is taken for a branch"


def oci_float(tag: str | None, digest: str | None, tags: Sequence[str] = ()) -> str | None:
    """Why an OCI artifact reference floats: a digest pins it, a complete version tag is
    taken as a release, anything else (`latest`, `main`, no tag) floats."""
    if digest:
        return None
    if tag is None or not tag.strip():
        return "no tag or digest is set, so `latest` is deployed"
    if is_exact_version(tag) or _is_declared_tag(tag, tags):
        return None
    return f"{tag!r} is a tag, which can be moved to another artifact"


def is_digest(text: str) -> bool:
    return _DIGEST.match(text) is not None


def revision_float(kind: str, value: str | None, digest: str | None,
                   tags: Sequence[str] = ()) -> str | None:
    """Why a source revision floats (None: pinned), by the kind of revision it is."""
    if kind == "git":
        return git_float(value, tags)
    if kind == "branch":
        return f"{value!r} is a branch"
    if kind == "version":
        return version_float(value)
    if kind == "oci":
        return oci_float(value, digest, tags)
    return None
