"""How the gate sees each checked path a change touches: its content at the head, the
lines the change touched in it, and the content it replaces at the base.

git's own view of a change is not always the right one to judge:
- a file renamed or copied from a place that was not checked (a `.md` file, an excluded
  or unlisted path) shows no hunks at 100 % similarity, yet everything in it is new to
  the gate: it is judged as a wholly new file, with no base version (`new` mode then has
  nothing to call "already there");
- a symlink inside the repository is checked as the file it points to, under its own
  name, so a change to the target is a change to every link that leads to it (with the
  target's hunks), and a new or retargeted link is wholly new;
- a type change (file <-> link) replaces the content wholesale.
The views are shared by the check (sources.changes) and by the approval rules' touched
resources (approvals.touched), so both judge the same lines.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from policygate.model import Finding
from policygate.sources.diff import (
    NULL_ID, SUBMODULE_MODE, SYMLINK_MODE, FileChange, Hunk, parse_hunks)
from policygate.sources.files import BROKEN, printable, skipped_note, wanted_directory
from policygate.sources.git import DIFF_OPTIONS, EMPTY_TREE, Git, Started
from policygate.sources.tree import Resolved, Tree

_REGULAR = ("100644", "100755")
PathTest = Callable[[str], bool]


@dataclass(slots=True)
class View:
    """One checked path of the change. `change` holds hunks in the head content's lines;
    a `whole` view has every line touched (set by `touch_all` once the content is read).
    `base_id` is the content the same checked path had at the base, when it was checked
    there — the only thing `new` mode and suppression history may compare with."""

    path: str
    head_id: str
    change: FileChange
    base_id: str | None = None
    whole: bool = False
    target: str | None = None     # for a link: the file whose lines these are

    @property
    def source(self) -> str:
        """The path whose history holds these lines (what `git blame` reads)."""
        return self.target or self.path

    def touch_all(self, content: bytes) -> None:
        if self.whole:
            lines = content.count(b"\n") + (1 if content and not content.endswith(b"\n") else 0)
            self.change.hunks = [Hunk(0, 0, 1, lines)] if lines else []


def _whole(path: str, head_id: str, base_id: str | None, target: str | None = None) -> View:
    change = FileChange(path, "A", None, NULL_ID, head_id, "000000", "100644")
    return View(path, head_id, change, base_id, whole=True, target=target)


def blob_hunks(git: Git, old: str, new: str) -> list[Hunk]:
    """Zero-context hunks between two blobs (for a link whose target changed outside the
    paths the diff was limited to)."""
    patch = git.run("diff", "-U0", *DIFF_OPTIONS, old, new)
    return next(iter(parse_hunks(patch).values()), [])


class _Trees:
    """The head and base trees, listed only when a view needs them."""

    def __init__(self, git: Git, base: str, head: str | None,
                 listing: Started | None = None) -> None:
        self.git, self.base_commit, self.head_commit = git, base, head
        self._listing = listing   # the head's listing, when the caller started it early
        self._head: Tree | None = None
        self._base: Tree | None = None

    @property
    def head(self) -> Tree:
        if self._head is None:
            listing = self._listing or Tree.list(self.git, self.head_commit)
            self._head = Tree.listed(self.git, listing, self.head_commit is None)
        return self._head

    @property
    def base(self) -> Tree:
        if self._base is None:
            self._base = Tree(self.git, []) if self.base_commit == EMPTY_TREE \
                else Tree.of_commit(self.git, self.base_commit, self.head.known)
        return self._base

    def changed(self, path: str) -> bool:
        """Did the entry itself (not what it leads to) change? Also for a path the diff
        was not limited to."""
        return self.base.entries.get(path) != self.head.entries.get(path)

    def base_content(self, path: str, wanted: PathTest) -> str | None:
        """The blob the checked path `path` had at the base (through links), if any."""
        if not wanted(path) or path not in self.base.entries:
            return None
        resolved = self.base.resolve(path)
        return resolved.blob if isinstance(resolved, Resolved) else None


def _file_view(change: FileChange, wanted: PathTest, trees: _Trees) -> View:
    if change.old_mode in _REGULAR and (
            change.status == "M" or change.status == "R" and wanted(change.old_path or "")):
        return View(change.path, change.new_id, change, change.old_id)
    # Added, copied, renamed from an unchecked path, or a type change: wholly new.
    base = trees.base_content(change.path, wanted) if change.status == "T" else None
    return _whole(change.path, change.new_id, base)


def _link_view(link: str, changed: dict[str, FileChange], wanted: PathTest, trees: _Trees,
               notes: list[Finding]) -> View | None:
    head = trees.head.resolve(link)
    if not isinstance(head, Resolved):
        if link in changed or trees.changed(link):
            notes.append(skipped_note(printable(link), head))
        return None
    base = trees.base_content(link, wanted)
    base_target = trees.base.resolve(link) if base is not None else None
    if link in changed or not isinstance(base_target, Resolved) or base_target.path != head.path:
        return _whole(link, head.blob, base, head.path)
    if base_target.blob == head.blob:
        return None  # neither the link nor what it leads to changed
    target = changed.get(head.path)
    hunks = target.hunks if target is not None and (target.old_id, target.new_id) == (
        base_target.blob, head.blob) else blob_hunks(trees.git, base_target.blob, head.blob)
    change = FileChange(link, "M", link, base_target.blob, head.blob, "100644", "100644", hunks)
    return View(link, head.blob, change, base_target.blob, target=head.path)


def checked_views(git: Git, base: str, head: str | None, changes: list[FileChange],
                  wanted: PathTest, in_scope: PathTest, listing: Started | None = None
                  ) -> tuple[list[View], list[Finding]]:
    """Views of every checked path the change touches, and notes on what is not followed.

    `wanted` says whether a path is checked; `in_scope` limits the links considered to the
    paths the run was asked about — except for the index (`--staged`, head None): there
    the names are pre-commit's filtered list of staged files, which never holds an
    unchanged link whose target the commit changes, so every link leading to a staged
    change is judged, wherever it is. The head's tree is listed to find its symlinks (a
    few ms for 10,000 files; `listing` when the caller started it already); the base's
    only when there are some."""
    trees = _Trees(git, base, head, listing)
    views: list[View] = []
    notes: list[Finding] = []
    changed = {change.path: change for change in changes if not change.deleted}
    for change in changed.values():
        if not wanted(change.path) or change.new_mode == SYMLINK_MODE:
            continue
        if change.new_mode == SUBMODULE_MODE:
            notes.append(skipped_note(printable(change.path), "submodule: not checked "
                                      "(check it in its own repository)"))
        elif change.new_id == NULL_ID:
            notes.append(skipped_note(printable(change.path),
                                      "unmerged file: resolve the conflict first"))
        else:
            views.append(_file_view(change, wanted, trees))
    for link in trees.head.links:
        if not (in_scope(link) or head is None):
            continue
        if wanted(link):
            view = _link_view(link, changed, wanted, trees, notes)
            if view is not None:
                views.append(view)
        elif trees.changed(link) and wanted_directory(link, wanted):
            # Not a manifest's name: only a link to a directory could matter, and that is
            # not followed — in a full scan (sources.files) as here — but never silently.
            problem = trees.head.resolve(link)
            if not isinstance(problem, Resolved) and problem != BROKEN:
                notes.append(skipped_note(printable(link), problem))
    return views, notes
