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
from policygate.config import (
    CONFIG_NAME, Config, ConfigError, normalize_path, parse_config, policy_paths)
from policygate.globs import match_any
from policygate.model import Finding, Location, ResourceId, Severity
from policygate.suppress.introduced import Introduced, introduced_in
from policygate.trusted import BaseReader


HeadReader = Callable[[str], "bytes | None"]


@dataclass(slots=True)
class ApprovalRun:
    config: Config
    approvals: ApprovalConfig | None
    result: ApprovalResult | None
    findings: list[Finding] = field(default_factory=list)
    introduced: Introduced | None = None   # when a rule asked which suppressions are added


# Files that decide how every pull request is checked, besides the config's own: the
# pipelines that run the gate (a PR could set `fail-on: never` or post its own check run
# or status), the pre-commit hook definition, and local actions (`uses: ./`, such as this
# project's own action.yml).
DEFAULT_GATE_FILES = (".github/workflows", ".github/actions", "action.yml", "action.yaml",
                      ".gitlab-ci.yml", ".gitlab/ci", ".pre-commit-config.yaml")


def trusted_config(reader: BaseReader, path: str = CONFIG_NAME,
                   raw: bytes | None = None) -> Config:
    """The config as of the base commit; a missing `.policygate.yaml` means the defaults."""
    raw = reader.read(path) if raw is None else raw
    if raw is None:
        return Config()
    try:
        return parse_config(raw, path)
    except ConfigError as error:
        raise ConfigError(f"{error} (in the base commit {reader.commit[:12]})") from None


def gate_patterns(config: Config, approvals: ApprovalConfig | None, platform: str = "github",
                  inputs: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Files that define the gate: changing them changes what every PR is judged by.
    (A directory pattern covers everything below it.) `inputs` are the repository paths
    the run read its policy from (--policy, --data, --gatekeeper, --baseline)."""
    locations = GITLAB_LOCATIONS if platform == "gitlab" else LOCATIONS
    anchored = (CONFIG_NAME, config.path or CONFIG_NAME) + locations + DEFAULT_GATE_FILES + \
        policy_paths(config) + inputs
    extra = approvals.gate_files if approvals else ()
    return tuple(dict.fromkeys(f"/{normalize_path(path).strip('/')}" for path in anchored)) + extra


def _section_summary(base: bytes | None, head: bytes | None, path: str) -> str:
    """Which top-level config sections a PR changes (best effort, never fatal)."""
    if base is None or head is None:
        return ""
    try:
        old, new = parse_config(base, path), parse_config(head, path)
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
                            reader: BaseReader, head_read: HeadReader | None = None,
                            config_path: str = CONFIG_NAME) -> list[Finding]:
    findings = []
    for changed in pr.files:
        names = [changed.path] + ([changed.previous_path] if changed.previous_path else [])
        if not any(match_any(patterns, name) for name in names):
            continue
        summary = ""
        if changed.path == config_path and head_read is not None:
            summary = _section_summary(reader.read(config_path), head_read(config_path),
                                       config_path)
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
                  rendered: Callable[[], tuple[ResourceId, ...]] | None = None,
                  inputs: tuple[str, ...] = ()) -> ApprovalRun:
    """Evaluate the PR against `config` (the trusted one); `changes` is the run's diff of
    the PR's commits when it already has one, `rendered` the objects its renders of that
    diff add, change or remove (rendered here when not given); `inputs` are the other gate
    files the run read (see gate_patterns)."""
    approvals = approval_config(config)
    codeowners = find_codeowners(reader.read, pr.platform)
    findings = policy_changed_findings(pr, gate_patterns(config, approvals, pr.platform, inputs),
                                       reader, head_read, config.path or CONFIG_NAME)
    findings += codeowners_findings(codeowners)
    if approvals is None:
        return ApprovalRun(config, None, None, findings)
    resources = touched_resources(root, pr.base.sha, pr.head.sha, changes) \
        if root is not None else None
    if resources is not None and root is not None:
        resources += rendered() if rendered is not None else \
            _rendered_touched(root, config, pr, changes)
    introduced = None
    if root is not None and any(rule.conditions.adds_suppressions is not None
                                for rule in approvals.rules.values()):
        introduced = introduced_in(root, pr.base.sha, pr.head.sha, changes, config.include,
                                   config.exclude)
    facts = ChangeFacts(pr, resources, any(f.rule == "approval/policy-changed" for f in findings),
                        codeowners, approvals.teams,
                        introduced.added if introduced is not None else None)
    result = evaluate(approvals, facts)
    findings += approval_findings(result, approvals)
    return ApprovalRun(config, approvals, result, findings, introduced)
