"""`spec.enforcementAction` -> the severity of a finding at commit time.

The cluster rejects on `deny`, lets through with a warning on `warn` and only records on
`dryrun`; the gate says the same with error, warning and note. With `scoped`, the
actions listed for the admission webhook (`validation.gatekeeper.sh`), for gator
(`gator.gatekeeper.sh`) or for every point (`*`) apply — policygate stands in for
those — and the strictest wins; a constraint scoped to audit only is not a commit-time
check at all.
"""
from __future__ import annotations

from typing import Any

from policygate.model import FieldPath, Severity

ACTIONS = ("deny", "warn", "dryrun")
COMMIT_POINTS = ("validation.gatekeeper.sh", "gator.gatekeeper.sh", "*")
SEVERITIES = {"deny": Severity.ERROR, "warn": Severity.WARNING, "dryrun": Severity.NOTE}


class EnforcementError(ValueError):
    def __init__(self, path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.path = path


def commit_action(spec: dict[str, Any]) -> tuple[str, str | None]:
    """(the declared action, the action at commit time or None when not enforced here)."""
    declared = spec.get("enforcementAction") or "deny"
    if declared in ACTIONS:
        return declared, declared
    if declared != "scoped":
        raise EnforcementError(("enforcementAction",),
                               f"enforcementAction {declared!r} is not one of "
                               f"{', '.join(ACTIONS)}, scoped")
    entries = spec.get("scopedEnforcementActions")
    if not isinstance(entries, list) or not entries:
        raise EnforcementError(("scopedEnforcementActions",),
                               "enforcementAction scoped needs scopedEnforcementActions")
    chosen: str | None = None
    for index, entry in enumerate(entries):
        where: FieldPath = ("scopedEnforcementActions", index)
        action = entry.get("action") if isinstance(entry, dict) else None
        if action not in ACTIONS:
            raise EnforcementError(where + ("action",), f"action {action!r} is not one of "
                                                        f"{', '.join(ACTIONS)}")
        points = entry.get("enforcementPoints") or []
        if not isinstance(points, list):
            raise EnforcementError(where + ("enforcementPoints",),
                                   "enforcementPoints must be a list of {name: ...}")
        names = {p.get("name") for p in points if isinstance(p, dict)}
        if names & set(COMMIT_POINTS) and (
                chosen is None or SEVERITIES[action] > SEVERITIES[chosen]):
            chosen = action
    return declared, chosen
