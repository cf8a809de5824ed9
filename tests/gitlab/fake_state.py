"""The fake GitLab's world: users, tokens, groups, projects, merge requests and what was
written to them, with builders for tests (see fixture.py for the overview)."""
from __future__ import annotations

import difflib
import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

DEVELOPER, MAINTAINER, OWNER, REPORTER = 30, 40, 50, 20


def fake_sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()


@dataclass
class User:
    id: int
    username: str
    name: str
    state: str = "active"


@dataclass
class Token:
    """A credential. `read_only`: every write answers 403 (a fork's or a weak token);
    `job`: sent as JOB-TOKEN; `hidden_groups`: groups whose members this token may not read."""
    secret: str
    username: str
    read_only: bool = False
    job: bool = False
    hidden_groups: set[str] = field(default_factory=set)


@dataclass
class Group:
    id: int
    full_path: str
    members: dict[str, int] = field(default_factory=dict)     # username -> access level


@dataclass
class Note:
    id: int
    author: str
    body: str
    created_at: str
    system: bool = False
    type: str | None = None                 # "DiffNote" on a position, else None
    position: dict[str, Any] | None = None
    resolvable: bool = False
    resolved: bool = False
    resolved_by: str | None = None
    updated_at: str = ""


@dataclass
class Discussion:
    id: str
    individual_note: bool
    notes: list[Note]


@dataclass
class Status:
    id: int
    sha: str
    name: str
    status: str
    description: str | None
    target_url: str | None
    pipeline_id: int | None
    ref: str | None
    author: str
    created_at: str


@dataclass
class FileDiff:
    """One changed file: GitLab's diff entry plus, per head line shown in the diff, its
    base line (None for an added line) — what GitLab accepts as a discussion position."""
    old_path: str
    new_path: str
    diff: str
    new_file: bool = False
    deleted_file: bool = False
    renamed_file: bool = False
    a_mode: str = "100644"
    b_mode: str = "100644"
    lines: dict[int, int | None] = field(default_factory=dict)


@dataclass
class MergeRequest:
    iid: int
    id: int
    project: Project
    author: str
    source_branch: str
    target_branch: str
    head_sha: str
    base_sha: str                           # merge base
    start_sha: str                          # target head of the diff
    source_project_id: int
    labels: list[str] = field(default_factory=list)
    title: str = "Change"
    files: list[FileDiff] = field(default_factory=list)
    commits: list[dict[str, Any]] = field(default_factory=list)
    approved_by: list[tuple[str, str | None]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    discussions: list[Discussion] = field(default_factory=list)
    approval_rules: list[dict[str, Any]] | None = None     # None: approval_state answers 403
    changes_count: str | None = None                       # None: len(files)
    hub: GitLabState | None = None

    def add_file(self, path: str, before: str | None, after: str | None,
                 old_path: str | None = None) -> FileDiff:
        """A changed file from its two texts (None: added / removed)."""
        old = old_path or path
        diff, lines = unified(before or "", after or "")
        entry = FileDiff(old, path, diff, new_file=before is None, deleted_file=after is None,
                         renamed_file=old != path, lines=lines)
        self.files.append(entry)
        return entry

    def add_commit(self, author_name: str, email: str | None = None,
                   sha: str | None = None) -> dict[str, Any]:
        sha = sha or fake_sha(f"{self.iid}-{len(self.commits)}-{author_name}")
        commit = {"id": sha, "short_id": sha[:8], "title": "Change", "message": "Change\n",
                  "author_name": author_name,
                  "author_email": email or f"{author_name.lower().replace(' ', '.')}@example.com",
                  "authored_date": "2026-11-20T09:00:00.000+00:00",
                  "committer_name": author_name,
                  "committer_email": email or f"{author_name.lower().replace(' ', '.')}@example.com",
                  "committed_date": "2026-11-20T09:00:00.000+00:00",
                  "created_at": "2026-11-20T09:00:00.000+00:00", "parent_ids": [],
                  "web_url": f"{self.project.web_url}/-/commit/{sha}"}
        self.commits.append(commit)
        return commit

    def approve(self, username: str, approved_at: str | None = "2026-11-20T10:00:00.000Z") -> None:
        self.approved_by.append((username, approved_at))

    def add_version(self, head_sha: str, created_at: str) -> None:
        self.versions.insert(0, {"id": len(self.versions) + 1, "head_commit_sha": head_sha,
                                 "base_commit_sha": self.base_sha,
                                 "start_commit_sha": self.start_sha, "created_at": created_at,
                                 "merge_request_id": self.id, "state": "collected",
                                 "real_size": str(len(self.files)),
                                 "patch_id_sha": fake_sha(head_sha)})

    def file(self, path: str) -> FileDiff | None:
        return next((f for f in self.files if f.new_path == path), None)

    def notes(self) -> list[Note]:
        return [note for discussion in self.discussions for note in discussion.notes]

    def diff_discussions(self) -> list[Discussion]:
        return [d for d in self.discussions if d.notes[0].type == "DiffNote"]


@dataclass
class Project:
    id: int
    path_with_namespace: str
    url: str
    members: dict[str, int] = field(default_factory=dict)
    merge_requests: dict[int, MergeRequest] = field(default_factory=dict)
    statuses: list[Status] = field(default_factory=list)
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)   # ref -> path -> bytes
    reset_approvals_on_push: bool | None = None     # None: /approvals answers 403 (no Premium)

    @property
    def web_url(self) -> str:
        return f"{self.url}/{self.path_with_namespace}"


