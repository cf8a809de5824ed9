"""Baselines: adopt the gate on an existing repository without fixing everything first.

A finding's fingerprint is its rule, the identity of its resource (apiVersion, kind,
namespace, name), its field path and the offending value (locate.evidence) — not its
file or line — so moving a resource to another line or file does not resurface it, while
a new violation in the same resource, or the same field with another value (a new image,
a wider host path), does show up. `new` mode compares with the same fingerprint.

Version 1 baselines (written before the value was part of the fingerprint) are still
read, matching by rule, resource and field only, with a note to rewrite them.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from policygate.kubernetes import api_group
from policygate.model import Finding, Location, Severity, Suppression, format_path
from policygate.suppress import is_meta

BASELINE_VERSION = 2
OUTDATED = "policygate/outdated-baseline"


class BaselineError(Exception):
    pass


@dataclass(slots=True)
class Baseline:
    """Fingerprints of known findings (a count each) and the format they were written in."""

    known: Counter[str]
    version: int = BASELINE_VERSION


def fingerprint(finding: Finding, version: int = BASELINE_VERSION) -> str:
    if finding.resource is not None:
        resource = finding.resource
        identity = [api_group(resource.api_version), resource.kind, resource.namespace or "",
                    resource.name or ""]
        parts = [finding.rule, *identity, format_path(finding.path)]
        if version >= 2:
            parts.append(finding.evidence or "")
    else:
        parts = [finding.rule, finding.file, " ".join(finding.message.split())]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    entries = [{"rule": f.rule, "file": f.file,
                "resource": f.resource.to_json() if f.resource else None,
                "path": format_path(f.path) if f.path else None,
                "fingerprint": fingerprint(f)} for f in findings]
    entries.sort(key=lambda e: (e["file"], e["rule"], e["fingerprint"]))
    path.write_text(json.dumps({"version": BASELINE_VERSION, "findings": entries}, indent=2) + "\n")
    return len(entries)


def parse_baseline(raw: bytes, name: str) -> Baseline:
    """A baseline from its bytes (a file on disk, or the base commit's copy in PR mode)."""
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise BaselineError(f"{name}: not a policygate baseline (invalid JSON: {error})") from None
    if not isinstance(data, dict) or data.get("version") not in (1, BASELINE_VERSION) or \
            not isinstance(data.get("findings"), list):
        raise BaselineError(f"{name}: not a policygate baseline (expected version "
                            f"{BASELINE_VERSION}); write one with --write-baseline")
    return Baseline(Counter(entry.get("fingerprint") for entry in data["findings"]
                            if isinstance(entry, dict)), data["version"])


def read_baseline(path: Path) -> Baseline:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror}") from None
    return parse_baseline(raw, str(path))


def outdated_note(baseline: Baseline, origin: str) -> list[Finding]:
    if baseline.version >= BASELINE_VERSION:
        return []
    return [Finding(OUTDATED, Severity.NOTE,
                    f"{origin} is a version {baseline.version} baseline: it matches findings by "
                    f"rule, resource and field only, so the same field with another value (a "
                    f"new image, a wider host path) still counts as known; rewrite it with "
                    f"`policygate check --write-baseline {origin}`", origin, Location(1, 1, 1),
                    source="config")]


def apply_baseline(findings: Iterable[Finding], baseline: Baseline, origin: str
                   ) -> tuple[list[Finding], list[Finding]]:
    """Each baseline entry absorbs one finding, so a second copy of a violation is new."""
    remaining = Counter(baseline.known)
    kept, suppressed = [], []
    for finding in findings:
        key = fingerprint(finding, baseline.version)
        if remaining[key] > 0 and not is_meta(finding):
            remaining[key] -= 1
            finding.suppression = Suppression("baseline", "present when the baseline was written",
                                              origin)
            suppressed.append(finding)
        else:
            kept.append(finding)
    return kept, suppressed
