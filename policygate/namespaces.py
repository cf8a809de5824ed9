"""Pod Security Admission levels per namespace, as the cluster will enforce them.

The admission controller judges a pod by the labels on its Namespace
(`pod-security.kubernetes.io/enforce`, `-version`, and the `warn` and `audit` modes), so
the gate does too: from `pss.namespaces` in the config (the trusted, explicit policy),
else from the Namespace objects in the scan, else `pss.level`. Each finding then says
which level applied and where it was written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LEVELS = ("privileged", "baseline", "restricted")
PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "warn", "audit")
DEFAULT_EXEMPT = frozenset({"kube-system"})


def rank(level: str | None) -> int:
    """privileged (and no label) < baseline < restricted."""
    return LEVELS.index(level) if level in LEVELS else 0


def parse_version(text: str) -> tuple[int, int] | None:
    """`latest` -> None; `v1.30`/`1.30` -> (1, 30); anything else raises ValueError."""
    if text == "latest":
        return None
    major, _, minor = text.removeprefix("v").partition(".")
    if major != "1" or not minor.isdigit():
        raise ValueError(f"invalid Pod Security Standards version {text!r}: use 'latest' or a "
                         f"version like v1.30")
    return int(major), int(minor)


@dataclass(frozen=True, slots=True)
class Admission:
    """One mode of a namespace: its level and the policy version it is pinned to."""

    level: str
    version: tuple[int, int] | None = None   # None: latest

    def describe(self) -> str:
        version = "latest" if self.version is None else f"v{self.version[0]}.{self.version[1]}"
        return f"{self.level} ({version})"

    def strength(self) -> tuple[int, float]:
        """Order by level, then by version (a later pinned version is never weaker)."""
        return rank(self.level), float("inf") if self.version is None else self.version[1]


@dataclass(frozen=True, slots=True)
class NamespaceLevels:
    name: str
    enforce: Admission | None      # None: no enforce label (the cluster default applies)
    warn: Admission | None = None
    audit: Admission | None = None
    origin: str = ""               # where it is written, for messages
    line: int = 1
    problems: tuple[str, ...] = ()  # labels the admission controller would not accept


def _mode(labels: dict[str, Any], mode: str, problems: list[str]) -> Admission | None:
    level = labels.get(PREFIX + mode)
    version_text = labels.get(PREFIX + mode + "-version")
    if level is None:
        return None
    if level not in LEVELS:
        # Pod Security Admission evaluates an unparseable level as restricted (latest).
        problems.append(f"{PREFIX}{mode}: {level!r} is not privileged, baseline or restricted "
                        f"(the admission controller applies restricted)")
        return Admission("restricted")
    version = None
    if version_text is not None:
        try:
            version = parse_version(str(version_text))
        except ValueError:
            problems.append(f"{PREFIX}{mode}-version: {version_text!r} is not latest or v1.N "
                            f"(the admission controller applies latest)")
    return Admission(level, version)


def from_labels(name: str, labels: Any, origin: str, line: int) -> NamespaceLevels:
    labels = labels if isinstance(labels, dict) else {}
    problems: list[str] = []
    modes = [_mode(labels, mode, problems) for mode in MODES]
    return NamespaceLevels(name, modes[0], modes[1], modes[2], origin, line, tuple(problems))


def from_config(entries: dict[str, Any], config_path: str,
                line_of: Any) -> dict[str, NamespaceLevels]:
    """`pss.namespaces: {shop: restricted, legacy: {level: baseline, version: v1.29}}`."""
    found = {}
    for name, value in (entries or {}).items():
        value = {"level": value} if isinstance(value, str) else value
        version = parse_version(value.get("version", "latest"))
        line = line_of("pss", "namespaces", name)
        found[name] = NamespaceLevels(name, Admission(value["level"], version),
                                      origin=f"{config_path}:{line} (pss.namespaces)", line=line)
    return found


def is_namespace(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == "Namespace" \
        and data.get("apiVersion") == "v1"


def namespace_levels(document: Any) -> NamespaceLevels | None:
    """The levels written on a Namespace document (None for anything else)."""
    data = document.data
    if not is_namespace(data):
        return None
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    name = metadata.get("name")
    if not isinstance(name, str):
        return None
    return from_labels(name, metadata.get("labels"), f"{document.file}:{document.start_line}",
                       document.start_line)


def stricter(first: NamespaceLevels | None, second: NamespaceLevels) -> NamespaceLevels:
    """Two Namespace objects of one name (overlays for several clusters): the gate cannot
    tell which reaches which cluster, so it judges by the stricter."""
    if first is None:
        return second
    strength = (lambda levels: levels.enforce.strength() if levels.enforce else (-1, 0.0))
    return second if strength(second) > strength(first) else first


def scan_namespaces(sources: list[Any], limits: Any) -> dict[str, NamespaceLevels]:
    """Namespace objects in the scanned files. Only files that mention `Namespace` are
    parsed, so the extra pass costs a substring search per file."""
    from policygate.pipeline import read_source

    found: dict[str, NamespaceLevels] = {}
    for source in sources:
        raw = source.content if source.content is not None else read_source(source, limits)
        if isinstance(raw, bytes):
            _collect(raw, source.display, limits, found)
    return found


def _collect(raw: bytes, file: str, limits: Any, found: dict[str, NamespaceLevels]) -> None:
    if b"Namespace" not in raw:
        return
    from policygate.parsers import parse_bytes

    for document in parse_bytes(raw, file, limits).documents:
        levels = namespace_levels(document)
        if levels is not None:
            found[levels.name] = stricter(found.get(levels.name), levels)


@dataclass(slots=True)
class NamespacePolicy:
    """Everything the run knows about namespace levels."""

    configured: dict[str, NamespaceLevels] = field(default_factory=dict)  # pss.namespaces
    scanned: dict[str, NamespaceLevels] = field(default_factory=dict)     # Namespace objects
    previous: dict[str, NamespaceLevels] = field(default_factory=dict)    # before the change
    exempt: frozenset[str] = DEFAULT_EXEMPT

    def levels_for(self, namespace: str | None) -> NamespaceLevels | None:
        if namespace is None:
            return None
        return self.configured.get(namespace) or self.scanned.get(namespace)

    @property
    def known(self) -> bool:
        return bool(self.configured or self.scanned)


def previous_namespaces(changes: Any, root: Any, limits: Any) -> dict[str, NamespaceLevels]:
    """The levels of the Namespaces in the changed files before the change (`--diff`,
    `--staged`, pull requests), so that lowering one is a finding of its own."""
    import posixpath

    from policygate.parsers import handles
    from policygate.sources.diff import NULL_ID
    from policygate.sources.git import Git

    olds = {change.old_id: change.old_path for change in changes.changes
            if change.old_path and change.old_id != NULL_ID
            and handles(posixpath.basename(change.old_path))}
    git = Git(root)
    sizes = git.blob_sizes(list(olds))
    blobs = git.read_blobs([blob for blob, size in sizes.items() if size <= limits.max_file_bytes])
    found: dict[str, NamespaceLevels] = {}
    for blob, raw in blobs.items():
        _collect(raw, olds[blob], limits, found)
    return found
