"""A merge request's facts, read from GitLab into the shared PullRequestContext.

The same structure as GitHub's pull-request facts, so `policygate approvals` and Rego's
`data.policygate.pr` judge a merge request like a pull request (`platform: gitlab`,
`repository` the project's full path, `number` the MR's IID). Every list is read in full
(paginated) and every gap is explicit:
- GitLab stops listing changed files at its diff limits (`changes_count` "1000+", or
  fewer files listed than it counts): `files_truncated`, so file-based rules fail closed;
- the approvals are `approved_by`; an approval counts for the head commit when GitLab says
  when it was given (`approved_at`) and that is after the head was pushed (the MR's diff
  versions), or when the project resets approvals on push; otherwise its commit is
  unknown and a rule that wants approvals of the head does not count it;
- commit authors are GitLab usernames where a commit's author name is that of the MR's
  author or of an approver (GitLab's commit API carries names and e-mails, not users),
  so an approver who committed is recognised; others stay unnamed;
- a group's (or role's) members that the token may not read are "cannot verify"
  (absent from `teams`, the reason in `team_errors`), never "not a member".
GitLab's own approval rules (approval_state, Premium) are read to be shown, not judged.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from policygate.approvals.codeowners_gitlab import ROLES
from policygate.approvals.context import ChangedFile, Commit, PullRequestContext, Ref, Review
from policygate.gitlab.api import GitLabClient, GitLabError, message


@dataclass(frozen=True)
class DiffRefs:
    base_sha: str          # the merge base
    start_sha: str         # the target branch's head the diff was made against
    head_sha: str


@dataclass(frozen=True)
class MergeRequest:
    """The PR context plus what only GitLab's side needs (positions, forks, rules)."""
    context: PullRequestContext
    project_id: int
    source_project_id: int
    diff_refs: DiffRefs
    web_url: str
    approval_rules: tuple[str, ...] = ()      # GitLab's own rules, one line each
    current_head: str = ""                    # the MR's head now (the pipeline's may be older)

    @property
    def fork(self) -> bool:
        return self.source_project_id != self.project_id

    @property
    def moved_on(self) -> str:
        """The MR's newer head when this run judges an older commit, else ""."""
        head = self.context.head.sha
        return self.current_head if self.current_head and self.current_head != head else ""


def fetch_merge_request(client: GitLabClient, project: int | str, iid: int,
                        head_sha: str | None = None, base_sha: str | None = None
                        ) -> MergeRequest:
    """Read merge request !`iid` of `project` (id or full path). `head_sha` is the commit
    the pipeline runs for, `base_sha` the target commit it merged into (merged-results
    pipelines); None: the MR's current head and the target head of its diff."""
    action = f"reading merge request !{iid} of {project}"
    with client.errors(action):
        mr = client.project(project).mergerequests.get(iid)
        data = mr.attributes
        refs = data.get("diff_refs") or {}
        head = head_sha or data.get("sha") or refs.get("head_sha")
        files = tuple(_changed_file(d) for d in client.list(
            f"/projects/{data['project_id']}/merge_requests/{iid}/diffs"))
        commits_raw = [c.attributes for c in mr.commits(per_page=client.settings.per_page)]
        approvals = mr.approvals.get().attributes
    repository = _full_path(data, project)
    reviews = _reviews(client, mr, approvals, head, data)
    known = {data["author"]["username"]: data["author"].get("name")}
    known.update({(a.get("user") or {}).get("username"): (a.get("user") or {}).get("name")
                  for a in approvals.get("approved_by") or []})
    context = PullRequestContext(
        repository=repository, number=iid, author=data["author"]["username"],
        base=Ref(data["target_branch"], base_sha or refs.get("start_sha") or refs.get("base_sha")),
        head=Ref(data["source_branch"], head),
        labels=tuple(_label(label) for label in data.get("labels") or ()), files=files,
        commits=tuple(_commit(c, known) for c in commits_raw), reviews=reviews,
        files_truncated=_truncated(data.get("changes_count"), len(files)), platform="gitlab")
    return MergeRequest(context, data["project_id"], data.get("source_project_id",
                                                                data["project_id"]),
                        DiffRefs(refs.get("base_sha") or "", refs.get("start_sha") or "",
                                 refs.get("head_sha") or head),
                        data.get("web_url") or "", _approval_rules(client, mr),
                        data.get("sha") or refs.get("head_sha") or "")


