"""Build approval inputs from short dicts: a PR context and an approvals config."""
from __future__ import annotations

from typing import Any

import yaml

from policygate.approvals.codeowners import parse_codeowners
from policygate.approvals.codeowners_gitlab import parse_gitlab_codeowners
from policygate.approvals.context import context_from_json
from policygate.approvals.evaluate import ApprovalResult, evaluate
from policygate.approvals.facts import ChangeFacts
from policygate.approvals.rules import approval_config
from policygate.config import parse_config
from policygate.model import ResourceId
from policygate.suppress.introduced import AddedSuppression

HEAD = "a" * 40
OLD = "b" * 40
BASE = "c" * 40


def pr(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "repository": "acme/gitops", "number": 42, "author": "dave",
        "base": {"ref": "main", "sha": BASE}, "head": {"ref": "feat", "sha": HEAD},
        "labels": [], "files": [{"path": "deploy/prod/web.yaml", "status": "modified"}],
        "commits": [{"sha": HEAD, "author": "dave", "committer": "dave"}],
        "reviews": [], "teams": {}}
    data.update(overrides)
    return data


def approved(user: str, commit: str = HEAD, at: str = "2026-11-20T10:00:00Z",
             state: str = "APPROVED") -> dict[str, Any]:
    return {"user": user, "state": state, "commit_id": commit, "submitted_at": at}


def judge(approvals: dict[str, Any], context: dict[str, Any], codeowners: str | None = None,
          resources: tuple[ResourceId, ...] | None = (), policy_changed: bool = False,
          added_suppressions: tuple[AddedSuppression, ...] | None = None) -> ApprovalResult:
    """Judge `context` (its `platform` decides how `codeowners` is read)."""
    config = parse_config(yaml.safe_dump({"approvals": approvals}).encode(), ".policygate.yaml")
    parsed = approval_config(config)
    assert parsed is not None
    if context.get("platform") == "gitlab":
        owners = parse_gitlab_codeowners(codeowners, "CODEOWNERS") if codeowners else None
    else:
        owners = parse_codeowners(codeowners, ".github/CODEOWNERS") if codeowners else None
    facts = ChangeFacts(context_from_json(context), resources, policy_changed, owners,
                        parsed.teams, added_suppressions)
    return evaluate(parsed, facts)


def statuses(result: ApprovalResult) -> dict[str, str]:
    return {name: rule.status for name, rule in result.rules.items()}
