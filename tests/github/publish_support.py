"""A pull request that exists twice, consistently: as a real git repository (the run's
own diff, ChangeSet) and in the fake GitHub (the diff GitHub checks comments against).

Both diffs come from the same before/after texts, so a test of the publishers sees what
production sees: policygate computing lines from its clone, GitHub judging them with
its own hunks.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policygate.approvals.context import PullRequestContext, Ref
from policygate.review.diffmap import DiffIndex
from policygate.review.headfiles import ChangeSetReader
from policygate.model import Finding, Location, ResourceId, Severity
from policygate.sources.changes import ChangeSet, load_sources, range_changes
from policygate.sources.git import Git
from tests.sources.gitrepo import Repo

REPO = "acme/gitops"
NUMBER = 42
POD = ResourceId("apps/v1", "Deployment", "shop", "web")


@dataclass
class PullRequestFixture:
    pull: object                      # fake_state.PullRequest
    pr: PullRequestContext
    changes: ChangeSet
    root: Path

    @property
    def diff(self) -> DiffIndex:
        return DiffIndex.from_changes(self.changes)

    @property
    def head(self) -> ChangeSetReader:
        return ChangeSetReader(self.changes, self.root)


def make_pr(hub, root: Path, before: dict[str, str], after: dict[str, str | None], *,
            author: str = "dave") -> PullRequestFixture:
    """Commit `before` on main and `after` (None deletes) on a branch; the same PR on the
    fake GitHub with the same SHAs and patches."""
    repo = Repo(root)
    base = repo.commit(dict(before) or {"README.md": "gitops\n"}, "base")
    repo.git("checkout", "-q", "-b", "feature")
    for path, text in after.items():
        if text is None:
            repo.git("rm", "-q", path)
    head = repo.commit({p: t for p, t in after.items() if t is not None}, "change")
    pull = hub.add_pull(REPO, NUMBER, author=author, base=("main", base),
                        head=("feature", head))
    for path, text in after.items():
        pull.add_file(path, before=before.get(path), after=text)
    git = Git(root)
    changes = load_sources(git, range_changes(git, f"{base}...{head}", []))
    pr = PullRequestContext(REPO, NUMBER, author, Ref("main", base), Ref("feature", head))
    return PullRequestFixture(pull, pr, changes, root)


def plain_pr(hub, head: str = "ab" * 20, author: str = "dave") -> PullRequestContext:
    """A pull request on the fake GitHub only, for publishers that need no diff."""
    pull = hub.add_pull(REPO, NUMBER, author=author, head=("feature", head))
    return PullRequestContext(REPO, NUMBER, author, Ref("main", pull.base_sha),
                              Ref("feature", head))


def finding(line: int | None, *, end: int | None = None, file: str = "deploy/web.yaml",
            rule: str = "pss/privileged", severity: Severity = Severity.ERROR,
            message: str | None = None, path: tuple = (), fix: str | None = None,
            column: int = 1, resource: ResourceId | None = POD,
            source: str = "builtin") -> Finding:
    """A finding; its fingerprint differs per rule, path and resource (baseline.py)."""
    location = None if line is None else Location(line, column, end or line)
    return Finding(rule, severity, message or f"problem at line {line}", file, location,
                   resource, path or ("spec", f"line{line}"), source, fix)


def lines(count: int, prefix: str = "key") -> str:
    return "".join(f"{prefix}{index}: {index}\n" for index in range(1, count + 1))
