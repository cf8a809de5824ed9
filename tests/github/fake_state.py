"""The in-memory GitHub behind the fake API: repositories, pull requests, orgs, tokens.

Tests build the world they need with the builder methods (`add_repo`, `add_pull`,
`PullRequest.add_file`, `add_team`, `add_token`, ...) and read back what the code under
test wrote (`pull.reviews`, `pull.review_comments`, `repo.check_runs`, ...). Ids, SHAs and
timestamps are deterministic so that assertions can be exact.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.github.fake_diff import Hunk, count_changes, make_patch, parse_hunks

EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
LEVELS = {"read": 1, "write": 2, "admin": 3}


def fake_sha(*parts: object) -> str:
    """A stable 40-hex SHA for a name, so tests can compute the SHAs they expect."""
    return hashlib.sha1("\0".join(map(str, parts)).encode()).hexdigest()


@dataclass
class User:
    login: str
    id: int

    @property
    def type(self) -> str:
        return "Bot" if self.login.endswith("[bot]") else "User"


@dataclass
class Token:
    """An API token: who it authenticates as, and its fine-grained permissions.

    `permissions=None` grants everything; otherwise a mapping such as
    `{"pull_requests": "read", "checks": "write"}` (metadata: read is implied).
    """
    value: str
    login: str
    permissions: dict[str, str] | None = None

    def allows(self, accepted: str) -> bool:
        """Whether the token satisfies GitHub's X-Accepted-GitHub-Permissions value.

        The value lists alternative sets separated by `;`; within a set, permissions are
        separated by `,` and all are needed.
        """
        if self.permissions is None or not accepted:
            return True
        granted = {"metadata": "read", **self.permissions}
        for alternative in accepted.split(";"):
            needs = [item.strip().split("=") for item in alternative.split(",") if item.strip()]
            if all(LEVELS.get(granted.get(name, ""), 0) >= LEVELS[level] for name, level in needs):
                return True
        return False


@dataclass
class Org:
    login: str
    id: int
    teams: dict[str, Team] = field(default_factory=dict)


@dataclass
class Team:
    org: Org
    slug: str
    id: int
    name: str
    members: list[str]
    secret: bool = False              # a secret team answers 404 to everyone outside it


@dataclass
class FileChange:
    filename: str
    status: str
    patch: str | None
    sha: str
    previous_filename: str | None = None

    @property
    def hunks(self) -> tuple[Hunk, ...]:
        return parse_hunks(self.patch)

    @property
    def additions(self) -> int:
        return count_changes(self.patch)[0]

    @property
    def deletions(self) -> int:
        return count_changes(self.patch)[1]


@dataclass
class PullCommit:
    sha: str
    author: str | None                # GitHub login; None when the e-mail maps to no account
    committer: str | None
    author_email: str
    committer_email: str
    message: str
    date: str


@dataclass
class Review:
    id: int
    user: str | None                  # None: the account was deleted (GitHub sends null)
    state: str           # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    body: str
    commit_id: str | None
    submitted_at: str | None


@dataclass
class ReviewComment:
    id: int
    review_id: int | None
    user: str
    body: str
    path: str
    commit_id: str
    line: int | None
    side: str | None
    start_line: int | None = None
    start_side: str | None = None
    subject_type: str = "line"        # "line" or "file"
    in_reply_to_id: int | None = None
    diff_hunk: str = ""
    position: int | None = None
    created_at: str = ""
    updated_at: str = ""


@dataclass
class IssueComment:
    id: int
    user: str
    body: str
    created_at: str
    updated_at: str


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    started_at: str | None
    completed_at: str | None
    details_url: str | None
    external_id: str | None
    output: dict[str, Any]
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CommitStatus:
    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: str
    created_at: str


@dataclass
class PullRequest:
    repo: Repository
    number: int
    id: int
    title: str
    author: str
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    labels: list[str] = field(default_factory=list)
    body: str = ""
    state: str = "open"
    draft: bool = False
    files: list[FileChange] = field(default_factory=list)
    commits: list[PullCommit] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    review_comments: list[ReviewComment] = field(default_factory=list)
    issue_comments: list[IssueComment] = field(default_factory=list)
    created_at: str = ""

    def file(self, path: str) -> FileChange | None:
        return next((f for f in self.files if f.filename == path), None)

    def add_file(self, path: str, *, before: str | None = None, after: str | None = None,
                 status: str | None = None, patch: str | None = None,
                 previous_path: str | None = None) -> FileChange:
        """Add a changed file. With before/after texts the patch (and so the hunks review
        comments must hit) is computed like GitHub's, and both versions become readable
        through the contents API at the base and head SHAs. A given `patch` is used as is."""
        if status is None:
            status = ("renamed" if previous_path else "added" if before is None
                      else "removed" if after is None else "modified")
        if patch is None and (before is not None or after is not None):
            patch = make_patch(before, after) or None   # a pure rename has no patch
        if before is not None:
            self.repo.put_file(self.base_sha, previous_path or path, before)
        if after is not None:
            self.repo.put_file(self.head_sha, path, after)
        change = FileChange(path, status, patch, fake_sha("blob", path, after),
                            previous_filename=previous_path)
        self.files.append(change)
        return change

    def add_files(self, count: int, pattern: str = "deploy/app-{index}.yaml") -> None:
        """Many small added files (pagination and the 3,000-file cap)."""
        for index in range(count):
            self.files.append(FileChange(pattern.format(index=index), "added",
                                         "@@ -0,0 +1 @@\n+kind: ConfigMap",
                                         fake_sha("blob", self.number, index)))

    def add_commit(self, author: str | None = None, committer: str | None = "",
                   *, sha: str | None = None, message: str = "change") -> PullCommit:
        """A commit on the PR; `author=None` models an e-mail GitHub maps to no account.
        The committer defaults to the author."""
        committer = author if committer == "" else committer
        commit = PullCommit(sha or fake_sha("commit", self.number, len(self.commits)),
                            author, committer,
                            f"{author or 'someone'}@example.com",
                            f"{committer or 'someone'}@example.com", message,
                            self.repo.hub.clock.tick())
        self.commits.append(commit)
        return commit

    def add_commits(self, count: int, author: str | None = None) -> None:
        for _ in range(count):
            self.add_commit(author or self.author)

    def add_review(self, user: str | None, state: str = "APPROVED", *,
                   commit_id: str | None = None, body: str = "") -> Review:
        """A submitted review (on the current head unless commit_id says otherwise);
        `user=None` is a review by an account deleted since."""
        if user is not None:
            self.repo.hub.user(user)
        review = Review(self.repo.hub.next_id(), user, state, body,
                        commit_id if commit_id is not None else self.head_sha,
                        None if state == "PENDING" else self.repo.hub.clock.tick())
        self.reviews.append(review)
        return review

    def add_reviews(self, count: int, state: str = "COMMENTED") -> None:
        for index in range(count):
            self.add_review(f"reviewer{index}", state)

    def add_review_comment(self, user: str, path: str, body: str, *, line: int | None = None,
                           side: str = "RIGHT", in_reply_to: int | None = None) -> ReviewComment:
        """A comment somebody else left (e.g. a human reply in one of our threads)."""
        self.repo.hub.user(user)
        parent = next((c for c in self.review_comments if c.id == in_reply_to), None)
        if parent is not None:
            line, side, path = parent.line, parent.side or side, parent.path
        now = self.repo.hub.clock.tick()
        comment = ReviewComment(self.repo.hub.next_id(), None, user, body, path, self.head_sha,
                                line, side if line is not None else None,
                                subject_type="line" if line is not None else "file",
                                in_reply_to_id=in_reply_to, created_at=now, updated_at=now)
        self.review_comments.append(comment)
        return comment

    def add_issue_comment(self, user: str, body: str) -> IssueComment:
        self.repo.hub.user(user)
        now = self.repo.hub.clock.tick()
        comment = IssueComment(self.repo.hub.next_id(), user, body, now, now)
        self.issue_comments.append(comment)
        return comment

    def push(self, sha: str | None = None) -> str:
        """Move the head (new commits were pushed): earlier reviews become stale."""
        self.head_sha = sha or fake_sha("head", self.number, len(self.commits), self.head_sha)
        self.repo.branches[self.head_ref] = self.head_sha
        self.add_commit(self.author, sha=self.head_sha)
        return self.head_sha


@dataclass
class Repository:
    hub: GitHubState
    owner: str
    name: str
    id: int
    private: bool = False
    default_branch: str = "main"
    branches: dict[str, str] = field(default_factory=dict)
    contents: dict[str, dict[str, bytes]] = field(default_factory=dict)  # sha -> path -> bytes
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    check_runs: list[CheckRun] = field(default_factory=list)
    statuses: list[CommitStatus] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def resolve(self, ref: str | None) -> str | None:
        """A branch name, `refs/heads/<branch>` or a SHA -> the commit SHA."""
        ref = ref or self.default_branch
        ref = ref.removeprefix("refs/heads/")
        if ref in self.branches:
            return self.branches[ref]
        return ref if ref in self.contents or len(ref) == 40 else None

    def put_file(self, ref: str, path: str, text: str | bytes) -> None:
        """Make a file readable through the contents API at a branch or SHA."""
        sha = self.resolve(ref) or ref
        data = text.encode("utf-8") if isinstance(text, str) else text
        self.contents.setdefault(sha, {})[path] = data

    def add_pull(self, number: int, *, author: str = "dave", title: str | None = None,
                 base: tuple[str, str] | str = "main", head: tuple[str, str] | str = "feature",
                 labels: tuple[str, ...] | list[str] = (), draft: bool = False) -> PullRequest:
        """A pull request; base/head are a ref name (SHA derived) or a (ref, sha) pair."""
        base_ref, base_sha = base if isinstance(base, tuple) else (base, fake_sha("base", number))
        head_ref, head_sha = head if isinstance(head, tuple) else (head, fake_sha("head", number))
        self.hub.user(author)
        self.branches.setdefault(base_ref, base_sha)
        self.branches[head_ref] = head_sha
        pull = PullRequest(self, number, self.hub.next_id(), title or f"Change #{number}",
                           author, base_ref, base_sha, head_ref, head_sha, list(labels),
                           draft=draft, created_at=self.hub.clock.tick())
        self.pulls[number] = pull
        return pull


class Clock:
    """Deterministic time: every event is one minute after the previous one."""

    def __init__(self) -> None:
        self._now = EPOCH

    def tick(self) -> str:
        self._now += timedelta(minutes=1)
        return self.now()

    def now(self) -> str:
        return self._now.strftime("%Y-%m-%dT%H:%M:%SZ")


class GitHubState:
    """Everything the fake GitHub knows. All access from request threads holds `lock`."""

    DEFAULT_TOKEN = "ghs_fixtureTokenValue0123456789abcdef"
    DEFAULT_LOGIN = "github-actions[bot]"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        self._ids = 1000
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.repos: dict[str, Repository] = {}
        self.orgs: dict[str, Org] = {}
        self.add_token(self.DEFAULT_TOKEN, login=self.DEFAULT_LOGIN)

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def user(self, login: str) -> User:
        with self.lock:
            if login not in self.users:
                self.users[login] = User(login, self.next_id())
            return self.users[login]

    def add_token(self, value: str, *, login: str = DEFAULT_LOGIN,
                  permissions: dict[str, str] | None = None) -> Token:
        self.user(login)
        token = Token(value, login, permissions)
        self.tokens[value] = token
        return token

    def add_repo(self, full_name: str, *, private: bool = False,
                 default_branch: str = "main") -> Repository:
        owner, name = full_name.split("/")
        self.user(owner)
        repo = Repository(self, owner, name, self.next_id(), private, default_branch)
        self.repos[full_name.lower()] = repo
        return repo

    def repo(self, full_name: str) -> Repository | None:
        return self.repos.get(full_name.lower())

    def repo_by_id(self, repo_id: int) -> Repository | None:
        return next((r for r in self.repos.values() if r.id == repo_id), None)

    def add_pull(self, repository: str, number: int, **kwargs: Any) -> PullRequest:
        """A pull request in `repository` (created if needed); see Repository.add_pull."""
        repo = self.repo(repository) or self.add_repo(repository)
        return repo.add_pull(number, **kwargs)

    def add_team(self, team: str, members: list[str] | tuple[str, ...] = (), *,
                 secret: bool = False) -> Team:
        """`org/slug` with its members (the org is created if needed)."""
        org_login, slug = team.split("/")
        org = self.orgs.get(org_login.lower())
        if org is None:
            org = self.orgs[org_login.lower()] = Org(org_login, self.next_id())
        for login in members:
            self.user(login)
        created = Team(org, slug, self.next_id(), slug.replace("-", " ").title(), list(members),
                       secret)
        org.teams[slug.lower()] = created
        return created

    def team_by_id(self, org_id: int, team_id: int) -> Team | None:
        for org in self.orgs.values():
            if org.id == org_id:
                return next((t for t in org.teams.values() if t.id == team_id), None)
        return None

    def find_review_comment(self, repo: Repository, comment_id: int
                            ) -> tuple[PullRequest, ReviewComment] | None:
        for pull in repo.pulls.values():
            for comment in pull.review_comments:
                if comment.id == comment_id:
                    return pull, comment
        return None

    def find_issue_comment(self, repo: Repository, comment_id: int
                           ) -> tuple[PullRequest, IssueComment] | None:
        for pull in repo.pulls.values():
            for comment in pull.issue_comments:
                if comment.id == comment_id:
                    return pull, comment
        return None
