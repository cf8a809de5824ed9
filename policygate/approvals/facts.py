"""Everything an approval rule may ask about a pull request, in one place."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from policygate.approvals.codeowners import CodeOwners
from policygate.approvals.context import PullRequestContext, Review
from policygate.model import ResourceId

if TYPE_CHECKING:
    from policygate.approvals.codeowners_gitlab import GitLabCodeOwners
    from policygate.suppress.introduced import AddedSuppression

# Reviews that express a decision; COMMENTED and PENDING reviews change nothing.
_DECISIONS = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


@dataclass(frozen=True, slots=True)
class ChangeFacts:
    pr: PullRequestContext
    resources: tuple[ResourceId, ...] | None = None  # objects the change touched; None: unknown
    policy_changed: bool = False                       # the PR edits the gate's own files
    codeowners: CodeOwners | GitLabCodeOwners | None = None
    static_teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Suppressions the change adds (suppress.introduced); None: unknown (fail closed).
    added_suppressions: tuple[AddedSuppression, ...] | None = None

    def members(self, team: str) -> tuple[str, ...] | None:
        """Members of org/team, or None when nobody can tell (fail closed on that)."""
        if team in self.pr.teams:
            return self.pr.teams[team]
        return self.static_teams.get(team)

    def owner_members(self, owner: str) -> tuple[str, ...] | None:
        """Who counts as a code owner `owner`: a user is itself; a group (GitHub org/team,
        GitLab group or nested group, a GitLab name the MR facts resolved to a group) or a
        GitLab role (`@@maintainer`) is its members, None when unknown; an e-mail address
        cannot be matched to a login, so it is unknown too."""
        is_group = ("/" in owner or owner.startswith("@@") or owner in self.pr.teams
                    or owner in self.pr.team_errors or owner in self.static_teams)
        if is_group:
            return self.members(owner)
        return None if "@" in owner else (owner,)

    def team_problem(self, team: str) -> str:
        gitlab = self.pr.platform == "gitlab"
        if "@" in team and not team.startswith("@@"):
            if gitlab:
                return (f"cannot match code owner {team} to a GitLab username — name the "
                        f"owner as @username or @group in CODEOWNERS")
            return (f"cannot match code owner {team} to a GitHub login — name the owner as "
                    f"@user or @org/team in CODEOWNERS")
        reason = self.pr.team_errors.get(team)
        if gitlab:
            fix = ("give the job a token that may read the members (read_api scope, a member "
                   "of the group), or list it under `approvals.teams`")
        else:
            fix = "give the action a token with Members: read, or list the team under " \
                  "`approvals.teams`"
        return f"cannot verify membership of {team}" + (f" ({reason})" if reason else "") + \
            f" — {fix}"

    def require_complete_file_list(self) -> None:
        """Anything judged on the changed files fails closed on a cut-short list."""
        if self.pr.files_truncated:
            from policygate.approvals.predicates import Undecidable

            listed = ("GitLab listed only part of the changed files (its diff limits)"
                      if self.pr.platform == "gitlab"
                      else "GitHub listed only the first 3,000 changed files")
            raise Undecidable(f"{listed}, so file-based conditions cannot be evaluated; split "
                              f"the {'merge' if self.pr.platform == 'gitlab' else 'pull'} "
                              f"request")

    @property
    def changed_paths(self) -> tuple[str, ...]:
        """Every path the change touches, the old path of each rename and copy included:
        `git mv deploy/prod/netpol.yaml docs/` changes deploy/prod as much as docs."""
        self.require_complete_file_list()
        paths = [p for f in self.pr.files for p in (f.previous_path, f.path) if p]
        return tuple(dict.fromkeys(paths))

    @property
    def contributors(self) -> frozenset[str]:
        logins = {c.author for c in self.pr.commits} | {c.committer for c in self.pr.commits}
        return frozenset(login for login in logins if login)

    def latest_decisions(self) -> dict[str, Review]:
        """Each user's latest approving, change-requesting or dismissed review."""
        latest: dict[str, Review] = {}
        ordered = sorted(enumerate(self.pr.reviews),
                         key=lambda item: (item[1].submitted_at or "", item[0]))
        for _, review in ordered:
            if review.state in _DECISIONS:
                latest[review.user] = review
        return latest
