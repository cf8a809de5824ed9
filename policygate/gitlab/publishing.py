"""What the GitLab publishers share: refusals, who we are, the MR's discussions, safe text.

The publishers (discussions, note, status) have the shape

    publish_x(client, mr, report, options, ...) -> review.result.PublishResult

and follow review/result.py's fallback contract: a 403/404 (a fork's pipeline, a job
token) stops the publisher and returns the fallback result; anything else raises
GitLabError with one line.

Text safety. Everything untrusted in a body went through reporters.markdown (no markup,
no HTML, no @mentions: GitLab reads `@name` like GitHub and `@\u2060name` as text). GitLab
also runs quick actions (`/approve`, `/merge`, `/assign_reviewer @x`, ...) written at the
start of a line of a note — as our account, which may approve or merge. `safe_body`
therefore leaves no line of a body starting with `/`: outside code blocks the slash
becomes `&#47;` (it still reads "/"), inside them a zero-width space goes before it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from policygate.gitlab.api import GitLabClient, is_refusal
from policygate.review.result import PublishResult, Refused, refusing

_FENCE = re.compile(r"^(`{3,}|~{3,})")


def calling(client: GitLabClient, action: str, *, post: bool = False) -> Any:
    """Context manager for GitLab calls: errors become one-line GitLabErrors, refusals
    become Refused."""
    return refusing(client.errors(action, post=post), is_refusal)


def refused(publisher: str, reason: Refused | str, **counts: int) -> PublishResult:
    return PublishResult.refused(publisher, "GitLab", reason, **counts)


def whoami(client: GitLabClient, username: str | None = None) -> str:
    """The username our notes are authored by, to recognise them on the next run.

    A job token cannot ask (and cannot write notes either): that is a refusal."""
    if username:
        return username
    if client.job_token:
        raise Refused("CI_JOB_TOKEN may not write to merge requests: store a project access "
                      "token with the api scope as POLICYGATE_GITLAB_TOKEN")
    with calling(client, "finding out which account the token belongs to"):
        return str(client.gl.http_get("/user")["username"])


@dataclass(frozen=True)
class Note:
    """One note of a discussion, as GitLab listed it."""
    id: int
    author: str
    body: str
    system: bool
    position: dict[str, Any] | None


@dataclass(frozen=True)
class Discussion:
    id: str
    notes: tuple[Note, ...]
    resolved: bool
    individual: bool

    @property
    def first(self) -> Note:
        return self.notes[0]


def read_discussions(client: GitLabClient, project_id: int, iid: int) -> list[Discussion]:
    """Every discussion of the merge request (paginated), read once per run."""
    with calling(client, f"reading the discussions of merge request !{iid}"):
        raw = list(client.list(f"/projects/{project_id}/merge_requests/{iid}/discussions"))
    discussions = []
    for item in raw:
        notes = tuple(Note(n["id"], (n.get("author") or {}).get("username") or "",
                           n.get("body") or "", bool(n.get("system")), n.get("position"))
                      for n in item.get("notes") or [])
        if notes:
            resolved = all(n.get("resolved", False) for n in item["notes"]
                           if n.get("resolvable"))
            discussions.append(Discussion(item["id"], notes, resolved,
                                          bool(item.get("individual_note"))))
    return discussions


def safe_body(body: str) -> str:
    """No line may start a quick action (see the module doc)."""
    lines = body.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
        elif fence is not None and line.strip() == fence[0] * len(line.strip()) and \
                len(line.strip()) >= len(fence):
            fence = None
        elif line.startswith("/"):
            lines[index] = ("\u200b" + line) if fence is not None else "&#47;" + line[1:]
    return "\n".join(lines)