def unified(before: str, after: str) -> tuple[str, dict[int, int | None]]:
    """git's unified diff (3 lines of context) and the head lines it shows."""
    old, new = before.splitlines(), after.splitlines()
    text = []
    lines: dict[int, int | None] = {}
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        text.append(f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},"
                    f"{last[4] - first[3]} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for offset in range(i2 - i1):
                    text.append(" " + old[i1 + offset])
                    lines[j1 + offset + 1] = i1 + offset + 1
                continue
            text += ["-" + line for line in old[i1:i2]]
            for offset, line in enumerate(new[j1:j2]):
                text.append("+" + line)
                lines[j1 + offset + 1] = None
    return "\n".join(text) + ("\n" if text else ""), lines


class GitLabState:
    DEFAULT_TOKEN = "glpat-policygate-bot"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.url = "http://127.0.0.1"
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.groups: dict[str, Group] = {}
        self.projects: dict[int, Project] = {}
        self._ids = itertools.count(1001)
        self.add_user("policygate-bot", "policygate")
        self.add_token(self.DEFAULT_TOKEN, "policygate-bot")

    def next_id(self) -> int:
        return next(self._ids)

    def add_user(self, username: str, name: str | None = None) -> User:
        user = User(self.next_id(), username, name or username.replace("-", " ").title())
        self.users[username] = user
        return user

    def user(self, username: str) -> User:
        return self.users.get(username) or self.add_user(username)

    def add_token(self, secret: str, username: str, **options: Any) -> Token:
        self.user(username)
        token = Token(secret, username, **options)
        self.tokens[secret] = token
        return token

    def add_group(self, full_path: str, members: dict[str, int] | list[str]) -> Group:
        levels = members if isinstance(members, dict) else {m: DEVELOPER for m in members}
        for username in levels:
            self.user(username)
        group = Group(self.next_id(), full_path, dict(levels))
        self.groups[full_path] = group
        return group

    def add_project(self, path: str, project_id: int | None = None) -> Project:
        project = Project(project_id or self.next_id(), path, self.url)
        self.projects[project.id] = project
        return project

    def project(self, key: str) -> Project | None:
        if key.isdigit():
            return self.projects.get(int(key))
        return next((p for p in self.projects.values() if p.path_with_namespace == key), None)

    def add_mr(self, project: Project, iid: int, *, author: str, head: str, base: str,
               start: str | None = None, source: str = "feature", target: str = "main",
               source_project: Project | None = None, labels: list[str] | None = None
               ) -> MergeRequest:
        self.user(author)
        mr = MergeRequest(iid, self.next_id(), project, author, source, target, head, base,
                          start or base, (source_project or project).id, list(labels or []),
                          hub=self)
        mr.add_version(head, "2026-11-20T08:00:00.000Z")
        project.merge_requests[iid] = mr
        return mr
