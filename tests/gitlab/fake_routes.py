"""The endpoints of the fake GitLab that policygate uses, by name (for faults and the log).

Each route matches the raw request path (project, group and file ids are URL-encoded
paths like `acme%2Fgitops`, so they are single segments) and answers like GitLab: its
shapes (fake_json), its errors (`{"message": "404 Not found"}`), its position checks for
discussions, its refusal to repeat a commit status's state, its offset pagination.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote

from tests.gitlab import fake_json as shapes
from tests.gitlab.fake_state import (Discussion, GitLabState, MergeRequest, Note, Project,
                                     Status, Token)

NOW = "2026-11-20T12:00:00.000Z"
STATUS_STATES = ("pending", "running", "success", "failed", "canceled", "skipped")
BAD_POSITION = ("400 Bad request - Note {:line_code=>[\"can't be blank\", \"must be a valid "
                "line code\"]}")


class ApiError(Exception):
    def __init__(self, status: int, message: Any = None) -> None:
        super().__init__(str(message))
        self.status, self.message = status, message


@dataclass
class Call:
    hub: GitLabState
    method: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    token: Token | None

    def project(self) -> Project:
        found = self.hub.project(self.params["project"])
        if found is None:
            raise ApiError(404, "404 Project Not Found")
        return found

    def mr(self) -> MergeRequest:
        found = self.project().merge_requests.get(int(self.params["iid"]))
        if found is None:
            raise ApiError(404, "404 Not found")
        return found

    def write(self) -> str:
        """The writing user; a read-only (fork) token or a job token may not write."""
        assert self.token is not None
        if self.token.read_only or self.token.job:
            raise ApiError(403, "403 Forbidden")
        return self.token.username

    def field(self, name: str) -> Any:
        value = (self.body or {}).get(name) if isinstance(self.body, dict) else None
        return value if value is not None else self.query.get(name)


@dataclass
class Route:
    endpoint: str
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Call], Any]
    paginated: bool = False
    job_token: bool = False           # a job token may call it (GitLab's allow-list)


ROUTES: list[Route] = []
P = "(?P<project>[^/]+)"
MR = f"/projects/{P}/merge_requests/(?P<iid>\\d+)"


def route(endpoint: str, method: str, path: str, *, paginated: bool = False,
          job_token: bool = False) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    def register(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
        ROUTES.append(Route(endpoint, method, re.compile(f"^/api/v4{path}$"), handler,
                            paginated, job_token))
        return handler
    return register


def match(method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        found = candidate.pattern.match(raw_path) if candidate.method == method else None
        if found:
            return candidate, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


@route("user", "GET", "/user")
def _current_user(call: Call) -> Any:
    assert call.token is not None
    if call.token.job:
        raise ApiError(401, "401 Unauthorized")
    return shapes.current_user(call.hub, call.token.username)


@route("users.list", "GET", "/users", paginated=True)
def _users(call: Call) -> Any:
    wanted = call.query.get("username", "")
    found = call.hub.users.get(wanted)
    return [shapes.user(call.hub, found.username)] if found else []


@route("projects.get", "GET", f"/projects/{P}", job_token=True)
def _project(call: Call) -> Any:
    return shapes.project(call.hub, call.project())


@route("projects.approvals", "GET", f"/projects/{P}/approvals")
def _project_approvals(call: Call) -> Any:
    project = call.project()
    if project.reset_approvals_on_push is None:
        raise ApiError(403, "403 Forbidden")
    return {"approvers": [], "approver_groups": [], "approvals_before_merge": 0,
            "reset_approvals_on_push": project.reset_approvals_on_push,
            "selective_code_owner_removals": False,
            "disable_overriding_approvers_per_merge_request": False,
            "merge_requests_author_approval": False,
            "merge_requests_disable_committers_approval": True,
            "require_password_to_approve": False}


@route("projects.members", "GET", f"/projects/{P}/members", paginated=True)
def _project_members(call: Call) -> Any:
    return [shapes.member(call.hub, name, level) for name, level in call.project().members.items()]


@route("mrs.get", "GET", MR, job_token=True)
def _mr(call: Call) -> Any:
    return shapes.merge_request(call.hub, call.mr())


@route("mrs.diffs", "GET", f"{MR}/diffs", paginated=True)
def _diffs(call: Call) -> Any:
    return [shapes.diff(entry) for entry in call.mr().files]


@route("mrs.commits", "GET", f"{MR}/commits", paginated=True)
def _commits(call: Call) -> Any:
    return list(call.mr().commits)


@route("mrs.approvals", "GET", f"{MR}/approvals")
def _approvals(call: Call) -> Any:
    return shapes.approvals(call.hub, call.mr())


@route("mrs.approval_state", "GET", f"{MR}/approval_state")
def _approval_state(call: Call) -> Any:
    mr = call.mr()
    if mr.approval_rules is None:
        raise ApiError(403, "403 Forbidden")
    return {"approval_rules_overwritten": False, "rules": mr.approval_rules}


@route("mrs.versions", "GET", f"{MR}/versions", paginated=True)
def _versions(call: Call) -> Any:
    return list(call.mr().versions)


@route("discussions.list", "GET", f"{MR}/discussions", paginated=True)
def _discussions(call: Call) -> Any:
    mr = call.mr()
    return [shapes.discussion(call.hub, mr, d) for d in mr.discussions]


@route("discussions.create", "POST", f"{MR}/discussions")
def _create_discussion(call: Call) -> Any:
    author = call.write()
    mr = call.mr()
    body = call.field("body")
    if not body:
        raise ApiError(400, {"error": "body is missing"})
    position = call.field("position")
    note = Note(call.hub.next_id(), author, body, NOW)
    if position is not None:
        note.position = _checked_position(mr, position)
        note.type, note.resolvable = "DiffNote", True
    discussion = Discussion(secrets.token_hex(20), False, [note])
    mr.discussions.append(discussion)
    return 201, shapes.discussion(call.hub, mr, discussion)


def _checked_position(mr: MergeRequest, position: dict[str, Any]) -> dict[str, Any]:
    """GitLab's checks: the SHAs of a diff version of this MR, a changed file, and (text)
    a line the diff shows — with its old line when it is an unchanged one."""
    refs = (position.get("base_sha"), position.get("start_sha"), position.get("head_sha"))
    if refs != (mr.base_sha, mr.start_sha, mr.head_sha):
        raise ApiError(400, BAD_POSITION)
    entry = mr.file(position.get("new_path") or "")
    if entry is None or position.get("old_path") != entry.old_path:
        raise ApiError(400, BAD_POSITION)
    kind = position.get("position_type")
    if kind == "file":
        return {**position, "old_line": None, "new_line": None}
    if kind != "text":
        raise ApiError(400, {"position": ["position_type is invalid"]})
    line = position.get("new_line")
    if not isinstance(line, int) or line not in entry.lines or \
            position.get("old_line") != entry.lines[line]:
        raise ApiError(400, BAD_POSITION)
    return {**position, "old_line": position.get("old_line")}


def _discussion(call: Call) -> tuple[MergeRequest, Discussion]:
    mr = call.mr()
    found = next((d for d in mr.discussions if d.id == call.params["discussion"]), None)
    if found is None:
        raise ApiError(404, "404 Discussion Not Found")
    return mr, found


@route("discussions.resolve", "PUT", f"{MR}/discussions/(?P<discussion>[0-9a-f]+)")
def _resolve(call: Call) -> Any:
    author = call.write()
    mr, found = _discussion(call)
    resolved = call.field("resolved")
    if isinstance(resolved, str):
        resolved = resolved == "true"
    for note in found.notes:
        if note.resolvable:
            note.resolved, note.resolved_by = bool(resolved), author if resolved else None
            note.updated_at = NOW
    return shapes.discussion(call.hub, mr, found)


@route("discussions.edit_note", "PUT",
       f"{MR}/discussions/(?P<discussion>[0-9a-f]+)/notes/(?P<note>\\d+)")
def _edit_discussion_note(call: Call) -> Any:
    mr, found = _discussion(call)
    return _edit_note(call, mr, found.notes)


def _edit_note(call: Call, mr: MergeRequest, notes: list[Note]) -> Any:
    """Only a note's author may edit it (GitLab: 403 for anybody else)."""
    author = call.write()
    note = next((n for n in notes if n.id == int(call.params["note"])), None)
    if note is None:
        raise ApiError(404, "404 Note Not Found")
    if note.author != author:
        raise ApiError(403, "403 Forbidden")
    note.body, note.updated_at = call.field("body"), NOW
    return shapes.note(call.hub, mr, note)