def _full_path(data: dict[str, Any], project: int | str) -> str:
    """group/sub/project from the MR's reference `group/sub/project!7` (no request)."""
    full = ((data.get("references") or {}).get("full") or "").rpartition("!")[0]
    return full or str(project)


def _label(label: Any) -> str:
    return label["name"] if isinstance(label, dict) else str(label)


def _changed_file(diff: dict[str, Any]) -> ChangedFile:
    if diff.get("new_file"):
        return ChangedFile(diff["new_path"], "added")
    if diff.get("deleted_file"):
        return ChangedFile(diff["old_path"], "removed")
    if diff.get("renamed_file"):
        return ChangedFile(diff["new_path"], "renamed", diff["old_path"])
    if diff.get("a_mode") != diff.get("b_mode") and not diff.get("diff"):
        return ChangedFile(diff["new_path"], "changed")
    return ChangedFile(diff["new_path"], "modified")


def _truncated(changes_count: Any, listed: int) -> bool:
    """GitLab counts "1000+" when it stopped counting; fewer listed than counted is a cut."""
    text = str(changes_count or "0")
    if text.endswith("+"):
        return True
    return text.isdigit() and listed < int(text)


def _commit(commit: dict[str, Any], known: dict[str | None, str | None]) -> Commit:
    def who(name: str | None) -> str | None:
        folded = (name or "").casefold()
        return next((user for user, display in known.items()
                     if user and display and display.casefold() == folded), None)

    return Commit(commit["id"], who(commit.get("author_name")), who(commit.get("committer_name")))


def _reviews(client: GitLabClient, mr: Any, approvals: dict[str, Any], head: str,
             data: dict[str, Any]) -> tuple[Review, ...]:
    approved = [(a.get("user") or {}, a.get("approved_at")) for a in
                approvals.get("approved_by") or []]
    if not approved:
        return ()
    if all(at for _, at in approved):
        with client.errors(f"reading the diff versions of merge request !{mr.iid}"):
            versions = [v.attributes for v in mr.diffs.list(iterator=True)]
        return tuple(Review(user.get("username") or "ghost", "APPROVED",
                            _approved_commit(at, versions), _iso(at)) for user, at in approved)
    commit = head if _resets_on_push(client, data["project_id"]) else None
    return tuple(Review(user.get("username") or "ghost", "APPROVED", commit, _iso(at))
                 for user, at in approved)


def _approved_commit(approved_at: str, versions: list[dict[str, Any]]) -> str | None:
    """The head of the newest diff version pushed before the approval."""
    moment = _time(approved_at)
    pushed = sorted((_time(v["created_at"]), v["head_commit_sha"]) for v in versions
                    if v.get("created_at") and v.get("head_commit_sha"))
    before = [sha for at, sha in pushed if at <= moment]
    return before[-1] if before else None


def _resets_on_push(client: GitLabClient, project_id: int) -> bool:
    """Whether GitLab drops approvals when commits are pushed (then every approval it still
    lists is of the head). Unknown (no Premium, no permission) counts as no."""
    try:
        with client.errors("reading the project's approval settings"):
            settings = client.project(project_id).approvals.get().attributes
    except GitLabError as error:
        if error.status in (401, 403, 404):
            return False
        raise
    return bool(settings.get("reset_approvals_on_push"))


