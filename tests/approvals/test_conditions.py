"""Each `if:` condition of an approval rule: when it holds, when it does not, and the reason
the rule tree prints for it (the developer reads it to learn why a rule applies)."""
from __future__ import annotations

import pytest

from policygate.model import ResourceId
from policygate.suppress.introduced import AddedSuppression
from tests.approvals.cases import judge, pr

WEB = ResourceId("apps/v1", "Deployment", "shop", "web")
FILES = [{"path": p, "status": "modified"} for p in
         ("deploy/prod/web.yaml", "deploy/prod/api.yaml", "deploy/prod/db.yaml")]


def _added(pattern: str, resource: ResourceId | None = WEB) -> AddedSuppression:
    return AddedSuppression(pattern, resource, "deploy/prod/web.yaml", 9, "comment", "why")


def rule(conditions: dict, context: dict | None = None, **facts) -> tuple[str, str]:
    result = judge({"rules": [{"name": "r", "if": conditions, "requires": {"count": 0}}]},
                   context or pr(), **facts)
    return result.rules["r"].status, result.rules["r"].reason


APPROVED = "; approved by no approval needed"


@pytest.mark.parametrize("conditions, context, facts, expected", [
    ({"changed_files": ["deploy/prod/**"]}, None, {},
     ("approved", "changes deploy/prod/web.yaml" + APPROVED)),
    ({"changed_files": ["deploy/prod/**"]}, pr(files=FILES), {},
     ("approved", "changes deploy/prod/web.yaml and 2 more" + APPROVED)),
    ({"changed_files": ["deploy/prod/**"]}, pr(files=FILES[:2]), {},
     ("approved", "changes deploy/prod/web.yaml and 1 more" + APPROVED)),
    ({"changed_files": ["docs/**", "README*"]}, None, {},
     ("skipped", "changes no file matching docs/**, README*")),
    ({"only_changed_files": ["deploy/**", "docs/**"]}, pr(files=FILES), {},
     ("approved", "changes only files matching deploy/**, docs/**" + APPROVED)),
    ({"only_changed_files": ["deploy/prod/web.yaml"]}, pr(files=FILES), {},
     ("skipped", "also changes deploy/prod/api.yaml")),
    ({"only_changed_files": ["docs/**"]}, pr(files=[]), {}, ("skipped", "changes no files")),
    ({"targets_branch": ["release/*", "ma?n"]}, None, {},
     ("approved", "targets main" + APPROVED)),
    ({"targets_branch": ["release/*", "prod"]}, None, {},
     ("skipped", "targets main, not release/*, prod")),
    ({"has_labels": ["prod", "urgent"]}, pr(labels=["x", "urgent"]), {},
     ("approved", "has label urgent" + APPROVED)),
    ({"has_labels": ["prod", "urgent"]}, pr(labels=["x"]), {},
     ("skipped", "has none of the labels prod, urgent")),
    ({"has_author_in": {"users": ["erin", "dave"]}}, None, {},
     ("approved", "author dave is in erin, dave" + APPROVED)),
    ({"has_author_in": {"users": ["erin"], "teams": ["acme/platform"]}},
     pr(teams={"acme/platform": ["alice"]}), {},
     ("skipped", "author dave is not in erin, acme/platform")),
    ({"has_author_in": {"teams": ["acme/known", "acme/ops", "acme/sre"]}},
     pr(teams={"acme/known": ["alice"]}), {},
     ("error", "cannot verify membership of acme/ops — give the action a token with Members: "
               "read, or list the team under `approvals.teams`")),
    ({"changed_resources": {"kinds": ["Deployment"], "namespaces": ["sh*"]}}, None,
     {"resources": (ResourceId("v1", "Pod", "shop", "p"), WEB)},
     ("approved", "touches Deployment/shop/web" + APPROVED)),
    ({"changed_resources": {"namespaces": ["prod-*"]}}, None,
     {"resources": (ResourceId("v1", "Namespace", None, "prod-a"), WEB)},
     ("skipped", "touches no resource matching prod-*")),
    ({"changed_resources": {"kinds": ["Deployment", "Pod"], "namespaces": ["prod-*"]}}, None,
     {"resources": (WEB,)}, ("skipped", "touches no resource matching Deployment, Pod, prod-*")),
    ({"changed_resources": {"kinds": ["Deployment"]}}, None, {"resources": None},
     ("error", "the resources this change touches are unknown (the head commit is not "
               "available locally): fetch it or check out the pull request")),
    ({"policy_changed": True}, None, {"policy_changed": True},
     ("approved", "changes the gate's own config or policies" + APPROVED)),
    ({"policy_changed": True}, None, {},
     ("skipped", "leaves the gate's own config and policies alone")),
    ({"policy_changed": False}, None, {},
     ("approved", "leaves the gate's own config and policies alone" + APPROVED)),
    ({"adds_suppressions": True}, None,
     {"added_suppressions": (_added("pss/privileged"), _added("pss", None), _added("image"))},
     ("approved", "adds a suppression of pss/privileged in Deployment/shop/web and 2 more"
      + APPROVED)),
    ({"adds_suppressions": True}, None,
     {"added_suppressions": (_added("image"), _added("pss", None))},
     ("approved", "adds a suppression of image in Deployment/shop/web and 1 more" + APPROVED)),
    ({"adds_suppressions": {"rules": ["pss/host-ports", "image"]}}, None,
     {"added_suppressions": (_added("pss/privileged"), _added("pss", None))},
     ("approved", "adds a suppression of pss in deploy/prod/web.yaml" + APPROVED)),
    ({"adds_suppressions": {"rules": ["image", "pss/host-ports"]}}, None,
     {"added_suppressions": (_added("pss/privileged"), _added("pss/host-ports"))},
     ("approved", "adds a suppression of pss/host-ports in Deployment/shop/web" + APPROVED)),
    ({"adds_suppressions": {"rules": ["image", "pss/host-ports"]}}, None,
     {"added_suppressions": (_added("pss/privileged"),)},
     ("skipped", "adds no suppression of image, pss/host-ports")),
    ({"adds_suppressions": True}, None, {"added_suppressions": ()},
     ("skipped", "adds no suppression")),
    ({"adds_suppressions": True}, None, {},
     ("error", "which suppressions the change adds is unknown (its commits are not available "
               "locally): fetch them or check out the pull request")),
    ({"changed_files": ["deploy/**"], "targets_branch": ["main"], "has_labels": ["prod"]},
     pr(labels=["prod"]), {},
     ("approved", "changes deploy/prod/web.yaml; targets main; has label prod" + APPROVED)),
    ({"changed_files": ["deploy/**"], "targets_branch": ["prod"], "has_labels": ["x"]},
     None, {}, ("skipped", "targets main, not prod")),
])
def test_condition_holds_or_not_with_its_reason(conditions, context, facts, expected):
    assert rule(conditions, context, **facts) == expected


def test_a_rule_without_conditions_always_applies():
    result = judge({"rules": [{"name": "r", "requires": {"count": 0}}]}, pr())
    assert result.rules["r"].reason == "always applies" + APPROVED
