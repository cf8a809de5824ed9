"""Baseline: no custom SELinux user, role or non-container type."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import setters, show

_TYPES_1_0 = ("container_t", "container_init_t", "container_kvm_t")
_TYPES_1_31 = _TYPES_1_0 + ("container_engine_t",)


def allowed_types(ctx: RuleContext) -> tuple[str, ...]:
    return _TYPES_1_31 if ctx.pss_at_least(1, 31) else _TYPES_1_0


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    types = allowed_types(ctx)
    for setter in setters(pod):
        options = setter.context.get("seLinuxOptions")
        if not isinstance(options, dict):
            continue
        # `level` is not checked. No precedence: a bad pod value fails even if overridden.
        selinux_type = options.get("type")
        if selinux_type not in (None, "") and selinux_type not in types:
            yield Violation(
                f"{setter.who} sets securityContext.seLinuxOptions.type to "
                f"{show(selinux_type)}: remove it or use one of {', '.join(types)}",
                setter.field_path("seLinuxOptions", "type"))
        for field in ("user", "role"):
            value = options.get(field)
            if value not in (None, ""):
                yield Violation(
                    f"{setter.who} sets securityContext.seLinuxOptions.{field} to "
                    f"{show(value)}: remove it; a custom SELinux {field} is not allowed",
                    setter.field_path("seLinuxOptions", field))


RULE = Rule(
    id="pss/selinux",
    summary="selinux options must not set a custom user, role or non-container type",
    severity=Severity.ERROR,
    scope="pod",
    level="baseline",
    check=check,
    doc=RuleDoc(
        rationale="A custom SELinux user, role or type can lift the confinement SELinux puts "
                  "around containers. Pod Security Standards, baseline: SELinux — "
                  "seLinuxOptions.type (pod and every container) must be empty, container_t, "
                  "container_init_t, container_kvm_t or (from v1.31) container_engine_t; "
                  "seLinuxOptions.user and .role must be empty; .level is free.",
        bad="securityContext:\n  seLinuxOptions:\n    type: spc_t\n    user: system_u",
        good="securityContext:\n  seLinuxOptions:\n    level: \"s0:c123,c456\"",
        fix="Remove seLinuxOptions.user and .role and use one of the container types (or no "
            "type at all).",
    ),
)
