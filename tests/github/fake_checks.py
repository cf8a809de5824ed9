"""Fake GitHub endpoints of check runs and commit statuses, with GitHub's limits.

Validation messages marked "verbatim" are GitHub's own (from recorded responses and
public bug reports); the others keep GitHub's shape with a plausible text.
"""
from __future__ import annotations

import re
from typing import Any

from tests.github.fake_api import ApiError, Call, Response, created, paginate, route
from tests.github.fake_state import CheckRun, CommitStatus, Repository

ANNOTATIONS_PER_REQUEST = 50   # check-run annotations per create/update request
CHECK_TEXT_LIMIT = 65535       # characters in a check run's output summary / text
STATUS_DESCRIPTION_LIMIT = 140


CHECK_STATUSES = ("queued", "in_progress", "completed")
CONCLUSIONS = ("action_required", "cancelled", "failure", "neutral", "success", "skipped",
               "stale", "timed_out")
ANNOTATION_LEVELS = ("notice", "warning", "failure")


def _invalid(detail: str) -> ApiError:
    return ApiError(422, f"Invalid request.\n\n{detail}")


def _check_output(output: Any) -> list[dict[str, Any]]:
    """Validate a check run's `output`; returns its annotations (GitHub's limits)."""
    if output is None:
        return []
    for key in ("title", "summary"):
        if not output.get(key):
            raise _invalid(f'"{key}" wasn\'t supplied.')
    for key in ("summary", "text"):
        if len(output.get(key) or "") > CHECK_TEXT_LIMIT:
            raise _invalid(f"Only {CHECK_TEXT_LIMIT} characters are allowed; "
                           f"{len(output[key])} were supplied.")
    annotations = output.get("annotations") or []
    if len(annotations) > ANNOTATIONS_PER_REQUEST:           # verbatim
        raise _invalid(f"No more than {ANNOTATIONS_PER_REQUEST} items are allowed; "
                       f"{len(annotations)} were supplied.")
    for annotation in annotations:
        for key in ("path", "start_line", "end_line", "annotation_level", "message"):
            if annotation.get(key) in (None, ""):
                raise _invalid(f'"{key}" wasn\'t supplied.')
        if annotation["annotation_level"] not in ANNOTATION_LEVELS:
            raise _invalid(f"For 'properties/annotation_level', "
                           f"\"{annotation['annotation_level']}\" is not a member of "
                           f"{list(ANNOTATION_LEVELS)}.")
    return annotations


def _apply_check_fields(call: Call, run: CheckRun) -> None:
    for key in ("name", "details_url", "external_id", "started_at"):
        if call.arg(key) is not None:
            setattr(run, key, call.arg(key))
    status, conclusion = call.arg("status"), call.arg("conclusion")
    if status is not None and status not in CHECK_STATUSES:
        raise _invalid(f"For 'properties/status', \"{status}\" is not a member of "
                       f"{list(CHECK_STATUSES)}.")
    if conclusion is not None:
        if conclusion not in CONCLUSIONS:
            raise _invalid(f"For 'properties/conclusion', \"{conclusion}\" is not a member "
                           f"of {list(CONCLUSIONS)}.")
        status = "completed"
    if status == "completed" and conclusion is None and run.conclusion is None:
        raise _invalid('"conclusion" wasn\'t supplied.')
    if status is not None:
        run.status = status
    if conclusion is not None:
        run.conclusion = conclusion
        run.completed_at = call.arg("completed_at") or call.hub.clock.tick()
    output = call.arg("output")
    run.annotations += _check_output(output)
    if output is not None:
        run.output = {key: output.get(key) for key in ("title", "summary", "text")}


@route("POST", "/repos/{owner}/{repo}/check-runs", "checks.create", "checks=write",
       "checks/runs#create-a-check-run")
