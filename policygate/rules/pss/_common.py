"""Field access shared by the Pod Security Standards rules.

The admission controller treats a missing object and a null one the same way; these
helpers do too, so rules compare values and never trip over a `null` in the YAML.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from policygate.kubernetes import Container, PodSpec
from policygate.model import FieldPath
# The shape-tolerant readers every rule uses (re-exported here for the rules).
from policygate.model import mapping as mapping, sequence as sequence
from policygate.rules import RuleContext


def pod_security_context(pod: PodSpec) -> dict[str, Any]:
    return mapping(pod.spec.get("securityContext"))


def container_security_context(container: Container) -> dict[str, Any]:
    return mapping(container.data.get("securityContext"))


def user_namespaced(pod: PodSpec) -> bool:
    """Only an explicit `hostUsers: false` puts the pod in a user namespace."""
    return pod.spec.get("hostUsers") is False


# --- shared by several PSS rules (added with the full control set) ---------------------

# Baseline "Capabilities": the only names `capabilities.add` may hold (exact,
# case-sensitive; no CAP_ prefix normalisation). Also consulted by the restricted rule.
BASELINE_CAPABILITIES: tuple[str, ...] = (
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
)
BASELINE_CAPABILITY_SET = frozenset(BASELINE_CAPABILITIES)

# seccompProfile.type and appArmorProfile.type values that confine the container.
CONFINED_PROFILE_TYPES = frozenset({"RuntimeDefault", "Localhost"})


_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*\Z")


def as_int(value: Any) -> int | None:
    """The integer a YAML value stands for, or None when it is not a number.

    Booleans are not numbers here (in Python `False == 0`); numeric strings count, which
    is the conservative reading for a field the API server would refuse to decode.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value):
        return int(value)
    return None


def show(value: Any) -> str:
    """A value as it reads in a one-line message: strings quoted, newlines escaped."""
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def windows_exempt(pod: PodSpec, ctx: RuleContext) -> bool:
    """From v1.25, `spec.os.name: windows` pods skip the Linux-only restricted controls."""
    return pod.is_windows and ctx.pss_at_least(1, 25)


def user_namespace_exempt(pod: PodSpec, ctx: RuleContext) -> bool:
    """From v1.35, pods with an explicit `hostUsers: false` skip the root-related controls.

    This is the 1.35+ admission controller. The 1.29-1.34 binaries relaxed the same checks
    at every policy version, but only behind the alpha, default-off feature gate
    UserNamespacesPodSecurityStandards, and whether restricted /proc was relaxed then is
    unknown; we take the conservative reading and never relax below v1.35.
    """
    return user_namespaced(pod) and ctx.pss_at_least(1, 35)


@dataclass(frozen=True, slots=True)
class Setter:
    """The pod or one container, with the securityContext it sets (empty when unset)."""

    who: str                    # "pod" or container.describe()
    context: dict[str, Any]
    path: FieldPath             # path of its securityContext

    def field_path(self, *elements: str | int) -> FieldPath:
        return self.path + elements


def setters(pod: PodSpec) -> list[Setter]:
    """The pod-level securityContext, then every container's (init, regular, ephemeral);
    built once per pod and shared by every pss/ rule."""
    found = pod.shared.get("pss.setters")
    if found is None:
        found = [Setter("pod", pod_security_context(pod), pod.field_path("securityContext"))]
        found += [Setter(container.describe(), container_security_context(container),
                         container.path + ("securityContext",)) for container in pod.containers()]
        pod.shared["pss.setters"] = found
    return found


def volume_name(volume: dict[str, Any], index: int) -> str:
    name = volume.get("name")
    return name if isinstance(name, str) else f"#{index}"
