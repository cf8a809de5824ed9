"""CODEOWNERS, with GitHub's rules rather than .gitignore's.

GitHub reads `.github/CODEOWNERS`, then `CODEOWNERS`, then `docs/CODEOWNERS` (the first
that exists wins); the last matching line decides; a line without owners removes
ownership; `!` negation, `[...]` classes and `\\#` escapes are not supported, so such
lines are reported as invalid instead of being half-understood.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policygate.globs import translate

if TYPE_CHECKING:
    from policygate.approvals.codeowners_gitlab import GitLabCodeOwners

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
_USER = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\Z")
_TEAM = re.compile(r"@[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+\Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")


@dataclass(frozen=True, slots=True)
class OwnerLine:
    pattern: str
    owners: tuple[str, ...]        # "alice", "org/team", or an e-mail address
    line: int
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class InvalidLine:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class OwnerRequirement:
    """`count` approvals from `owners` for `files` (GitHub: one per owned file; GitLab: one
    per matched section entry, with the section's count). `label` names it in messages."""
    label: str
    files: tuple[str, ...]
    owners: tuple[str, ...]
    count: int = 1


@dataclass(frozen=True, slots=True)
class CodeOwners:
    INVALID = "CODEOWNERS line skipped: "          # how run.py words an invalid line

    path: str                      # which file was used
    lines: tuple[OwnerLine, ...]
    invalid: tuple[InvalidLine, ...] = ()

    def owners_of(self, file: str) -> tuple[str, ...]:
        """Owners of a file; () when unowned (no match, or the last match has no owners)."""
        for entry in reversed(self.lines):
            if entry.regex.match(file):
                return entry.owners
        return ()

    def requirements(self, files: Iterable[str]) -> list[OwnerRequirement]:
        """GitHub's rule: every owned file needs one approval from one of its owners."""
        return [OwnerRequirement(file, (file,), owners, 1)
                for file in files if (owners := self.owners_of(file))]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    directory_only = pattern.endswith("/")
    body = pattern.rstrip("/")
    anchored = body.startswith("/") or "/" in body.lstrip("/")
    body = body.lstrip("/")
    prefix = "" if anchored else "(?:.*/)?"
    # A directory pattern owns what is inside it; a plain name also matches a directory
    # of that name and so owns its contents too; but a wildcard in the last segment
    # (`docs/*`, `*.js`) matches only that level, as GitHub documents.
    last = body.rpartition("/")[2]
    if directory_only:
        suffix = "/.+"
    elif "*" in last and last != "**":
        suffix = ""
    else:
        suffix = "(?:/.+)?"
    if pattern == "*":
        return re.compile(".+")
    return re.compile(f"{prefix}{translate(body)}{suffix}\\Z")


def _owner(token: str) -> str | None:
    if _TEAM.match(token) or _USER.match(token):
        return token[1:]
    if _EMAIL.match(token):
        return token
    return None


def parse_codeowners(text: str, path: str) -> CodeOwners:
    lines: list[OwnerLine] = []
    invalid: list[InvalidLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.partition(" #")[0].strip() if not raw.lstrip().startswith("#") else ""
        if not content:
            continue
        pattern, *tokens = content.split()
        problem = None
        if pattern.startswith("!"):
            problem = "negation (!) is not supported by GitHub"
        elif "[" in pattern or "]" in pattern:
            problem = "character ranges ([...]) are not supported by GitHub"
        elif pattern.startswith("\\#"):
            problem = "escaping # with \\ is not supported by GitHub"
        owners = []
        for token in tokens:
            owner = _owner(token)
            if owner is None and problem is None:
                problem = f"{token!r} is not a @user, @org/team or e-mail address"
            owners.append(owner)
        if problem is not None:
            invalid.append(InvalidLine(number, problem))
            continue
        lines.append(OwnerLine(pattern, tuple(o for o in owners if o), number,
                               _pattern_regex(pattern)))
    return CodeOwners(path, tuple(lines), tuple(invalid))


def find_codeowners(read: Callable[[str], bytes | None], platform: str = "github"
                    ) -> CodeOwners | GitLabCodeOwners | None:
    """The first CODEOWNERS that exists, read through `read` (from the base commit), with
    the rules of the platform that enforces it."""
    if platform == "gitlab":
        from policygate.approvals.codeowners_gitlab import find_gitlab_codeowners

        return find_gitlab_codeowners(read)
    for location in LOCATIONS:
        raw = read(location)
        if raw is not None:
            return parse_codeowners(raw.decode("utf-8", "replace"), location)
    return None
