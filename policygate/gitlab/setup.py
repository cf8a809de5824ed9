"""Merge-request mode: the MR's facts from GitLab plus the gate as defined at the target.

Like prmode.setup_from_github: the config, policies, approval rules and CODEOWNERS come
from the target commit (the clone's copy when it has it, else GitLab's API), the change
is the MR's commits (data, never run), and the groups the rules need are read from
GitLab three-valued.
"""
from __future__ import annotations

from pathlib import Path

from policygate.approvals.codeowners import find_codeowners
from policygate.approvals.context import PullRequestContext
from policygate.approvals.rules import approval_config
from policygate.config import Config
from policygate.gitlab.api import GitLabClient
from policygate.gitlab.facts import (MergeRequest, fetch_merge_request, read_groups,
                                     resolve_owner_names, with_groups)
from policygate.prmode import PullRequestSetup, approval_teams, ensure_commits, named_config
from policygate.sources.git import Git
from policygate.trusted import BaseReader, GitBaseReader


def setup_from_gitlab(client: GitLabClient, project: int | str, iid: int, root: Path | None,
                      config_file: str | None = None, head_sha: str | None = None,
                      base_sha: str | None = None) -> tuple[PullRequestSetup, MergeRequest]:
    """`config_file` (`--config`) is read from the target commit like the default config
    (prmode.named_config)."""
    mr = fetch_merge_request(client, project, iid, head_sha, base_sha)
    pr = mr.context
    ensure_commits(root, pr)
    reader = commit_reader(client, root, mr.project_id, pr.base.sha)
    head = commit_reader(client, root, mr.source_project_id, pr.head.sha)
    config = named_config(config_file, reader, head, root)
    groups = referenced_groups(client, config, reader, pr)
    mr = with_groups(mr, *read_groups(client, mr.project_id, groups))
    return PullRequestSetup(mr.context, reader, config, root, head), mr


def commit_reader(client: GitLabClient, root: Path | None, project_id: int, commit: str
                  ) -> BaseReader:
    """Files at a commit: from the clone when it has it, else through GitLab's API."""
    if root is not None and Git(root).commit(commit) is not None:
        return GitBaseReader(root, commit)
    from policygate.gitlab.contents import GitLabBaseReader

    return GitLabBaseReader(client, project_id, commit)


def referenced_groups(client: GitLabClient, config: Config, reader: BaseReader,
                      pr: PullRequestContext) -> list[str]:
    """Groups and roles whose members the approval rules may need: the ones the rules name,
    and the owners of the CODEOWNERS entries the MR's files fall under (a bare `@name` is
    asked about: users and groups look alike)."""
    approvals = approval_config(config)
    if approvals is None:
        return []
    groups = approval_teams(approvals)
    codeowners = find_codeowners(reader.read, "gitlab")
    if codeowners is not None and not pr.files_truncated and \
            any(rule.requires.codeowners for rule in approvals.rules.values()):
        owners = [o for r in codeowners.requirements(f.path for f in pr.files) for o in r.owners]
        groups += [o for o in owners if "/" in o or o.startswith("@@")]
        groups += resolve_owner_names(client, [o for o in owners if "/" not in o and "@" not in o
                                               and o not in approvals.teams])
    return [g for g in dict.fromkeys(groups) if g not in approvals.teams]
