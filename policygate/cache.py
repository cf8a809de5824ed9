"""The user's cache directory for facts that are slow to learn and safe to remember
(a config that validated, a renderer's version), keyed by content so a change is never
answered from the cache. POLICYGATE_NO_CACHE turns it off."""
from __future__ import annotations

import os
from pathlib import Path


def cache_file(kind: str, key: str) -> Path | None:
    if os.environ.get("POLICYGATE_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policygate" / kind / key


def remember(path: Path | None, text: str = "") -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError:
        pass  # a read-only home only costs the time to learn it again
