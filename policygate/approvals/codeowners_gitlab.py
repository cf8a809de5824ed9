"""CODEOWNERS with GitLab's rules: sections, optional sections, approval counts, roles.

GitLab reads `CODEOWNERS`, then `docs/CODEOWNERS`, then `.gitlab/CODEOWNERS` (the first
that exists wins) and differs from GitHub in ways that decide who must approve:

- Sections. `[Name]` starts a section, `^[Name]` an optional one, `[Name][2]` one whose
  entries need two approvals, `[Name] @a @b` gives default owners to its entries that
  name none. Names are not case-sensitive; repeated sections are combined. Lines before
  the first header form the unnamed section `codeowners`. A line that starts with `[` and
  has a closing `]` is a header, exactly as GitLab reads it.
- Matching. Every section is judged on its own: in each section the last matching entry
  decides that section's owners, so one file can need approvals from several sections.
  A pattern is matched with Ruby's `File.fnmatch` (FNM_PATHNAME | FNM_DOTMATCH) after
  GitLab's normalisation: `*` alone is `/**/*`; a pattern without a leading `/` matches at
  any depth (`/**/` is prepended, so `docs/index.md` also matches `a/docs/index.md`); a
  trailing `/` owns everything below (`**/*` is appended). `*` stops at `/`, `**/` spans
  directories, and a bare name (`docs`) matches a file of that name, not a directory's
  contents. `!pattern` (GitLab 17.10+) excludes matching files from the section.
  Repeating a pattern in a section replaces its owners in place (GitLab keeps the
  entries in a hash keyed by pattern).
- Owners. `@user`, `@group`, `@group/sub/group` (GitLab cannot tell users and groups
  apart by spelling; the MR facts resolve which is which), `@@developer`,
  `@@maintainer`, `@@owner` (the project's members with that role), and e-mail addresses.
  The rest of an entry line is scanned for owners, so `# note @x` after a pattern makes
  @x an owner and the other words malformed owners — GitLab's reading, reported here.

Invalid lines are reported (GitLab's own error names in parentheses) and, like GitLab,
what can still be read from them is used; a header whose bracket never closes is skipped.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from policygate.approvals.codeowners import InvalidLine, OwnerRequirement

LOCATIONS = ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
DEFAULT_SECTION = "codeowners"
ROLES = {"developer": 30, "maintainer": 40, "owner": 50}    # GitLab's access levels

_HEADER = re.compile(r"(?P<optional>\^)?\[(?P<name>.*?)\](?:\[(?P<approvals>\d*?)\])?"
                     r"(?P<owners>\s+[@\w_.\-/\s+]*)?")
_BROKEN_HEADER = re.compile(r"\^?\[[^\]]+?\Z")
_ENTRY_SPLIT = re.compile(r"(?<!\\)\s+")
# A GitLab namespace path: segments of letters, digits, _ . - (not starting with -).
_NAME = re.compile(r"(?<![\w@])@(?P<name>[A-Za-z0-9_.][A-Za-z0-9_.-]*"
                   r"(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*)")
_EMAIL = re.compile(r"[^@\s]{1,100}@[^@\s]{1,255}(?<!\W)")
_ROLE = re.compile(r"(?:^|\s)@@(?P<role>developer|maintainer|owner)s?(?=\s|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Entry:
    pattern: str                       # as written (for messages)
    owners: tuple[str, ...]            # "alice", "acme/platform", "@@maintainer", e-mails
    section: str
    optional: bool
    approvals: int                     # 0: one approval (GitLab's default)
    line: int
    exclusion: bool = False


@dataclass(frozen=True, slots=True)
class GitLabCodeOwners:
    INVALID = "CODEOWNERS line: "       # GitLab still reads what it can of an invalid line

    path: str
    sections: dict[str, dict[str, Entry]]        # section -> normalised pattern -> entry
    invalid: tuple[InvalidLine, ...] = ()

    def entries_for(self, file: str) -> list[Entry]:
        """The deciding entry of every section that matches `file` (GitLab's rule)."""
        path = file if file.startswith("/") else f"/{file}"
        found = []
        for entries in self.sections.values():
            matching = [entry for pattern, entry in reversed(entries.items())
                        if _fnmatch(pattern, path)]
            if matching and not any(entry.exclusion for entry in matching):
                found.append(matching[0])
        return found

    def owners_of(self, file: str) -> tuple[str, ...]:
        """Everybody who owns `file` in some section (for display and Rego)."""
        owners = (owner for entry in self.entries_for(file) for owner in entry.owners)
        return tuple(dict.fromkeys(owners))

    def requirements(self, files: Iterable[str]) -> list[OwnerRequirement]:
        """One approval requirement per (section, entry) that a changed file falls under,
        as GitLab creates one Code Owner approval rule per matched entry. Optional
        sections and entries without owners require nothing."""
        grouped: dict[tuple[str, int], tuple[Entry, list[str]]] = {}
        for file in files:
            for entry in self.entries_for(file):
                if entry.optional or not entry.owners:
                    continue
                grouped.setdefault((entry.section, entry.line), (entry, []))[1].append(file)
        return [OwnerRequirement(f"[{entry.section}] {entry.pattern}", tuple(paths),
                                 entry.owners, max(1, entry.approvals))
                for entry, paths in grouped.values()]

    @property
    def all_owners(self) -> tuple[str, ...]:
        owners = (o for entries in self.sections.values() for e in entries.values()
                  for o in e.owners)
        return tuple(dict.fromkeys(owners))


def parse_gitlab_codeowners(text: str, path: str) -> GitLabCodeOwners:
    sections: dict[str, dict[str, Entry]] = {DEFAULT_SECTION: {}}
    invalid: list[InvalidLine] = []
    current = _Header(DEFAULT_SECTION, False, 0, ())
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header is not None:
            current = _header(header, sections, number, invalid)
            sections.setdefault(current.name, {})
            continue
        if _BROKEN_HEADER.match(line):
            invalid.append(InvalidLine(number, "section header without a closing `]` "
                                               "(invalid_section_format)"))
            continue
        pattern, owners = _entry(line, current, number, invalid)
        exclusion = pattern.startswith("!")
        if exclusion:
            pattern = pattern[1:]
        sections[current.name][_normalise(pattern)] = Entry(
            pattern, () if exclusion else owners, current.name, current.optional,
            current.approvals, number, exclusion)
    return GitLabCodeOwners(path, sections, tuple(invalid))


def find_gitlab_codeowners(read: Callable[[str], bytes | None]) -> GitLabCodeOwners | None:
    """The first CODEOWNERS GitLab would use, read through `read` (the target commit)."""
    for location in LOCATIONS:
        raw = read(location)
        if raw is not None:
            return parse_gitlab_codeowners(raw.decode("utf-8", "replace"), location)
    return None


@dataclass(frozen=True, slots=True)
class _Header:
    name: str
    optional: bool
    approvals: int
    owners: tuple[str, ...]


def _header(match: re.Match[str], sections: dict[str, dict[str, Entry]], number: int,
            invalid: list[InvalidLine]) -> _Header:
    name = match["name"]
    if list(sections)[-1] != DEFAULT_SECTION:          # GitLab's merge of repeated names
        name = next((known for known in sections if known.casefold() == name.casefold()),
                    name)
    optional = bool(match["optional"])
    approvals = int(match["approvals"] or 0)
    owners, _ = _owners(match["owners"] or "")
    if not name.strip():
        invalid.append(InvalidLine(number, "section header without a name "
                                           "(missing_section_name)"))
    if optional and approvals > 0:
        invalid.append(InvalidLine(number, f"optional section ^[{name}] cannot require "
                                           f"{approvals} approvals; it requires none "
                                           f"(invalid_approval_requirement)"))
    if (match["owners"] or "").strip() and not owners:
        invalid.append(InvalidLine(number, "section default owners are not @user, @group, "
                                           "@@role or e-mail addresses "
                                           "(invalid_section_owner_format)"))
    return _Header(name, optional, approvals, owners)


def _entry(line: str, section: _Header, number: int, invalid: list[InvalidLine]
           ) -> tuple[str, tuple[str, ...]]:
    parts = _ENTRY_SPLIT.split(line, maxsplit=1)
    pattern, rest = parts[0], parts[1] if len(parts) > 1 else ""
    owners, malformed = _owners(rest)
    if malformed:
        invalid.append(InvalidLine(number, f"{malformed[0]!r} is not an @user, @group, "
                                           f"@@role or e-mail address; the line's other "
                                           f"owners still count (malformed_entry_owner)"))
    if not owners and not pattern.startswith("!"):
        owners = section.owners
        if not owners:
            invalid.append(InvalidLine(number, f"{pattern!r} has no owners and its section "
                                               f"no default owners (missing_entry_owner)"))
    return pattern, owners


def _owners(text: str) -> tuple[tuple[str, ...], list[str]]:
    """Owners in `text` (GitLab's reference extraction) and the tokens that are none."""
    found: list[str] = []
    malformed: list[str] = []
    for token in text.split():
        references = _references(token)
        if not references:
            malformed.append(token)
        found += references
    return tuple(dict.fromkeys(found)), malformed


def _references(token: str) -> list[str]:
    role = _ROLE.search(token)
    if role is not None:
        return [f"@@{role['role'].lower()}"]
    names = [m["name"] for m in _NAME.finditer(token)]
    return names or _EMAIL.findall(token)


def _normalise(pattern: str) -> str:
    """GitLab's normalisation of a pattern before matching (see the module doc)."""
    if pattern == "*":
        return "/**/*"
    pattern = re.sub(r"\A\\#", "#", pattern)
    pattern = re.sub(r"\\\s+", " ", pattern)
    if not pattern.startswith("/"):
        pattern = f"/**/{pattern}"
    if pattern.endswith("/"):
        pattern += "**/*"
    return pattern


_COMPILED: dict[str, re.Pattern[str]] = {}


def _fnmatch(pattern: str, path: str) -> bool:
    regex = _COMPILED.get(pattern)
    if regex is None:
        regex = _COMPILED[pattern] = re.compile(_translate(pattern) + r"\Z", re.DOTALL)
    return regex.match(path) is not None


def _translate(pattern: str) -> str:
    """Ruby's File.fnmatch with FNM_PATHNAME | FNM_DOTMATCH (no brace expansion) as a
    regex: `*` and `?` never match `/`, `**/` matches zero or more directories, `[...]`
    is a class (`!` or `^` negates) that never matches `/`, `\\` escapes."""
    out: list[str] = []
    index, size = 0, len(pattern)
    while index < size:
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:[^/]*/)*")
            index += 3
            continue
        if char == "*":
            while index + 1 < size and pattern[index + 1] == "*":
                index += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and index + 1 < size:
            index += 1
            out.append(re.escape(pattern[index]))
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[index + 1:end]
                negate = body[:1] in ("!", "^")
                body = body[1:] if negate else body
                body = body.replace("\\", "\\\\")
                out.append(f"(?!/)[{'^' if negate else ''}{body}]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)
