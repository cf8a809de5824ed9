"""One approvals evaluation: trusted config and CODEOWNERS from the base, facts from the PR."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from policygate.approvals.codeowners import LOCATIONS, CodeOwners, find_codeowners
from policygate.approvals.codeowners_gitlab import LOCATIONS as GITLAB_LOCATIONS
from policygate.approvals.codeowners_gitlab import GitLabCodeOwners
from policygate.approvals.context import PullRequestContext
from policygate.approvals.evaluate import ApprovalResult, evaluate
from policygate.approvals.facts import ChangeFacts
from policygate.approvals.report import approval_findings
from policygate.approvals.rules import ApprovalConfig, approval_config
from policygate.approvals.touched import touched_resources
from policygate.sources.changes import ChangeSet
from policygate.config import CONFIG_NAME, Config, ConfigError, parse_config, policy_paths
from policygate.globs import match_any
from policygate.model import Finding, Location, ResourceId, Severity
from policygate.trusted import BaseReader


HeadReader = Callable[[str], "bytes | None"]


@dataclass(slots=True)
class ApprovalRun:
    config: Config
    approvals: ApprovalConfig | None
    result: ApprovalResult | None
    findings: list[Finding] = field(default_factory=list)


def trusted_config(reader: BaseReader) -> Config:
    """The config as of the base commit; a missing file means the defaults."""
    raw = reader.read(CONFIG_NAME)
    if raw is None:
        return Config()
    try:
        return parse_config(raw, CONFIG_NAME)
    except ConfigError as error:
        raise ConfigError(f"{error} (in the base commit {reader.commit[:12]})") from None


def gate_patterns(config: Config, approvals: ApprovalConfig | None, platform: str = "github"
                  ) -> tuple[str, ...]:
    """Files that define the gate: changing them changes what every PR is judged by.
    (A directory pattern covers everything below it.)"""
    locations = GITLAB_LOCATIONS if platform == "gitlab" else LOCATIONS
    anchored = (CONFIG_NAME,) + locations + policy_paths(config)
    extra = approvals.gate_files if approvals else ()
    return tuple(f"/{path.strip('/')}" for path in anchored) + extra


def _section_summary(base: bytes | None, head: bytes | None) -> str:
    """Which top-level config sections a PR changes (best effort, never fatal)."""
    if base is None or head is None:
        return ""
    try:
        old, new = parse_config(base, CONFIG_NAME), parse_config(head, CONFIG_NAME)
    except ConfigError as error:
        return f"; the new config is invalid: {error}"
    keys = ("rules", "pss", "paths", "exceptions") + tuple(set(old.sections) | set(new.sections))
    changed = sorted(k for k in set(keys) if _section(old, k) != _section(new, k))
    return f"; changes {', '.join(changed)}" if changed else ""


def _section(config: Config, key: str) -> object:
    document = config.document
    data = document.data if document is not None else {}
    return data.get(key) if isinstance(data, dict) else None


def policy_changed_findings(pr: PullRequestContext, patterns: tuple[str, ...],
                            reader: BaseReader, head_read: HeadReader | None = None) -> list[Finding]:
    findings = []
    for changed in pr.files:
        names = [changed.path] + ([changed.previous_path] if changed.previous_path else [])
        if not any(match_any(patterns, name) for name in names):
            continue
        summary = ""
        if changed.path == CONFIG_NAME and head_read is not None:
            summary = _section_summary(reader.read(CONFIG_NAME), head_read(CONFIG_NAME))
        findings.append(Finding(
            "approval/policy-changed", Severity.WARNING,
            f"this pull request changes the gate itself ({changed.path}, {changed.status}"
            f"{summary}); it is still judged by the base commit's version", changed.path,
            Location(1, 1, 1), source="approvals"))
    return findings


def codeowners_findings(codeowners: CodeOwners | GitLabCodeOwners | None) -> list[Finding]:
    if codeowners is None:
        return []
    return [Finding("approval/invalid-codeowners", Severity.WARNING,
                    f"{codeowners.INVALID}{problem.reason}", codeowners.path,
                    Location(problem.line, 1, problem.line), source="approvals")
            for problem in codeowners.invalid]


def _rendered_touched(root: Path, config: Config, pr: PullRequestContext,
                      changes: ChangeSet | None) -> tuple[ResourceId, ...]:
    """Objects the PR changes through kustomize overlays and charts (an overlay that
    drops a resource deletes it from the cluster)."""
    from policygate.render.diffmode import rendered_touched
    from policygate.sources import GitError
    from policygate.sources.changes import range_changes
    from policygate.sources.git import Git

    try:
        changes = changes or range_changes(Git(root), f"{pr.base.sha}...{pr.head.sha}", [])
    except GitError:
        return ()
    return rendered_touched(root, config, changes)


def run_approvals(pr: PullRequestContext, reader: BaseReader, root: Path | None,
                  config: Config, head_read: HeadReader | None = None,
                  changes: ChangeSet | None = None,
                  rendered: Callable[[], tuple[ResourceId, ...]] | None = None) -> ApprovalRun:
    """Evaluate the PR against `config` (the trusted one); `changes` is the run's diff of
    the PR's commits when it already has one, `rendered` the objects its renders of that
    diff add, change or remove (rendered here when not given)."""
    approvals = approval_config(config)
    codeowners = find_codeowners(reader.read, pr.platform)
    findings = policy_changed_findings(pr, gate_patterns(config, approvals, pr.platform), reader,
                                       head_read)
    findings += codeowners_findings(codeowners)
    if approvals is None:
        return ApprovalRun(config, None, None, findings)
    resources = touched_resources(root, pr.base.sha, pr.head.sha, changes) \
        if root is not None else None
    if resources is not None and root is not None:
        resources += rendered() if rendered is not None else \
            _rendered_touched(root, config, pr, changes)
    facts = ChangeFacts(pr, resources, any(f.rule == "approval/policy-changed" for f in findings),
                        codeowners, approvals.teams)
    result = evaluate(approvals, facts)
    findings += approval_findings(result, approvals)
    return ApprovalRun(config, approvals, result, findings)