def create_check_run(call: Call) -> Response:
    repo = call.repo()
    for key in ("name", "head_sha"):
        if not call.arg(key):
            raise _invalid(f'"{key}" wasn\'t supplied.')
    if not re.fullmatch(r"[0-9a-f]{40}", call.arg("head_sha")):
        raise ApiError(422, f"No commit found for SHA: {call.arg('head_sha')}")
    run = CheckRun(call.hub.next_id(), call.arg("name"), call.arg("head_sha"), "queued",
                   None, call.hub.clock.now(), None, None, None, {})
    _apply_check_fields(call, run)
    repo.check_runs.append(run)
    return created(call.shapes.check_run(repo, run))


def _check_run(call: Call) -> tuple[Repository, CheckRun]:
    repo = call.repo()
    run = next((r for r in repo.check_runs if str(r.id) == call.params["run_id"]), None)
    if run is None:
        raise ApiError(404, "Not Found")
    return repo, run


@route("PATCH", "/repos/{owner}/{repo}/check-runs/{run_id}", "checks.update", "checks=write",
       "checks/runs#update-a-check-run")
def update_check_run(call: Call) -> Response:
    """Annotations of each update are appended to the run's, as on GitHub."""
    repo, run = _check_run(call)
    _apply_check_fields(call, run)
    return Response(200, call.shapes.check_run(repo, run))


@route("GET", "/repos/{owner}/{repo}/check-runs/{run_id}", "checks.get", "checks=read",
       "checks/runs#get-a-check-run")
def get_check_run(call: Call) -> Response:
    repo, run = _check_run(call)
    return Response(200, call.shapes.check_run(repo, run))


@route("GET", "/repos/{owner}/{repo}/check-runs/{run_id}/annotations", "checks.annotations",
       "checks=read", "checks/runs#list-check-run-annotations")
def list_annotations(call: Call) -> Response:
    repo, run = _check_run(call)
    return paginate(call, run.annotations, lambda a: call.shapes.annotation(repo, run, a))


@route("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", "checks.for_ref",
       "checks=read", "checks/runs#list-check-runs-for-a-git-reference")
def list_check_runs_for_ref(call: Call) -> Response:
    repo = call.repo()
    sha = repo.resolve(call.params["ref"])
    runs = [r for r in reversed(repo.check_runs) if r.head_sha == sha
            and call.query.get("check_name") in (None, r.name)
            and call.query.get("status") in (None, r.status)]
    page = paginate(call, runs, lambda r: call.shapes.check_run(repo, r))
    page.body = {"total_count": len(runs), "check_runs": page.body}
    return page


@route("POST", "/repos/{owner}/{repo}/statuses/{sha}", "statuses.create", "statuses=write",
       "commits/statuses#create-a-commit-status")
def create_status(call: Call) -> Response:
    repo = call.repo()
    state, description = call.arg("state"), call.arg("description")
    if state not in ("error", "failure", "pending", "success"):
        raise ApiError(422, "Validation Failed", errors=[
            {"resource": "Status", "code": "custom", "field": "state",
             "message": "state is not included in the list"}])
    if description is not None and len(description) > STATUS_DESCRIPTION_LIMIT:
        raise ApiError(422, "Validation Failed", errors=[
            {"resource": "Status", "code": "custom", "field": "description",
             "message": "description is too long (maximum is 140 characters)"}])
    status = CommitStatus(call.hub.next_id(), call.params["sha"], state,
                          call.arg("context") or "default", description,
                          call.arg("target_url"), call.login, call.hub.clock.tick())
    repo.statuses.append(status)
    return created(call.shapes.status(repo, status))


@route("GET", "/repos/{owner}/{repo}/statuses/{ref}", "statuses.for_ref", "statuses=read",
       "commits/statuses#list-commit-statuses-for-a-reference")
@route("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", "statuses.for_ref",
       "statuses=read", "commits/statuses#list-commit-statuses-for-a-reference")
def list_statuses(call: Call) -> Response:
    repo = call.repo()
    sha = repo.resolve(call.params["ref"])
    statuses = [s for s in reversed(repo.statuses) if s.sha == sha]
    return paginate(call, statuses, lambda s: call.shapes.status(repo, s))
