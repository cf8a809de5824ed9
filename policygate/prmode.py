"""Pull-request mode: the PR's facts plus the gate as defined at the base commit.

Shared by `policygate approvals`, `policygate check --pr-context` and `policygate pr`,
so every entry point reads the config, approval rules and CODEOWNERS from the trusted
base and never from the PR head.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from policygate.approvals.codeowners import find_codeowners
from policygate.approvals.context import PullRequestContext
from policygate.approvals.rules import ApprovalConfig, approval_config
from policygate.approvals.run import trusted_config
from policygate.config import Config
from policygate.sources.git import Git
from policygate.trusted import BaseInputs, BaseReader, GitBaseReader, repo_path


@dataclass(slots=True)
class PullRequestSetup:
    pr: PullRequestContext
    reader: BaseReader
    config: Config
    root: Path | None
    # The PR head, for describing what a PR changes — never for deciding anything.
    head: BaseReader | None = None

    def read_head(self, path: str) -> bytes | None:
        return self.head.read(path) if self.head is not None else None


def ensure_commits(root: Path | None, pr: PullRequestContext) -> None:
    """Fetch the PR's base and head commits when the clone lacks them (CI checkouts are
    shallow), as git objects only: nothing from the PR is checked out or run. Best effort:
    what is still missing is reported by whoever needs it, with the command to run."""
    if root is None:
        return
    git = Git(root)
    for commit in (pr.base.sha, pr.head.sha):
        if git.commit(commit) is None:
            git.run("fetch", "--no-tags", "--quiet", "origin", commit, check=False)


def commit_reader(root: Path | None, pr: PullRequestContext, commit: str,
                  client: object = None) -> BaseReader | None:
    """Files at a commit: from the clone when it has the commit, else through GitHub's
    contents API when a client is at hand, else None."""
    if root is not None and Git(root).commit(commit) is not None:
        return GitBaseReader(root, commit)
    if client is not None:
        from policygate.github.contents import GitHubBaseReader

        return GitHubBaseReader(client, pr.repository, commit)  # type: ignore[arg-type]
    return None


def base_reader(root: Path | None, pr: PullRequestContext, client: object = None) -> BaseReader:
    reader = commit_reader(root, pr, pr.base.sha, client)
    if reader is not None:
        return reader
    if root is not None:
        return GitBaseReader(root, pr.base.sha)  # raises the "fetch it" error
    from policygate.sources import GitError

    raise GitError("--pr-context needs a git repository holding the base commit "
                   f"{pr.base.sha[:12]}: run it inside a clone of {pr.repository}")


def approval_teams(approvals: ApprovalConfig) -> list[str]:
    """Teams the approval rules name (approvers, author conditions, disapproval)."""
    teams = list(approvals.disapproval.teams)
    for rule in approvals.rules.values():
        teams += rule.requires.approvers.teams
        if rule.conditions.has_author_in is not None:
            teams += rule.conditions.has_author_in.teams
    return teams


def referenced_teams(config: Config, reader: BaseReader) -> list[str]:
    """Teams whose membership the approval rules (or CODEOWNERS) may need."""
    approvals = approval_config(config)
    if approvals is None:
        return []
    teams = approval_teams(approvals)
    codeowners = find_codeowners(reader.read)
    if codeowners is not None and any(r.requires.codeowners for r in approvals.rules.values()):
        teams += [o for line in codeowners.lines for o in line.owners if "/" in o and "@" not in o]
    return [t for t in dict.fromkeys(teams) if t not in approvals.teams]


def named_config(config_file: str | None, reader: BaseReader, head: BaseReader | None,
                 root: Path | None) -> Config:
    """The config a pull-request run is judged by: `.policygate.yaml`, or the file named
    with `--config` (the Action's `config:` input), read from the base commit. Only a file
    outside the repository — on the runner, out of any pull request's reach — is read
    from disk."""
    if config_file is None:
        return trusted_config(reader)
    path = repo_path(config_file, root)
    if path is None:
        from policygate.config import load_config

        return load_config(Path(config_file), config_file)
    raw = BaseInputs(reader, head, root).read("--config", path)
    return trusted_config(reader, path, raw)


def setup_from_context(pr: PullRequestContext, root: Path | None,
                       config_file: str | None = None) -> PullRequestSetup:
    ensure_commits(root, pr)
    reader = base_reader(root, pr)
    head = commit_reader(root, pr, pr.head.sha)
    return PullRequestSetup(pr, reader, named_config(config_file, reader, head, root), root, head)


def setup_from_github(client: object, repository: str, number: int, root: Path | None,
                      config_file: str | None = None) -> PullRequestSetup:
    from policygate.github.facts import fetch_pr_context, read_teams

    pr = fetch_pr_context(client, repository, number)  # type: ignore[arg-type]
    ensure_commits(root, pr)
    reader = base_reader(root, pr, client)
    head = commit_reader(root, pr, pr.head.sha, client)
    config = named_config(config_file, reader, head, root)
    teams, errors = read_teams(client, referenced_teams(config, reader))  # type: ignore[arg-type]
    pr = dataclasses.replace(pr, teams=teams, team_errors=errors)
    return PullRequestSetup(pr, reader, config, root, head)
