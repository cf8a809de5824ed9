"""Baselines: adopt the gate on an existing repository without fixing everything first.

A finding's fingerprint is its rule, the identity of its resource (apiVersion, kind,
namespace, name) and its field path — not its file or line — so moving a resource to
another line or file does not resurface it, while a new violation in the same resource
does show up.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from policygate.kubernetes import api_group
from policygate.model import Finding, Suppression, format_path
from policygate.suppress import is_meta

BASELINE_VERSION = 1


class BaselineError(Exception):
    pass


def fingerprint(finding: Finding) -> str:
    if finding.resource is not None:
        resource = finding.resource
        identity = [api_group(resource.api_version), resource.kind, resource.namespace or "",
                    resource.name or ""]
        parts = [finding.rule, *identity, format_path(finding.path)]
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


def read_baseline(path: Path) -> Counter[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror}") from None
    except ValueError as error:
        raise BaselineError(f"{path}: not a policygate baseline (invalid JSON: {error})") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or \
            not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a policygate baseline (expected version "
                            f"{BASELINE_VERSION}); write one with --write-baseline")
    return Counter(entry.get("fingerprint") for entry in data["findings"] if isinstance(entry, dict))


def apply_baseline(findings: Iterable[Finding], known: Counter[str], origin: str
                   ) -> tuple[list[Finding], list[Finding]]:
    """Each baseline entry absorbs one finding, so a second copy of a violation is new."""
    remaining = Counter(known)
    kept, suppressed = [], []
    for finding in findings:
        key = fingerprint(finding)
        if remaining[key] > 0 and not is_meta(finding):
            remaining[key] -= 1
            finding.suppression = Suppression("baseline", "present when the baseline was written",
                                              origin)
            suppressed.append(finding)
        else:
            kept.append(finding)
    return kept, suppressed
