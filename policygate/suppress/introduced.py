"""Suppressions a change adds, and whether they are honoured.

A pull request could otherwise silence its own violation: add
`# policygate: ignore[pss/privileged] reviewed` (or a `policygate.dev/ignore`
annotation) next to it and the check passes. A suppression is *added* when the base had
nothing suppressing that rule in that resource — same identity (API group, kind,
namespace, name), wherever the resource sits; for objects without an identity, in that
file. Then:

- in pull-request mode it is honoured only when an approval rule of the base config
  that covers it (`adds_suppressions`, optionally for some rules or families) applies
  and is approved — the report names who approved it; otherwise the finding is reported
  as if the suppression were not there, with a blocking `policygate/new-suppression`
  error naming the rule, the resource, the reason and the commit that added it;
- with `--diff`/`--staged` and no pull-request facts (pre-commit, a laptop) it is
  honoured and reported as a `policygate/new-suppression` note — or an error where the
  base config says `suppressions: {new: error}` — so the author knows the pull request
  will need approval.

Such a run reads the working tree's config, so a config `exceptions:` entry is judged
the same way: a finding it suppresses is newly suppressed when no live exception of the
base commit's config covered it (an entry added, widened, or renewed past its expiry).
In pull-request mode the config is the base's, so its exceptions are never new.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from policygate.filtering import document_at
from policygate.kubernetes import api_group, as_resource
from policygate.model import Finding, Location, Report, ResourceId, Severity
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.rules import rule_matches
from policygate.sources.diff import NULL_ID, SUBMODULE_MODE, SYMLINK_MODE
from policygate.sources.git import EMPTY_TREE
from policygate.suppress import Directive, file_directives
from policygate.suppress.exceptions import covered

if TYPE_CHECKING:
    from policygate.approvals.run import ApprovalRun
    from policygate.config import ConfigException
    from policygate.sources.changes import ChangeSet
    from policygate.sources.git import Git

NEW = "policygate/new-suppression"
_WRITTEN = ("comment", "annotation")   # suppressions written in manifests (not config)
EXCEPTION = "exception"                # a config `exceptions:` entry

Key = tuple[str, str, str, str]


def _key(resource: ResourceId | None, file: str) -> Key:
    if resource is None:
        return ("", "", "file", file)
    return (api_group(resource.api_version), resource.kind, resource.namespace or "",
            resource.name or "")


def _directives(raw: bytes, file: str) -> list[tuple[Directive, ResourceId | None]]:
    """Each suppression written in a file, with the resource it sits in."""
    if b"policygate" not in raw:
        return []
    parsed = parse_bytes(raw, file, Limits())
    starts = [document.start_line for document in parsed.documents]
    found = []
    for directive in file_directives(parsed, file):
        document = document_at(parsed.documents, starts, directive.first_line)
        resource = as_resource(document) if document is not None else None
        found.append((directive, resource.id if resource is not None else None))
    return found


@dataclass(frozen=True, slots=True)
class AddedSuppression:
    """One rule or family a suppression of the head names in a resource, where nothing
    at the base covered it (what `adds_suppressions` approval conditions look at)."""

    pattern: str
    resource: ResourceId | None
    file: str
    line: int
    kind: str
    reason: str | None

    def describe(self) -> str:
        return f"{self.pattern} in {self.resource or self.file}"


class Introduced:
    """The suppressions of a change's head, against those of its base. A run that read
    the working tree's config sets `base_exceptions` (the base config's live exceptions)
    and `config_file` (its repository path); None: the run's exceptions are the base's own."""

    def __init__(self, git: Git, changes: ChangeSet) -> None:
        self.git, self.changes = git, changes
        self.base_exceptions: list[ConfigException] | None = None
        self.config_file: str | None = None
        self.views = {source.display: view for source, view in
                      zip(changes.sources, changes.views)}
        self.head: dict[str, list[tuple[Directive, ResourceId | None]]] = {}
        for source in changes.sources:
            if source.content is not None:
                self.head[source.display] = _directives(source.content, source.display)
        other_heads, bases = self._other_head_blobs(), self._base_blobs()
        blobs = self._blobs([*other_heads, *bases])  # both sides with one read
        for blob, path in other_heads.items():
            if blob in blobs:
                self.head[path] = _directives(blobs[blob], path)
        self.base: dict[Key, list[str]] = {}
        for blob, path in bases.items():
            for directive, resource in _directives(blobs.get(blob, b""), path):
                self.base.setdefault(_key(resource, path), []).extend(directive.rules)

    def _base_blobs(self) -> dict[str, str]:
        """Every base version the change replaces or removes (resources move between
        files, so every one counts): blob -> path."""
        wanted = {view.base_id: view.path for view in self.changes.views if view.base_id}
        for change in self.changes.changes:
            if change.old_path and change.old_id != NULL_ID and \
                    change.old_mode not in (SUBMODULE_MODE, SYMLINK_MODE):
                wanted.setdefault(change.old_id, change.old_path)
        return wanted

    def _other_head_blobs(self) -> dict[str, str]:
        """The head versions of changed files the gate does not check on their own: a
        render reads them (a patch named `patch.txt`, a file under an excluded path), and
        a suppression written there is as new as one in a manifest: blob -> path."""
        return {change.new_id: change.path for change in self.changes.changes
                if not change.deleted and change.path not in self.head
                and change.new_id != NULL_ID
                and change.new_mode not in (SUBMODULE_MODE, SYMLINK_MODE)}

    def _blobs(self, wanted: list[str]) -> dict[str, bytes]:
        """The contents of the blobs within the size limit."""
        limit = Limits().max_file_bytes
        sizes = self.git.blob_sizes(wanted)
        return self.git.read_blobs([blob for blob, size in sizes.items() if size <= limit])

    def _covered_at_base(self, rule: str, key: Key) -> bool:
        return any(rule_matches(rule, pattern) for pattern in self.base.get(key, ()))

    @property
    def added(self) -> tuple[AddedSuppression, ...]:
        found = []
        for file, directives in self.head.items():
            for directive, resource in directives:
                for pattern in directive.rules:
                    if not self._covered_at_base(pattern, _key(resource, file)):
                        found.append(AddedSuppression(pattern, resource, file, directive.line,
                                                      directive.kind, directive.reason))
        return tuple(found)

    def is_new(self, finding: Finding) -> bool:
        suppression = finding.suppression
        if suppression is not None and suppression.kind == EXCEPTION:
            return self.base_exceptions is not None and not covered(finding,
                                                                     self.base_exceptions)
        if suppression is None or suppression.kind not in _WRITTEN \
                or suppression.file not in self.head:
            return False
        return not self._covered_at_base(finding.rule, self._written_key(finding))

    def _written_key(self, finding: Finding) -> Key:
        """The resource the suppression is written in, as written — for a rendered finding
        that is the patch's or the base's object, not the rendered one (another namespace,
        a name prefix), so it compares with the same file's base version."""
        suppression = finding.suppression
        assert suppression is not None
        for directive, resource in self.head[suppression.file]:
            if (directive.kind, directive.line) == (suppression.kind, suppression.line):
                return _key(resource, suppression.file)
        return _key(finding.resource, suppression.file)

    def commit_of(self, file: str, line: int, kind: str) -> str:
        """The commit that wrote the suppression's line, as `git blame` says (for a config
        exception: of the working tree's config, which is the one the run read)."""
        if kind == EXCEPTION:
            path = self.config_file or file
            since = () if self.changes.base == EMPTY_TREE else (f"^{self.changes.base}",)
            commit = self._blame(path, line, _entry_end(self.git.root / path, line), *since)
            # Uncommitted lines blame as zeros; a config git does not track has no blame.
            if commit == "0" * 40 or not commit and not self.git.run(
                    "ls-files", "--", path, check=False).strip():
                return "the working tree's config (not committed yet)"
        elif self.changes.head is None:
            return "the staged change (not committed yet)"
        else:
            view = self.views.get(file)
            commit = self._blame(view.source if view is not None else file, line, line,
                                 f"{self.changes.base}..{self.changes.head}")
        return f"commit {commit[:12]}" if len(commit) == 40 else "an unknown commit"

    def _blame(self, path: str, first: int, last: int, *revisions: str) -> str:
        """The newest commit that wrote any of the lines, as `git blame` says (of the
        working tree's file without a head revision: uncommitted lines are all zeros, the
        newest of all); lines older than the range count only when nothing newer is."""
        output = self.git.run("blame", "--porcelain", "--no-textconv", "-L", f"{first},{last}",
                              *revisions, "--", path, check=False)
        found: dict[str, list[int]] = {}  # commit -> [in the range, committer time]
        current = ""
        for row in output.decode("utf-8", "replace").splitlines():
            key, _, value = row.partition(" ")
            if len(key) == 40 and all(c in "0123456789abcdef" for c in key):
                current = key
                found.setdefault(current, [1, 0])
            elif key == "boundary":
                found[current][0] = 0
            elif key == "committer-time":
                found[current][1] = int(value)
        if "0" * 40 in found:
            return "0" * 40
        return max(found, key=lambda commit: found[commit], default="")