@route("notes.create", "POST", f"{MR}/notes")
def _create_note(call: Call) -> Any:
    author = call.write()
    mr = call.mr()
    note = Note(call.hub.next_id(), author, call.field("body") or "", NOW)
    mr.discussions.append(Discussion(secrets.token_hex(20), True, [note]))
    return 201, shapes.note(call.hub, mr, note)


@route("notes.update", "PUT", f"{MR}/notes/(?P<note>\\d+)")
def _update_note(call: Call) -> Any:
    mr = call.mr()
    return _edit_note(call, mr, mr.notes())


@route("statuses.list", "GET", f"/projects/{P}/repository/commits/(?P<sha>[0-9a-f]+)/statuses",
       paginated=True)
def _statuses(call: Call) -> Any:
    name = call.query.get("name")
    return [shapes.status(call.hub, s) for s in reversed(call.project().statuses)
            if s.sha == call.params["sha"] and (name is None or s.name == name)]


@route("statuses.create", "POST", f"/projects/{P}/statuses/(?P<sha>[0-9a-f]+)")
def _create_status(call: Call) -> Any:
    author = call.write()
    project = call.project()
    state, name = call.field("state"), call.field("name") or call.field("context") or "default"
    if state not in STATUS_STATES:
        raise ApiError(400, "400 Bad request - state does not have a valid value")
    latest = next((s for s in reversed(project.statuses)
                   if s.sha == call.params["sha"] and s.name == name), None)
    if latest is not None and latest.status == state:
        raise ApiError(400, f"Cannot transition status via :{_event(state)} from :{state}")
    pipeline = call.field("pipeline_id")
    status = Status(call.hub.next_id(), call.params["sha"], name, state,
                    call.field("description"), call.field("target_url"),
                    int(pipeline) if pipeline is not None else None, call.field("ref"), author,
                    NOW)
    project.statuses.append(status)
    return 201, shapes.status(call.hub, status)


