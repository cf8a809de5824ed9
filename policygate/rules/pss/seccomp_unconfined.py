"""Baseline: seccomp must not be turned off."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import CONFINED_PROFILE_TYPES, setters, show, windows_exempt

POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"


def valid_profile_type(value: object) -> bool:
    return isinstance(value, str) and value in CONFINED_PROFILE_TYPES


def _fields(pod: PodSpec) -> Iterator[Violation]:
    # v1.19+: the securityContext fields; annotations are ignored. No precedence: a bad
    # pod-level type is reported even when every container sets a valid one.
    for setter in setters(pod):
        profile = setter.context.get("seccompProfile")
        if not isinstance(profile, dict):  # unset (or null): pss/seccomp-required's concern
            continue
        kind = profile.get("type")
        if valid_profile_type(kind):
            continue
        yield Violation(
            f"{setter.who} sets securityContext.seccompProfile.type to "
            f"{show(kind if kind is not None else '')}: use RuntimeDefault or Localhost",
            setter.field_path("seccompProfile", "type"),
            fix="type: RuntimeDefault")


def _allowed_annotation(value: object) -> bool:
    # Present with an empty (or null) value is forbidden; only absence is allowed.
    return isinstance(value, str) and (
        value in ("runtime/default", "docker/default") or value.startswith("localhost/"))


def _annotations(pod: PodSpec) -> Iterator[Violation]:
    # Before v1.19: the alpha annotations, the pod one and one per container that exists
    # in the pod (annotations naming no container are not checked).
    names = set()
    for container in pod.containers():
        name = container.data.get("name")
        names.add(name if isinstance(name, str) else "")
    for key, value in pod.annotations.items():
        if not isinstance(key, str):
            continue
        if key != POD_ANNOTATION and not (key.startswith(CONTAINER_ANNOTATION_PREFIX)
                                          and key[len(CONTAINER_ANNOTATION_PREFIX):] in names):
            continue
        if _allowed_annotation(value):
            continue
        yield Violation(
            f"pod annotation {show(key)} sets seccomp profile {show(value)}: use "
            f"\"runtime/default\" or \"localhost/<profile>\"",
            pod.metadata_path + ("annotations", key))


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    # When restricted is enforced, the admission controller replaces this check by
    # seccompProfile_restricted, which from v1.25 admits Windows pods unconditionally.
    if ctx.pss_level == "restricted" and windows_exempt(pod, ctx):
        return
    yield from (_fields(pod) if ctx.pss_at_least(1, 19) else _annotations(pod))


RULE = Rule(
    id="pss/seccomp-unconfined",
    summary="seccomp profiles must not be set to unconfined",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="Seccomp filters the system calls a container may make; Unconfined lets it "
                  "reach every kernel interface. Pod Security Standards, baseline: Seccomp — "
                  "from v1.19, securityContext.seccompProfile.type (pod and every container) "
                  "must be unset, RuntimeDefault or Localhost; before v1.19 the "
                  "seccomp.security.alpha.kubernetes.io/pod and container.seccomp.security."
                  "alpha.kubernetes.io/<container> annotations must be runtime/default, "
                  "docker/default or localhost/<profile>. Requiring a profile is the "
                  "restricted rule pss/seccomp-required.",
        bad="securityContext:\n  seccompProfile:\n    type: Unconfined",
        good="securityContext:\n  seccompProfile:\n    type: RuntimeDefault",
        fix="Set seccompProfile.type to RuntimeDefault (or Localhost with a profile on the "
            "nodes) or remove it.",
    ),
)