def _approval_rules(client: GitLabClient, mr: Any) -> tuple[str, ...]:
    """GitLab's own approval rules in one line each, when the API shows them (Premium)."""
    try:
        with client.errors("reading the merge request's approval rules"):
            state = mr.approval_state.get().attributes
    except GitLabError as error:
        if error.status in (401, 403, 404):
            return ()
        raise
    lines = []
    for rule in state.get("rules") or []:
        by = ", ".join((u or {}).get("username", "?") for u in rule.get("approved_by") or [])
        status = "approved" if rule.get("approved") else "pending"
        lines.append(f"{rule.get('name') or rule.get('rule_type') or 'rule'}: {status}, "
                     f"{len(rule.get('approved_by') or [])} of "
                     f"{rule.get('approvals_required', 0)} required"
                     + (f" ({by})" if by else ""))
    return tuple(lines)


def read_groups(client: GitLabClient, project_id: int, groups: Iterable[str]
                ) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Members of each GitLab group path (nested groups included) or `@@role`.

    A group's members are read with `members/all` (direct, inherited and invited: a member
    of a parent group is a member of its subgroups). A role is the project's direct members
    with exactly that role (GitLab's rule for `@@role` code owners). A 403/404 is "cannot
    verify" with the reason; other failures fail the run."""
    members: dict[str, tuple[str, ...]] = {}
    errors: dict[str, str] = {}
    for name in dict.fromkeys(groups):
        try:
            if name.startswith("@@"):
                members[name] = _role_members(client, project_id, name)
            else:
                members[name] = _group_members(client, name)
        except GitLabError as error:
            if error.status not in (403, 404):
                raise
            errors[name] = _cannot_see(error, name)
    return members, errors


def _group_members(client: GitLabClient, group: str) -> tuple[str, ...]:
    with client.errors(f"reading the members of group {group}",
                       not_found=f"group {group} not found, or the token cannot see it"):
        listed = client.gl.groups.get(group, lazy=True).members_all.list(iterator=True)
        return tuple(m.username for m in listed if _active(m))


def _role_members(client: GitLabClient, project_id: int, role: str) -> tuple[str, ...]:
    level = ROLES[role[2:]]
    with client.errors(f"reading the project's members for {role}"):
        listed = client.project(project_id).members.list(iterator=True)
        return tuple(m.username for m in listed if m.access_level == level and _active(m))


def _active(member: Any) -> bool:
    return getattr(member, "state", "active") == "active"


def _cannot_see(error: GitLabError, name: str) -> str:
    said = f"{error.status} {message(error.__cause__)}".strip()
    if error.status == 403:
        return f"{said}: the token may not read the members of {name}"
    return f"{said}: {name} does not exist, or the token cannot see it"


def resolve_owner_names(client: GitLabClient, names: Iterable[str]) -> list[str]:
    """Of CODEOWNERS names without a `/` (user or top-level group: GitLab spells both
    `@name`, and users and groups share one namespace), the ones that are groups.

    A name that is a user is left out; one that is no user is taken for a group, whose
    members read_groups then reads (or says it cannot). A lookup the token may not make
    is a group too: read_groups then reports it as "cannot verify"."""
    groups = []
    for name in dict.fromkeys(names):
        try:
            with client.errors(f"looking up code owner @{name}"):
                users = client.gl.users.list(username=name, get_all=False)
        except GitLabError as error:
            if error.status not in (403, 404):
                raise
            users = []
        if not any(getattr(user, "username", "").casefold() == name.casefold()
                   for user in users):
            groups.append(name)
    return groups


def with_groups(mr: MergeRequest, members: dict[str, tuple[str, ...]],
                errors: dict[str, str]) -> MergeRequest:
    context = dataclasses.replace(mr.context, teams=members, team_errors=errors)
    return dataclasses.replace(mr, context=context)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(text: str | None) -> str | None:
    if not text:
        return None
    from datetime import timezone

    return _time(text).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
