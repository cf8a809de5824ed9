"""Find the files to check on disk.

Paths in findings are relative to the repository root, so the same finding has the same
name from a laptop, a pre-commit hook started in a subdirectory, and CI.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from policygate.globs import match_any
from policygate.model import Finding, Location, Severity
from policygate.parsers import handles

if TYPE_CHECKING:
    from policygate.sources.diff import FileChange

# Directories nobody wants checked: VCS metadata, dependencies, tool caches.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "vendor", ".venv", "venv",
                          "__pycache__", ".terraform", ".tox", ".mypy_cache", ".pytest_cache"})


@dataclass(slots=True)
class SourceFile:
    """A file to check: where to read it and the name to report it under.

    `content` is set when the bytes come from git (a commit or the index) rather than
    the working tree; `change` carries the changed lines for diff filtering.
    """

    path: str
    display: str
    content: bytes | None = None
    change: FileChange | None = None


def repo_root(start: Path) -> Path | None:
    """The enclosing git work tree, found without running git (it is on the hot path)."""
    current = start if start.is_dir() else start.parent
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7f)}


def printable(name: str) -> str:
    """A file name as reports show it: undecodable bytes and control characters (a
    newline in a name would split a report line) become backslash escapes."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text.translate(_CONTROL)


def display_name(path: Path, root: Path | None, given: str) -> str:
    if root is not None:
        try:
            # abspath, not resolve(): a symlink is reported under its own name.
            return printable(Path(os.path.abspath(path)).relative_to(root).as_posix())
        except ValueError:
            pass
    return printable(Path(given).as_posix())


def _is_helm_template_dir(directory: Path) -> bool:
    """Helm templates are Go templates, not YAML; their rendered output is what to check."""
    return directory.name == "templates" and (directory.parent / "Chart.yaml").is_file()


def is_helm_template(path: Path) -> bool:
    return any(_is_helm_template_dir(parent) for parent in path.parents)


def wanted(path: str, include: tuple[str, ...], exclude: tuple[str, ...],
            named: bool = False) -> bool:
    """Is a file one to check? `exclude` always applies; a file named explicitly is
    checked whatever its name, others only when `include` (or a known format) covers it."""
    if exclude and match_any(exclude, path):
        return False
    if named:
        return True
    return match_any(include, path) if include else handles(path.rpartition("/")[2])


def skipped_note(display: str, reason: str) -> Finding:
    """A file the gate deliberately does not read, and why."""
    return Finding("source/skipped", Severity.NOTE, reason, display, Location(1, 1, 1),
                   source="parser")


OUTSIDE = "symlink to a path outside the repository: not followed"
BROKEN = "broken symlink or symlink loop: not followed"
INTO_SUBMODULE = "symlink into a submodule: not followed"
# What kubectl (-R), Argo CD and Flux do when they read a directory: a link to another
# directory is not entered, so its files reach the cluster only where they are.
DIRECTORY = ("symlink to a directory: not followed (kubectl, Argo CD and Flux do not "
             "enter it either)")


def _symlink_problem(path: Path, base: Path) -> str | None:
    """Symlinks are followed only inside the repository (or the directory scanned)."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return BROKEN
    try:
        target.relative_to(base)
    except ValueError:
        return OUTSIDE
    return None


def walk_files(directory: Path, linked: list[Path] | None = None) -> Iterator[Path]:
    """Every file below a directory, sorted, skipping VCS, dependency and cache folders
    and Helm chart templates. Symlinks to directories are not entered (as kubectl,
    Argo CD and Flux do not); they are added to `linked` when the caller asks."""
    for current, dirs, files in os.walk(directory):
        base = Path(current)
        dirs[:] = sorted(d for d in dirs
                         if d not in SKIPPED_DIRS and not _is_helm_template_dir(base / d))
        if linked is not None:
            linked += [base / d for d in dirs if (base / d).is_symlink()]
        for name in sorted(files):
            yield base / name


def wanted_directory(path: str, wanted_file: Callable[[str], bool]) -> bool:
    """Would a full check read a manifest below this directory (for a link to one)?"""
    return wanted_file(f"{path}/_.yaml")


def collect(paths: Iterable[str], root: Path | None, include: tuple[str, ...] = (),
            exclude: tuple[str, ...] = ()) -> tuple[list[SourceFile], list[Finding]]:
    """Expand directories into the files worth checking.

    `include` globs replace the default file-name patterns for walked directories; a file
    named explicitly is checked whatever its name. `exclude` applies to both, so a
    pre-commit hook passing file names honours it too. Symlinks leading outside the
    repository, and symlinks to directories (see walk_files), are skipped with a note.
    """
    seen: set[str] = set()
    sources: list[SourceFile] = []
    notes: list[Finding] = []
    for given in paths:
        path = Path(given)
        walked = path.is_dir()
        base = root or (path.resolve() if walked else path.resolve().parent)
        linked: list[Path] = []
        for candidate in walk_files(path, linked) if walked else iter([path]):
            display = display_name(candidate, root, str(candidate))
            if display in seen or not wanted(display, include, exclude, named=not walked):
                continue
            seen.add(display)
            problem = _symlink_problem(candidate, base) if candidate.is_symlink() else None
            if problem is None and candidate.exists() and not candidate.is_file():
                # A FIFO or device named *.yaml would block or stream forever.
                problem = "not a regular file: not read"
            if problem is not None:
                notes.append(skipped_note(display, problem))
                continue
            sources.append(SourceFile(str(candidate), display))
        for link in linked:
            display = display_name(link, root, str(link))
            if display not in seen and wanted_directory(
                    display, lambda name: wanted(name, include, exclude)):
                seen.add(display)
                notes.append(skipped_note(display, _symlink_problem(link, base) or DIRECTORY))
    return sources, notes
