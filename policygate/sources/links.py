"""Follow a path through symlinks inside a tree, component by component, as the kernel
does — one rule for the checked files (sources.tree) and for renders (render.tree), so a
link means the same thing to the scan and to a kustomization that reads through it."""
from __future__ import annotations

from collections.abc import Callable

from policygate.sources.files import BROKEN, INTO_SUBMODULE, OUTSIDE

MAX_HOPS = 40  # Linux's limit on links followed while resolving one path
# What a path is in a tree (the `kind` callback's answers).
IS_LINK, IS_FILE, IS_DIRECTORY, IS_SUBMODULE = "link", "file", "directory", "submodule"
# The git modes of the entries that are not files (sources.diff reads them in diffs too).
SYMLINK_MODE = "120000"
SUBMODULE_MODE = "160000"


def entry_kind(mode: str | None, is_directory: Callable[[], bool]) -> str | None:
    """What a git tree's path is, from its entry's mode (None: no entry — a directory
    when files lie below it, else nothing): the `kind` answer of both git trees."""
    if mode is None:
        return IS_DIRECTORY if is_directory() else None
    return {SYMLINK_MODE: IS_LINK, SUBMODULE_MODE: IS_SUBMODULE}.get(mode, IS_FILE)


def follow(path: str, kind: Callable[[str], str | None], target: Callable[[str], str]
           ) -> tuple[str | None, str | None]:
    """(the path `path` leads to, None), or (None, why it leads nowhere in the tree): a
    link out of it (absolute, or `..` past the root), a loop or a broken link, a file or
    a submodule used as a directory. `kind(p)` says what `p` is in the tree (None:
    nothing); `target(p)` reads the link at `p` (it may raise to ask for a batch read)."""
    pending = path.split("/")
    done: list[str] = []
    hops = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return None, OUTSIDE
            done.pop()
            continue
        current = "/".join(done + [part])
        what = kind(current)
        if what == IS_LINK:
            hops += 1
            text = target(current)
            if hops > MAX_HOPS or not text:
                return None, BROKEN
            if text.startswith("/"):
                return None, OUTSIDE
            pending = text.split("/") + pending  # relative to the link's directory
            continue
        if what is None:
            return None, BROKEN
        if what in (IS_FILE, IS_SUBMODULE) and any(p not in ("", ".") for p in pending):
            return None, INTO_SUBMODULE if what == IS_SUBMODULE else BROKEN
        done.append(part)
    return "/".join(done), None
