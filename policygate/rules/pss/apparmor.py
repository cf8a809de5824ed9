"""Baseline: AppArmor must not be disabled or replaced by an arbitrary profile."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import CONFINED_PROFILE_TYPES, setters, show

ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def _allowed_annotation(value: object) -> bool:
    # A null annotation value decodes to "" (allowed), like the API server's map[string]string.
    if value is None:
        return True
    return isinstance(value, str) and (
        value in ("", "runtime/default") or value.startswith("localhost/"))


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    # The appArmorProfile fields arrived in place (1.30 binary, policy variant 1.0), so
    # they are checked at every pinned version, like the annotations.
    for setter in setters(pod):
        profile = setter.context.get("appArmorProfile")
        if not isinstance(profile, dict):
            continue
        kind = profile.get("type")
        if isinstance(kind, str) and kind in CONFINED_PROFILE_TYPES:
            continue
        # No precedence: a bad pod-level type is reported even if every container overrides it;
        # a profile without a type (empty type) is forbidden too.
        yield Violation(
            f"{setter.who} sets securityContext.appArmorProfile.type to "
            f"{show(kind if kind is not None else '')}: use RuntimeDefault or Localhost",
            setter.field_path("appArmorProfile", "type"),
            fix="type: RuntimeDefault")
    for key, value in pod.annotations.items():
        if not isinstance(key, str) or not key.startswith(ANNOTATION_PREFIX):
            continue
        if _allowed_annotation(value):
            continue
        yield Violation(
            f"pod annotation {show(key)} sets AppArmor profile {show(value)}: use "
            f"\"runtime/default\" or \"localhost/<profile>\" (or securityContext."
            f"appArmorProfile.type: RuntimeDefault and remove the annotation)",
            pod.metadata_path + ("annotations", key))


RULE = Rule(
    id="pss/apparmor",
    summary="apparmor must not be disabled or overridden with an unconfined profile",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="AppArmor confines what a container may do on the node; an Unconfined "
                  "profile turns that off. Pod Security Standards, baseline: AppArmor — "
                  "securityContext.appArmorProfile.type (pod and every container) must be "
                  "unset, RuntimeDefault or Localhost, and every pod annotation "
                  "container.apparmor.security.beta.kubernetes.io/<name> must be empty, "
                  "runtime/default or localhost/<profile>.",
        bad="securityContext:\n  appArmorProfile:\n    type: Unconfined\n"
            "# or, in the pod template's metadata:\n"
            "annotations:\n  container.apparmor.security.beta.kubernetes.io/web: unconfined",
        good="securityContext:\n  appArmorProfile:\n    type: RuntimeDefault",
        fix="Set appArmorProfile.type to RuntimeDefault (or Localhost with a profile loaded "
            "on the nodes), and drop unconfined AppArmor annotations.",
    ),
)