def _entry_end(config: Path, line: int) -> int:
    """The last line of the `exceptions:` entry that starts on `line` (`- rule: ...`):
    every following line indented deeper than its dash, or blank."""
    try:
        lines = config.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return line
    dash = len(lines[line - 1]) - len(lines[line - 1].lstrip()) if line <= len(lines) else 0
    end = line
    for number in range(line + 1, len(lines) + 1):
        text = lines[number - 1]
        if text.strip() and len(text) - len(text.lstrip()) <= dash:
            break
        if text.strip():
            end = number
    return end


@dataclass(frozen=True, slots=True)
class _Group:
    rule: str
    resource: ResourceId | None
    kind: str
    file: str
    line: int
    reason: str | None


def _approval(rule: str, run: ApprovalRun | None) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(approving rule, pending rule and why, approvers) among the base config's approval
    rules with an `adds_suppressions` condition that covers `rule` and applies."""
    if run is None or run.approvals is None or run.result is None:
        return None, None, ()
    pending = None
    for name, approval_rule in run.approvals.rules.items():
        wanted = approval_rule.conditions.adds_suppressions
        if wanted is None or wanted and not any(rule_matches(rule, p) for p in wanted):
            continue
        result = run.result.rules[name]
        if result.status == "approved":
            return name, None, result.approved_by
        if result.status != "skipped" and pending is None:
            pending = f"approval rule {name!r} is {result.status}: {result.reason}"
    return None, pending, ()


def review_new_suppressions(report: Report, introduced: Introduced, pr_mode: bool,
                            approvals: ApprovalRun | None, severity: Severity) -> list[Finding]:
    """Decide on every suppressed finding whose suppression the change added; returns
    the `policygate/new-suppression` findings (not yet configured)."""
    groups: dict[_Group, list[Finding]] = {}
    for finding in report.suppressed:
        if introduced.is_new(finding):
            suppression = finding.suppression
            assert suppression is not None
            group = _Group(finding.rule, finding.resource, suppression.kind, suppression.file,
                           suppression.line or 1, suppression.reason)
            groups.setdefault(group, []).append(finding)
    notes = []
    for group, findings in groups.items():
        what = (f"new {group.kind} suppression of {group.rule} in "
                f"{group.resource or group.file} (reason: {group.reason or 'none given'}; "
                f"added in {introduced.commit_of(group.file, group.line, group.kind)})")
        if not pr_mode:
            notes.append(_finding(severity, f"{what} is honoured here; in a pull request it "
                                            f"needs the approval the base config asks for "
                                            f"(approval rules with `adds_suppressions`)", group))
            continue
        approving, pending, approvers = _approval(group.rule, approvals)
        if approving is not None:
            for finding in findings:
                finding.suppression = dataclasses.replace(
                    finding.suppression, approved_by=approvers)  # type: ignore[arg-type]
            who = ", ".join(approvers) or "no approval needed"
            notes.append(_finding(Severity.NOTE, f"{what} is honoured: approved by {who} "
                                                 f"(approval rule {approving!r})", group))
            continue
        for finding in findings:
            report.suppressed.remove(finding)
            finding.suppression = None
            report.findings.append(finding)
        why = pending or ("no approval rule covers new suppressions — add one with "
                          "`adds_suppressions` to the base config's approvals, or remove it")
        notes.append(_finding(Severity.ERROR, f"{what} is not honoured: {why}", group))
    return notes


def introduced_in(root: Path, base: str, head: str, changes: ChangeSet | None,
                  include: tuple[str, ...], exclude: tuple[str, ...]) -> Introduced | None:
    """The suppressions a pull request adds; None when its commits are not available."""
    from policygate.sources import GitError
    from policygate.sources.changes import load_sources, range_changes
    from policygate.sources.git import Git

    git = Git(root)
    try:
        if changes is None:
            if git.commit(base) is None or git.commit(head) is None:
                return None
            changes = range_changes(git, f"{base}...{head}", [])
        if not changes.views:
            load_sources(git, changes, include, exclude)
        return Introduced(git, changes)
    except GitError:
        return None


def _finding(severity: Severity, message: str, group: _Group) -> Finding:
    return Finding(NEW, severity, message, group.file, Location(group.line, 1, group.line),
                   resource=group.resource, source="config")
