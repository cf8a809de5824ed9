"""The pull-request facts (approvals.context.PullRequestContext), read from GitHub.

Everything the approval rules judge comes from here, so every list is read in full
(paginated) and every gap is made explicit instead of silently shrinking the facts:
- GitHub lists at most 3,000 changed files: fewer files than the PR's `changed_files`
  sets `files_truncated`, and file-based rules fail closed;
- GitHub lists at most 250 commits: fewer commits than the PR's `commits` count is an
  error, because the unseen commit authors could approve their own change;
- a team whose lookup answers 403/404 is "cannot verify" (absent from `teams`, reason in
  `team_errors`), never "member" or "not a member".
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from policygate.approvals.context import ChangedFile, Commit, PullRequestContext, Ref, Review
from policygate.github.api import GitHubClient, GitHubError, describe_permissions, header

GHOST = "ghost"   # GitHub's name for a deleted account


def fetch_pr_context(client: GitHubClient, repository: str, number: int, *,
                     teams: Iterable[str] = ()) -> PullRequestContext:
    """Read pull request `repository`#`number` and the membership of `teams` (org/team)."""
    action = f"reading pull request {repository}#{number}"
    with client.errors(action):
        pull = client.github.get_repo(repository).get_pull(number)
        files = tuple(_changed_file(f) for f in pull.get_files())
        context = PullRequestContext(
            repository=repository, number=number, author=pull.user.login,
            base=Ref(pull.base.ref, pull.base.sha), head=Ref(pull.head.ref, pull.head.sha),
            labels=tuple(label.name for label in pull.labels), files=files,
            commits=tuple(_commit(c) for c in pull.get_commits()),
            reviews=tuple(_review(r) for r in pull.get_reviews()),
            files_truncated=len(files) < pull.changed_files)
        listed_commits = pull.commits
    if len(context.commits) < listed_commits:
        raise GitHubError(f"{action}: GitHub lists only {len(context.commits)} of the "
                          f"{listed_commits} commits, so not every commit author is known "
                          f"and approvals cannot be judged — split the pull request")
    members, team_errors = read_teams(client, teams)
    return dataclasses.replace(context, teams=members, team_errors=team_errors)


def read_teams(client: GitHubClient, teams: Iterable[str]
               ) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Members of each `org/team`; a team GitHub will not show us goes to the errors.

    The team is fetched first (GET /orgs/{org}/teams/{slug}), then its members: a 403 or
    404 on either means the token cannot see the team (the default GITHUB_TOKEN has no
    organization Members permission), which is "cannot verify". Other failures (bad
    token, GitHub down) fail the run like any other GitHub error."""
    from github.GithubException import GithubException, RateLimitExceededException

    members: dict[str, tuple[str, ...]] = {}
    errors: dict[str, str] = {}
    lazy = None
    for org, slug in dict.fromkeys(parse_team(spec) for spec in teams):
        name = f"{org}/{slug}"
        lazy = lazy or client.github.withLazy(True)      # no GET /orgs/{org} needed
        with client.errors(f"reading the members of team {name}"):
            try:
                team = lazy.get_organization(org).get_team_by_slug(slug)
                team.id                                   # GET the team itself
                members[name] = tuple(user.login for user in team.get_members())
            except GithubException as error:
                if error.status not in (403, 404) or isinstance(error,
                                                                RateLimitExceededException):
                    raise
                errors[name] = _cannot_see_team(error)
    return members, errors


def parse_team(spec: str) -> tuple[str, str]:
    """`org/team` or `@org/team` (CODEOWNERS spelling) -> (org, team)."""
    org, _, slug = spec.strip().removeprefix("@").partition("/")
    if not org or not slug or "/" in slug:
        raise GitHubError(f"team {spec!r} is not of the form org/team")
    return org, slug


def _cannot_see_team(error: Any) -> str:
    """Why a team lookup failed, in one line (for the cannot-verify finding)."""
    data = error.data if isinstance(error.data, dict) else {}
    said = f"{error.status} {data.get('message') or ''}".strip()
    accepted = header(error.headers, "X-Accepted-GitHub-Permissions")
    needs = describe_permissions(accepted) if accepted else ""
    if error.status == 403:
        return f"{said}: the token lacks {needs}" if needs else f"{said}: the token may not read it"
    reading = f" (reading teams needs {needs})" if needs else ""
    return f"{said}: the team does not exist, or the token cannot see it{reading}"


def _changed_file(change: Any) -> ChangedFile:
    return ChangedFile(change.filename, change.status, change.previous_filename)


def _commit(commit: Any) -> Commit:
    """Logins of the author and committer; None when GitHub maps the e-mail to nobody."""
    return Commit(commit.sha, commit.author.login if commit.author else None,
                  commit.committer.login if commit.committer else None)


def _review(review: Any) -> Review:
    return Review(review.user.login if review.user else GHOST, review.state, review.commit_id,
                  _iso(review.submitted_at))


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
