"""GitLab's REST response shapes (API v4), as its documentation and python-gitlab's own
test suite show them: the fields GitLab sends, not only the ones policygate reads."""
from __future__ import annotations

from typing import Any

from tests.gitlab.fake_state import (Discussion, GitLabState, Group, MergeRequest, Note,
                                     Project, Status, User)

CREATED = "2026-11-20T08:00:00.000Z"


def user(hub: GitLabState, username: str) -> dict[str, Any]:
    found: User = hub.user(username)
    return {"id": found.id, "username": found.username, "name": found.name,
            "state": found.state, "locked": False,
            "avatar_url": f"https://www.gravatar.com/avatar/{found.id}?s=80&d=identicon",
            "web_url": f"{hub.url}/{found.username}"}


def current_user(hub: GitLabState, username: str) -> dict[str, Any]:
    return {**user(hub, username), "bio": "", "location": "", "public_email": "",
            "created_at": CREATED, "bot": username.endswith("-bot"), "is_admin": False}


def member(hub: GitLabState, username: str, level: int) -> dict[str, Any]:
    return {**user(hub, username), "access_level": level, "created_at": CREATED,
            "expires_at": None, "membership_state": "active"}


def project(hub: GitLabState, found: Project) -> dict[str, Any]:
    namespace, _, name = found.path_with_namespace.rpartition("/")
    return {"id": found.id, "name": name, "path": name,
            "path_with_namespace": found.path_with_namespace,
            "name_with_namespace": found.path_with_namespace.replace("/", " / "),
            "default_branch": "main", "visibility": "private", "web_url": found.web_url,
            "namespace": {"id": found.id + 1, "name": namespace, "path": namespace,
                          "kind": "group", "full_path": namespace},
            "created_at": CREATED, "last_activity_at": CREATED}


def merge_request(hub: GitLabState, mr: MergeRequest) -> dict[str, Any]:
    project_path = mr.project.path_with_namespace
    return {
        "id": mr.id, "iid": mr.iid, "project_id": mr.project.id, "title": mr.title,
        "description": "", "state": "opened", "created_at": CREATED, "updated_at": CREATED,
        "merged_by": None, "merge_user": None, "merged_at": None, "closed_by": None,
        "closed_at": None, "target_branch": mr.target_branch, "source_branch": mr.source_branch,
        "user_notes_count": len(mr.notes()), "upvotes": 0, "downvotes": 0,
        "author": user(hub, mr.author), "assignees": [], "assignee": None, "reviewers": [],
        "source_project_id": mr.source_project_id, "target_project_id": mr.project.id,
        "labels": list(mr.labels), "draft": False, "work_in_progress": False,
        "milestone": None, "merge_when_pipeline_succeeds": False,
        "merge_status": "can_be_merged", "detailed_merge_status": "mergeable",
        "sha": mr.head_sha, "merge_commit_sha": None, "squash_commit_sha": None,
        "discussion_locked": None, "should_remove_source_branch": None,
        "force_remove_source_branch": True, "prepared_at": CREATED,
        "reference": f"!{mr.iid}",
        "references": {"short": f"!{mr.iid}", "relative": f"!{mr.iid}",
                       "full": f"{project_path}!{mr.iid}"},
        "web_url": f"{mr.project.web_url}/-/merge_requests/{mr.iid}",
        "time_stats": {"time_estimate": 0, "total_time_spent": 0,
                       "human_time_estimate": None, "human_total_time_spent": None},
        "squash": False, "squash_on_merge": False,
        "task_completion_status": {"count": 0, "completed_count": 0},
        "has_conflicts": False, "blocking_discussions_resolved": True,
        "changes_count": mr.changes_count or str(len(mr.files)),
        "latest_build_started_at": None, "latest_build_finished_at": None,
        "first_deployed_to_production_at": None, "pipeline": None, "head_pipeline": None,
        "diff_refs": {"base_sha": mr.base_sha, "head_sha": mr.head_sha,
                      "start_sha": mr.start_sha},
        "merge_error": None, "first_contribution": False, "user": {"can_merge": True}}


def diff(entry: Any) -> dict[str, Any]:
    return {"old_path": entry.old_path, "new_path": entry.new_path, "a_mode": entry.a_mode,
            "b_mode": entry.b_mode, "diff": entry.diff, "new_file": entry.new_file,
            "renamed_file": entry.renamed_file, "deleted_file": entry.deleted_file,
            "generated_file": False}


def approvals(hub: GitLabState, mr: MergeRequest) -> dict[str, Any]:
    approved_by = []
    for username, approved_at in mr.approved_by:
        entry: dict[str, Any] = {"user": user(hub, username)}
        if approved_at is not None:          # GitLab 17.x+ sends when; older ones do not
            entry["approved_at"] = approved_at
        approved_by.append(entry)
    return {"id": mr.id, "iid": mr.iid, "project_id": mr.project.id, "title": mr.title,
            "description": "", "state": "opened", "created_at": CREATED,
            "updated_at": CREATED, "merge_status": "can_be_merged",
            "approved": bool(mr.approved_by), "approvals_required": 0, "approvals_left": 0,
            "require_password_to_approve": False, "approved_by": approved_by,
            "suggested_approvers": [], "approvers": [], "approver_groups": [],
            "user_has_approved": False, "user_can_approve": True,
            "approval_rules_left": [], "has_approval_rules": bool(mr.approval_rules),
            "merge_request_approvers_available": True, "multiple_approval_rules_available": True,
            "invalid_approvers_rules": []}


def note(hub: GitLabState, mr: MergeRequest, found: Note) -> dict[str, Any]:
    shaped = {"id": found.id, "type": found.type, "body": found.body, "attachment": None,
              "author": user(hub, found.author), "created_at": found.created_at,
              "updated_at": found.updated_at or found.created_at, "system": found.system,
              "noteable_id": mr.id, "noteable_type": "MergeRequest",
              "project_id": mr.project.id, "resolvable": found.resolvable,
              "confidential": False, "internal": False, "noteable_iid": mr.iid,
              "commands_changes": {}}
    if found.resolvable:
        shaped.update(resolved=found.resolved,
                      resolved_by=user(hub, found.resolved_by) if found.resolved_by else None,
                      resolved_at=found.updated_at if found.resolved else None)
    if found.position is not None:
        shaped["position"] = {**found.position, "line_range": None}
    return shaped


def discussion(hub: GitLabState, mr: MergeRequest, found: Discussion) -> dict[str, Any]:
    return {"id": found.id, "individual_note": found.individual_note,
            "notes": [note(hub, mr, n) for n in found.notes]}


def status(hub: GitLabState, found: Status) -> dict[str, Any]:
    return {"id": found.id, "sha": found.sha, "ref": found.ref, "status": found.status,
            "name": found.name, "target_url": found.target_url,
            "description": found.description, "created_at": found.created_at,
            "started_at": found.created_at if found.status != "pending" else None,
            "finished_at": found.created_at if found.status in ("success", "failed")
            else None, "allow_failure": False, "coverage": None,
            "pipeline_id": found.pipeline_id, "author": user(hub, found.author)}


def group_members(hub: GitLabState, group: Group) -> list[dict[str, Any]]:
    return [member(hub, username, level) for username, level in group.members.items()]


def error(status_code: int, message: Any = None) -> dict[str, Any]:
    default = {400: "400 Bad request", 401: "401 Unauthorized", 403: "403 Forbidden",
               404: "404 Not found", 409: "409 Conflict", 500: "500 Internal Server Error",
               502: "502 Bad Gateway", 503: "503 Service Unavailable"}
    return {"message": message if message is not None else default.get(status_code, "Error")}
