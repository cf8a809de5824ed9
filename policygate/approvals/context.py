"""The pull-request facts approval rules and Rego policies see (schemas/pr-context.schema.json).

Built from GitHub (policygate.github.facts) or read from a file (`--pr-context FILE`,
validated against schemas/pr-context.schema.json) for offline use and tests. Team
membership is three-valued: a team listed in `teams` has known members; a team missing
from it is "cannot verify", never "not a member".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CONTEXT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Ref:
    ref: str
    sha: str


@dataclass(frozen=True, slots=True)
class ChangedFile:
    path: str
    status: str                     # added | modified | removed | renamed | copied | changed
    previous_path: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    author: str | None              # GitHub login; None when the e-mail maps to no account
    committer: str | None


@dataclass(frozen=True, slots=True)
class Review:
    user: str
    state: str                      # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    commit_id: str | None
    submitted_at: str | None        # ISO 8601; order of reviews, never trusted for freshness


@dataclass(frozen=True, slots=True)
class PullRequestContext:
    repository: str
    number: int
    author: str
    base: Ref
    head: Ref
    labels: tuple[str, ...] = ()
    files: tuple[ChangedFile, ...] = ()
    commits: tuple[Commit, ...] = ()
    reviews: tuple[Review, ...] = ()
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Why a team's membership could not be read ("403 ..."), for the cannot-verify message.
    team_errors: dict[str, str] = field(default_factory=dict)
    # True when GitHub's list of changed files was cut short (it stops at 3,000 files):
    # file-based rules then cannot be trusted and fail closed.
    files_truncated: bool = False
    # Where the facts came from: "github" (a pull request) or "gitlab" (a merge request;
    # `repository` is then the project's full path, `number` the MR's IID, `teams` group
    # paths and `@@role`s). It decides which CODEOWNERS rules apply.
    platform: str = "github"

    def to_json(self) -> dict[str, Any]:
        """The file form (version 1, pr-context.schema.json), also `data.policygate.pr` in Rego."""
        return {
            "version": CONTEXT_VERSION, "platform": self.platform,
            "repository": self.repository, "number": self.number, "author": self.author,
            "base": {"ref": self.base.ref, "sha": self.base.sha},
            "head": {"ref": self.head.ref, "sha": self.head.sha},
            "labels": list(self.labels),
            "files": [{"path": f.path, "status": f.status, "previous_path": f.previous_path}
                      for f in self.files],
            "commits": [{"sha": c.sha, "author": c.author, "committer": c.committer}
                        for c in self.commits],
            "reviews": [{"user": r.user, "state": r.state, "commit_id": r.commit_id,
                         "submitted_at": r.submitted_at} for r in self.reviews],
            "teams": {team: list(members) for team, members in self.teams.items()},
            "team_errors": dict(self.team_errors),
            "files_truncated": self.files_truncated,
        }


def context_from_json(data: dict[str, Any]) -> PullRequestContext:
    """Build the dataclasses from a document already validated against the schema."""
    return PullRequestContext(
        repository=data["repository"], number=data["number"], author=data["author"],
        base=Ref(data["base"]["ref"], data["base"]["sha"]),
        head=Ref(data["head"]["ref"], data["head"]["sha"]),
        labels=tuple(data.get("labels", ())),
        files=tuple(ChangedFile(f["path"], f["status"], f.get("previous_path"))
                    for f in data.get("files", ())),
        commits=tuple(Commit(c["sha"], c.get("author"), c.get("committer"))
                      for c in data.get("commits", ())),
        reviews=tuple(Review(r["user"], r["state"], r.get("commit_id"), r.get("submitted_at"))
                      for r in data.get("reviews", ())),
        teams={team: tuple(members) for team, members in data.get("teams", {}).items()},
        team_errors=dict(data.get("team_errors", {})),
        files_truncated=bool(data.get("files_truncated", False)),
        platform=data.get("platform", "github"))
