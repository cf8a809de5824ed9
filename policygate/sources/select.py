"""Decide what a run checks: paths on disk, a git range, or the index."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from policygate.model import Finding
from policygate.parsers.yaml import Limits
from policygate.sources.files import SourceFile, collect, display_name, printable

if TYPE_CHECKING:
    from policygate.sources.changes import ChangeSet


@dataclass(slots=True)
class SourceSelection:
    sources: list[SourceFile]
    notes: list[Finding] = field(default_factory=list)
    base_sources: list[SourceFile] | None = None   # set for --filter-mode new
    changes: ChangeSet | None = None
    full_scan: bool = False


def _pathspecs(targets: Sequence[str], root: Path) -> list[str]:
    """Targets as repository-relative literal pathspecs (git runs at the root)."""
    specs = []
    for target in targets:
        relative = display_name(Path(target), root, target)
        specs.append(f":(literal){relative}" if relative not in ("", ".") else ":(literal).")
    return specs


def _require_present(targets: Sequence[str], root: Path, changes: ChangeSet) -> None:
    """`--staged missing.yaml` fails like `check missing.yaml`: a named path must be on
    disk or in the staged change (a staged deletion), else it is a typo, not a pass."""
    from policygate.sources import GitError

    changed = [path for change in changes.changes
               for path in (change.path, change.old_path) if path]
    for target in targets:
        if os.path.lexists(target):
            continue
        relative = display_name(Path(target), root, target)
        if not any(path == relative or path.startswith(relative.rstrip("/") + "/")
                   for path in changed):
            raise GitError(f"{target}: no such file or directory")


def select_sources(targets: Sequence[str], root: Path | None, include: tuple[str, ...],
                   exclude: tuple[str, ...], diff: str | None = None, staged: bool = False,
                   filter_mode: str = "resource",
                   max_file_bytes: int = Limits().max_file_bytes
                   ) -> SourceSelection:
    if diff is None and not staged:
        sources, notes = collect(targets or (".",), root, include, exclude)
        full_scan = root is not None and any(
            Path(os.path.abspath(t)) == root for t in (targets or (".",)))
        return SourceSelection(sources, notes, full_scan=full_scan)
    # git is only needed here; plain path checks never import it.
    from policygate.sources.changes import (
        load_sources, range_changes, staged_changes)
    from policygate.sources import GitError
    from policygate.sources.git import Git

    if root is None:
        raise GitError(f"{'--diff' if diff else '--staged'} needs a git repository: run it "
                       f"inside one")
    git = Git(root)
    specs = _pathspecs(targets, root) if targets else []
    changes = range_changes(git, diff, specs) if diff is not None else staged_changes(git, specs)
    if staged:
        _require_present(targets, root, changes)
    load_sources(git, changes, include, exclude, with_base=filter_mode == "new",
                 max_bytes=max_file_bytes)
    sources = list(changes.sources)
    notes = list(changes.notes)
    changed = {source.display for source in sources} | {printable(c.path) for c in changes.changes}
    if filter_mode == "nofilter" or (staged and targets):
        # nofilter: everything under the paths; --staged FILES (pre-commit): a named file
        # without staged changes (pre-commit run --all-files) is checked whole from disk.
        walked, walk_notes = collect(targets or (".",), root, include, exclude)
        sources += [s for s in walked if s.display not in changed]
        notes += [n for n in walk_notes if n.file not in changed]
    return SourceSelection(sources, notes, changes.base_sources if filter_mode == "new" else None,
                     changes, full_scan=False)
