"""Fake GitHub endpoints: users, repositories, contents, commits, organisations, teams.

Validation messages marked "verbatim" are GitHub's own (from recorded responses and
public bug reports); the others keep GitHub's shape with a plausible text.
"""
from __future__ import annotations

from typing import Any

from tests.github.fake_api import ApiError, Call, Response, paginate, route
from tests.github.fake_state import PullCommit


@route("GET", "/user", "users.me", "", "users/users#get-the-authenticated-user")
def get_me(call: Call) -> Response:
    if call.token is None:
        raise ApiError(401, "Requires authentication")
    return Response(200, call.shapes.user(call.login))


@route("GET", "/users/{login}", "users.get", "", "users/users#get-a-user")
def get_user(call: Call) -> Response:
    if call.params["login"] not in call.hub.users:
        raise ApiError(404, "Not Found")
    return Response(200, call.shapes.user(call.params["login"]))


@route("GET", "/repos/{owner}/{repo}", "repos.get", "metadata=read",
       "repos/repos#get-a-repository")
def get_repo(call: Call) -> Response:
    return Response(200, call.shapes.repo(call.repo()))


@route("GET", "/repos/{owner}/{repo}/contents/{path+}", "repos.contents", "contents=read",
       "repos/contents#get-repository-content")
def get_contents(call: Call) -> Response:
    repo = call.repo()
    ref = call.query.get("ref") or repo.default_branch
    sha = repo.resolve(ref)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}")            # verbatim
    data = repo.contents.get(sha, {}).get(call.params["path"])
    if data is None:
        raise ApiError(404, "Not Found")
    return Response(200, call.shapes.content(repo, call.params["path"], ref, data))


@route("GET", "/repos/{owner}/{repo}/commits/{ref}", "repos.commit", "contents=read",
       "commits/commits#get-a-commit")
def get_commit(call: Call) -> Response:
    """A commit of one of the repository's pull requests (or a base/head without one)."""
    repo = call.repo()
    sha = repo.resolve(call.params["ref"])
    for pull in repo.pulls.values():
        known = next((c for c in pull.commits if c.sha == sha), None)
        if known is None and sha in (pull.base_sha, pull.head_sha):
            known = PullCommit(sha, pull.author, pull.author, f"{pull.author}@example.com",
                               f"{pull.author}@example.com", "commit", pull.created_at)
        if known is not None:
            return Response(200, {**call.shapes.commit(pull, known),
                                  "stats": {"total": 0, "additions": 0, "deletions": 0},
                                  "files": []})
    raise ApiError(422, f"No commit found for SHA: {call.params['ref']}")


def _visible_team(call: Call, team: Any) -> Any:
    if team is None or (team.secret and call.login not in team.members):
        raise ApiError(404, "Not Found")
    return team


@route("GET", "/orgs/{org}", "orgs.get", "", "orgs/orgs#get-an-organization")
def get_org(call: Call) -> Response:
    org = call.hub.orgs.get(call.params["org"].lower())
    if org is None:
        raise ApiError(404, "Not Found")
    return Response(200, call.shapes.org(org))


@route("GET", "/orgs/{org}/teams/{slug}", "teams.get", "members=read",
       "teams/teams#get-a-team-by-name")
def get_team(call: Call) -> Response:
    org = call.hub.orgs.get(call.params["org"].lower())
    team = org.teams.get(call.params["slug"].lower()) if org else None
    return Response(200, call.shapes.team(_visible_team(call, team)))


@route("GET", "/organizations/{org_id}/team/{team_id}/members", "teams.members",
       "members=read", "teams/members#list-team-members")
def list_team_members(call: Call) -> Response:
    team = _visible_team(call, call.hub.team_by_id(int(call.params["org_id"]),
                                                   int(call.params["team_id"])))
    return paginate(call, team.members, call.shapes.user)


@route("GET", "/orgs/{org}/teams/{slug}/members", "teams.members", "members=read",
       "teams/members#list-team-members")
def list_team_members_by_slug(call: Call) -> Response:
    org = call.hub.orgs.get(call.params["org"].lower())
    team = _visible_team(call, org.teams.get(call.params["slug"].lower()) if org else None)
    return paginate(call, team.members, call.shapes.user)