def _event(state: str) -> str:
    return {"running": "run", "success": "succeed", "failed": "drop", "canceled": "cancel",
            "pending": "enqueue", "skipped": "skip"}[state]


@route("groups.members_all", "GET", "/groups/(?P<group>[^/]+)/members/all", paginated=True)
def _group_members(call: Call) -> Any:
    group = call.hub.groups.get(call.params["group"])
    if group is None:
        raise ApiError(404, "404 Group Not Found")
    if call.token is not None and group.full_path in call.token.hidden_groups:
        raise ApiError(403, "403 Forbidden")
    members = dict(group.members)
    for parent in call.hub.groups.values():            # inherited from parent groups
        if group.full_path.startswith(parent.full_path + "/"):
            for username, level in parent.members.items():
                members.setdefault(username, level)
    return [shapes.member(call.hub, name, level) for name, level in members.items()]


@route("files.raw", "GET", f"/projects/{P}/repository/files/(?P<path>[^/]+)/raw", job_token=True)
def _raw_file(call: Call) -> Any:
    files = call.project().files.get(call.query.get("ref", "main"), {})
    if call.params["path"] not in files:
        raise ApiError(404, "404 File Not Found")
    return files[call.params["path"]]


@route("repository.tree", "GET", f"/projects/{P}/repository/tree", paginated=True)
def _tree(call: Call) -> Any:
    files = call.project().files.get(call.query.get("ref", "main"), {})
    prefix = call.query.get("path", "").rstrip("/") + "/"
    return [{"id": "0" * 40, "name": path.rsplit("/", 1)[-1], "type": "blob", "path": path,
             "mode": "100644"} for path in sorted(files) if path.startswith(prefix)]


ENDPOINTS = sorted({r.endpoint for r in ROUTES})
