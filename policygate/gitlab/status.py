"""A commit status on the merge request's head: the gate where GitLab shows pipelines.

GitLab lists external statuses with the pipeline's jobs, so the MR shows the gate's
verdict (`policygate`, or the configured name) even when the job itself is allowed to
fail; with `pipeline_id` it joins the running pipeline, which "Pipelines must succeed"
then judges with it. States follow github/verdict.py: success, or failed when a finding
is at or above the threshold or the run failed (GitLab has no "error"). The description
is our own words and counts only (GitLab keeps 255 characters), the target URL the job's.

GitLab refuses to set a status to the state it already has for the same name and commit,
and a re-run should change nothing anyway: the latest status of that name is read first
and left alone when state, description and URL are the same.
"""
from __future__ import annotations

from dataclasses import dataclass

from policygate.github import verdict
from policygate.gitlab.api import GitLabClient
from policygate.gitlab.facts import MergeRequest
from policygate.gitlab.publishing import calling, refused
from policygate.model import Report, Severity
from policygate.reporters.markdown import cap
from policygate.review.result import PublishResult, Refused

DESCRIPTION_LIMIT = 255
PUBLISHER = "commit status"
STATES = {"success": "success", "failure": "failed", "error": "failed"}


@dataclass(frozen=True)
class StatusOptions:
    name: str = "policygate"
    fail_on: Severity | None = Severity.ERROR
    target_url: str | None = None             # the job's URL ($CI_JOB_URL)
    pipeline_id: int | None = None            # $CI_PIPELINE_ID: join the running pipeline
    ref: str | None = None                    # the source branch


def description(report: Report, fail_on: Severity | None) -> str:
    return cap(f"policygate: {verdict.title(report, fail_on)}", DESCRIPTION_LIMIT)


def publish_status(client: GitLabClient, mr: MergeRequest, report: Report,
                   options: StatusOptions) -> PublishResult:
    state = STATES[verdict.status_state(report, options.fail_on)]
    wanted = {"state": state, "name": options.name,
              "description": description(report, options.fail_on)}
    if options.target_url:
        wanted["target_url"] = options.target_url
    sha = mr.context.head.sha
    commit_path = f"/projects/{mr.project_id}/repository/commits/{sha}/statuses"
    try:
        with calling(client, f"reading the statuses of {sha[:12]}"):
            listed = list(client.list(commit_path, name=options.name))
        latest = max((s for s in listed if s.get("name") == options.name),
                     key=lambda s: s.get("id", 0), default=None)
        if latest is not None and latest.get("status") == state and \
                latest.get("description") == wanted["description"] and \
                (latest.get("target_url") or None) == wanted.get("target_url"):
            return PublishResult(PUBLISHER, f"{PUBLISHER} {options.name}: {state} (unchanged)",
                                 counts={"unchanged": 1})
        if options.pipeline_id:
            wanted["pipeline_id"] = options.pipeline_id
        if options.ref:
            wanted["ref"] = options.ref
        with calling(client, f"setting commit status {options.name!r}", post=True):
            client.gl.http_post(f"/projects/{mr.project_id}/statuses/{sha}", post_data=wanted)
    except Refused as error:
        return refused(PUBLISHER, error)
    return PublishResult(PUBLISHER, f"{PUBLISHER} {options.name}: {state}",
                         counts={"created": 1})
