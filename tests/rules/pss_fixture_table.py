"""The pod-security-admission conformance fixtures, restated as a table.

Upstream (staging/src/k8s.io/pod-security-admission/test/fixtures_*.go) builds its
fixtures the same way: a minimal valid pod per level and version, and per check a
generator, registered at the version the check (or a revision of it) starts, that turns
that pod into pods that must pass and pods that must fail. A generator is used from its
version until the next one of the same check; a baseline generator also runs at
restricted, on the restricted minimal pod. The cases below follow the generators' cases
in our own words (plus a few version-boundary cases of our own, marked "boundary"); each
failing pod names exactly the policygate findings it must produce.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Pod = dict[str, Any]
Version = tuple[int, int]

BASELINE, RESTRICTED = "baseline", "restricted"
LATEST: Version = (1, 38)  # the newest policy version any check registers


@dataclass(frozen=True)
class Case:
    what: str
    pod: Pod
    rules: tuple[str, ...] = ()   # () passes; else exactly these findings, repeats included


@dataclass(frozen=True)
class Generator:
    check: str                    # the upstream check ID
    level: str                    # the level upstream registers the generator at
    since: Version
    cases: Callable[[Pod, str, Version], list[Case]]


# --- building pods -----------------------------------------------------------------------

def minimal_pod(level: str, version: Version) -> Pod:
    """The upstream minimal valid pod: two pause containers; restricted adds, by version,
    runAsNonRoot (1.0), allowPrivilegeEscalation=false (1.8), a RuntimeDefault seccomp
    profile (1.19) and drop ALL (1.22)."""
    spec: dict[str, Any] = {
        "initContainers": [{"name": "initcontainer1", "image": "registry.k8s.io/pause"}],
        "containers": [{"name": "container1", "image": "registry.k8s.io/pause"}],
    }
    if level == RESTRICTED:
        spec["securityContext"] = {"runAsNonRoot": True}
        for container in _containers(spec):
            if version >= (1, 8):
                container["securityContext"] = {"allowPrivilegeEscalation": False}
            if version >= (1, 22):
                container["securityContext"]["capabilities"] = {"drop": ["ALL"]}
        if version >= (1, 19):
            spec["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fixture"}, "spec": spec}


def _containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["initContainers"] + spec["containers"]


def tweak(pod: Pod, change: Callable[[dict[str, Any]], object]) -> Pod:
    """A copy of POD with CHANGE applied to its spec."""
    copied = copy.deepcopy(pod)
    change(copied["spec"])
    return copied


def context(spec: dict[str, Any], who: str) -> dict[str, Any]:
    """The securityContext of "pod", "container" (container1) or "init" (initcontainer1),
    created empty when missing."""
    owner = spec if who == "pod" else \
        spec["containers"][0] if who == "container" else spec["initContainers"][0]
    return owner.setdefault("securityContext", {})


def setting(who: str, **fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda spec: context(spec, who).update(fields)


def both(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda spec: [context(spec, who).update(copy.deepcopy(fields))
                         for who in ("container", "init")]


def annotate(key: str, value: str) -> Callable[[Pod], Pod]:
    def apply(pod: Pod) -> Pod:
        copied = copy.deepcopy(pod)
        copied["metadata"].setdefault("annotations", {})[key] = value
        return copied
    return apply


def windows(spec: dict[str, Any]) -> None:
    """A Windows pod: spec.os.name windows, without the Linux-only container fields."""
    spec["os"] = {"name": "windows"}
    spec["securityContext"].pop("seccompProfile", None)
    for container in _containers(spec):
        container.pop("securityContext", None)


def restricted_22(level: str, version: Version) -> bool:
    """The restricted minimal pod drops ALL from v1.22: baseline capability cases that add
    capabilities back cannot pass there."""
    return level == RESTRICTED and version >= (1, 22)


# --- baseline ----------------------------------------------------------------------------

def host_namespaces(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/host-namespaces",)
    return [Case("all three set to false", tweak(pod, lambda s: s.update(
                 hostNetwork=False, hostPID=False, hostIPC=False)))] + [
            Case(f"{field}=true", tweak(pod, lambda s, f=field: s.update({f: True})), rule)
            for field in ("hostNetwork", "hostPID", "hostIPC")]


def privileged(pod: Pod, level: str, version: Version) -> list[Case]:
    return [Case("privileged=false everywhere", tweak(pod, both(privileged=False))),
            Case("container privileged", tweak(pod, setting("container", privileged=True)),
                 ("pss/privileged",)),
            Case("init container privileged", tweak(pod, setting("init", privileged=True)),
                 ("pss/privileged",))]


BASELINE_CAPS = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                 "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]


def _adding(who: str, *names: str) -> Callable[[dict[str, Any]], None]:
    def change(spec: dict[str, Any]) -> None:
        context(spec, who).setdefault("capabilities", {})["add"] = list(names)
    return change


def capabilities_baseline(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/baseline-capabilities",)
    cases = [] if restricted_22(level, version) else [
        Case("every baseline capability added to both containers",
             tweak(tweak(pod, _adding("container", *BASELINE_CAPS)),
                   _adding("init", *BASELINE_CAPS)))]
    return cases + [
        Case("container adds NET_RAW", tweak(pod, _adding("container", "NET_RAW")), rule),
        Case("init container adds SYS_ADMIN", tweak(pod, _adding("init", "SYS_ADMIN")), rule),
        Case("a CAP_ prefix is not the same name", tweak(pod, _adding("container", "CAP_CHOWN")),
             rule),
        Case("names are case-sensitive", tweak(pod, _adding("container", "chown")), rule)]


def host_path_volumes(pod: Pod, level: str, version: Version) -> list[Case]:
    return [Case("an emptyDir volume", tweak(pod, lambda s: s.update(
                 volumes=[{"name": "scratch", "emptyDir": {}}]))),
            Case("a hostPath volume", tweak(pod, lambda s: s.update(
                 volumes=[{"name": "host", "hostPath": {"path": "/a"}}])),
                 ("pss/host-path-volumes",))]


def _port(who: str, host_port: int | None) -> Callable[[dict[str, Any]], None]:
    def change(spec: dict[str, Any]) -> None:
        owner = spec["containers"][0] if who == "container" else spec["initContainers"][0]
        port: dict[str, Any] = {"containerPort": 12345}
        if host_port is not None:
            port["hostPort"] = host_port
        owner["ports"] = [port]
    return change


def host_ports(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/host-ports",)
    return [Case("container port without a host port", tweak(pod, _port("container", None))),
            Case("hostPort 0 is no host port", tweak(pod, _port("init", 0))),
            Case("container host port", tweak(pod, _port("container", 12345)), rule),
            Case("init container host port", tweak(pod, _port("init", 12346)), rule)]


APPARMOR = "container.apparmor.security.beta.kubernetes.io/"


def app_armor(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/apparmor",)
    return [
        Case("runtime/default and localhost annotations",
             annotate(APPARMOR + "initcontainer1", "localhost/foo")(
                 annotate(APPARMOR + "container1", "runtime/default")(pod))),
        Case("RuntimeDefault and Localhost fields", tweak(tweak(pod, setting(
            "pod", appArmorProfile={"type": "RuntimeDefault"})), setting(
            "container", appArmorProfile={"type": "Localhost", "localhostProfile": "foo"}))),
        Case("container annotation unconfined",
             annotate(APPARMOR + "container1", "unconfined")(pod), rule),
        Case("init container annotation unconfined",
             annotate(APPARMOR + "initcontainer1", "unconfined")(pod), rule),
        Case("pod field Unconfined",
             tweak(pod, setting("pod", appArmorProfile={"type": "Unconfined"})), rule),
        Case("container field Unconfined",
             tweak(pod, setting("container", appArmorProfile={"type": "Unconfined"})), rule)]


def _selinux(who: str, **options: str) -> Callable[[dict[str, Any]], None]:
    return lambda spec: context(spec, who).setdefault("seLinuxOptions", {}).update(options)


def selinux(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/selinux",)
    engine = [Case("container_engine_t (boundary: allowed from v1.31)",
                   tweak(pod, _selinux("container", type="container_engine_t")),
                   () if version >= (1, 31) else rule)]
    return engine + [
        Case("no options, and an empty object", tweak(pod, _selinux("init"))),
        Case("every container type, any level", tweak(tweak(tweak(
            pod, _selinux("pod", type="container_t", level="")),
            _selinux("container", type="container_init_t", level="somevalue")),
            _selinux("init", type="container_kvm_t"))),
        Case("pod type out of bounds", tweak(pod, _selinux("pod", type="somevalue")), rule),
        Case("container type out of bounds", tweak(pod, _selinux("container", type="x")), rule),
        Case("init type out of bounds", tweak(pod, _selinux("init", type="spc_t")), rule),
        Case("a user", tweak(pod, _selinux("pod", user="somevalue")), rule),
        Case("a role", tweak(pod, _selinux("pod", role="somevalue")), rule)]


def _proc_mount(value: str, host_users: bool | None) -> Callable[[dict[str, Any]], None]:
    def change(spec: dict[str, Any]) -> None:
        for container in _containers(spec):
            container.setdefault("securityContext", {})["procMount"] = value
        if host_users is not None:
            spec["hostUsers"] = host_users
    return change


def proc_mount(pod: Pod, level: str, version: Version) -> list[Case]:
    # From v1.35 baseline admits Unmasked in a user namespace; restricted never does (the
    # procMount_restricted generator below covers that pod at restricted).
    relaxed = version >= (1, 35)
    unmasked_userns = tweak(pod, _proc_mount("Unmasked", False))
    cases = [Case("Default in a user namespace", tweak(pod, _proc_mount("Default", False))),
             Case("Unmasked everywhere, shared host users",
                  tweak(pod, _proc_mount("Unmasked", True)), ("pss/proc-mount",) * 2)]
    if not relaxed:
        return cases + [Case("Unmasked in a user namespace (boundary: allowed from v1.35)",
                             unmasked_userns, ("pss/proc-mount",) * 2)]
    if level == BASELINE:
        return cases + [Case("Unmasked in a user namespace", unmasked_userns)]
    return cases


def _seccomp(who: str, kind: str | None) -> Callable[[dict[str, Any]], None]:
    def change(spec: dict[str, Any]) -> None:
        if kind is None:
            context(spec, who).pop("seccompProfile", None)
        else:
            context(spec, who)["seccompProfile"] = {"type": kind}
    return change


SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER = "container.seccomp.security.alpha.kubernetes.io/"


def seccomp_baseline_annotations(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/seccomp-unconfined",)
    return [
        Case("pod runtime/default, container localhost, init unset",
             annotate(SECCOMP_CONTAINER + "container1", "localhost/testing")(
                 annotate(SECCOMP_POD, "runtime/default")(pod))),
        Case("docker/default", annotate(SECCOMP_POD, "docker/default")(pod)),
        Case("pod annotation unconfined", annotate(SECCOMP_POD, "unconfined")(pod), rule),
        Case("container annotation unconfined",
             annotate(SECCOMP_CONTAINER + "container1", "unconfined")(pod), rule),
        Case("init container annotation unconfined",
             annotate(SECCOMP_CONTAINER + "initcontainer1", "unconfined")(pod), rule),
        Case("an annotation naming no container is not read",
             annotate(SECCOMP_CONTAINER + "ghost", "unconfined")(pod))]


def seccomp_baseline_fields(pod: Pod, level: str, version: Version) -> list[Case]:
    unconfined = ("pss/seccomp-unconfined",)
    # At restricted the pod-level RuntimeDefault is the minimal pod's: upstream skips the
    # pass case, and an Unconfined pod type leaves both containers without a profile.
    unset_both = ("pss/seccomp-required",) * 2 if level == RESTRICTED else ()
    cases = [] if level == RESTRICTED else [
        Case("pod and container RuntimeDefault, init unset", tweak(tweak(
            pod, _seccomp("pod", "RuntimeDefault")), _seccomp("container", "RuntimeDefault")))]
    return cases + [
        Case("pod Unconfined", tweak(pod, _seccomp("pod", "Unconfined")), unconfined + unset_both),
        Case("container Unconfined", tweak(pod, _seccomp("container", "Unconfined")), unconfined),
        Case("init Unconfined", tweak(pod, _seccomp("init", "Unconfined")), unconfined),
        Case("annotations are not read from v1.19",
             annotate(SECCOMP_POD, "unconfined")(pod))]


def _sysctls(*names: str) -> Callable[[dict[str, Any]], None]:
    return lambda spec: spec.setdefault("securityContext", {}).update(
        sysctls=[{"name": name, "value": "1"} for name in names])


# Written out name by name, not taken from the rule: the table is the oracle.
SAFE_SINCE: dict[str, Version] = {
    "kernel.shm_rmid_forced": (1, 0),
    "net.ipv4.ip_local_port_range": (1, 0),
    "net.ipv4.tcp_syncookies": (1, 0),
    "net.ipv4.ping_group_range": (1, 0),
    "net.ipv4.ip_unprivileged_port_start": (1, 0),
    "net.ipv4.ip_local_reserved_ports": (1, 27),
    "net.ipv4.tcp_keepalive_time": (1, 29),
    "net.ipv4.tcp_fin_timeout": (1, 29),
    "net.ipv4.tcp_keepalive_intvl": (1, 29),
    "net.ipv4.tcp_keepalive_probes": (1, 29),
    "net.ipv4.tcp_rmem": (1, 32),
    "net.ipv4.tcp_wmem": (1, 32),
    "net.ipv4.tcp_slow_start_after_idle": (1, 37),
    "net.ipv4.tcp_notsent_lowat": (1, 37),
}


def sysctls(pod: Pod, level: str, version: Version) -> list[Case]:
    allowed = [name for name, since in SAFE_SINCE.items() if since <= version]
    later = [name for name, since in SAFE_SINCE.items() if since > version][:2]
    return [Case("no sysctls", tweak(pod, _sysctls())),
            Case(f"every safe sysctl of v{version[0]}.{version[1]}",
                 tweak(pod, _sysctls(*allowed))),
            Case("othersysctl", tweak(pod, _sysctls("othersysctl")), ("pss/sysctls",))] + [
            Case(f"{name} (boundary: not yet safe)", tweak(pod, _sysctls(name)),
                 ("pss/sysctls",)) for name in later]


def windows_host_process(pod: Pod, level: str, version: Version) -> list[Case]:
    # Upstream sets hostNetwork (API validation requires it for HostProcess pods), which
    # the host-namespaces control refuses too.
    def host_process(*who: str) -> Callable[[dict[str, Any]], None]:
        def change(spec: dict[str, Any]) -> None:
            spec["hostNetwork"] = True
            for one in who:
                context(spec, one)["windowsOptions"] = {"hostProcess": True}
        return change
    return [Case("hostProcess=false everywhere", tweak(pod, lambda s: [
                context(s, who).update(windowsOptions={"hostProcess": False})
                for who in ("pod", "container", "init")])),
            Case("pod hostProcess", tweak(pod, host_process("pod")),
                 ("pss/host-namespaces", "pss/host-process")),
            Case("containers hostProcess", tweak(pod, host_process("container", "init")),
                 ("pss/host-namespaces", "pss/host-process", "pss/host-process"))]


def _probe(who: str, where: str, action: str, host: str | None,
           ) -> Callable[[dict[str, Any]], None]:
    def change(spec: dict[str, Any]) -> None:
        owner = spec["containers"][0] if who == "container" else spec["initContainers"][0]
        handler: dict[str, Any] = {"port": 8080}
        if host is not None:
            handler["host"] = host
        if where in ("postStart", "preStop"):
            owner.setdefault("lifecycle", {})[where] = {action: handler}
        else:
            owner[where] = {action: handler}
        if who == "init":
            owner["restartPolicy"] = "Always"
    return change


def host_probes(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/host-probes",)
    return [Case("liveness httpGet without host",
                 tweak(pod, _probe("container", "livenessProbe", "httpGet", None))),
            Case("readiness tcpSocket without host",
                 tweak(pod, _probe("container", "readinessProbe", "tcpSocket", None))),
            Case("liveness httpGet bad.host",
                 tweak(pod, _probe("container", "livenessProbe", "httpGet", "bad.host")), rule),
            Case("sidecar readiness tcpSocket 8.8.8.8",
                 tweak(pod, _probe("init", "readinessProbe", "tcpSocket", "8.8.8.8")), rule),
            Case("postStart httpGet bad.host",
                 tweak(pod, _probe("container", "postStart", "httpGet", "bad.host")), rule),
            Case("even 127.0.0.1",
                 tweak(pod, _probe("container", "livenessProbe", "httpGet", "127.0.0.1")), rule),
            Case("even ::1",
                 tweak(pod, _probe("container", "readinessProbe", "tcpSocket", "::1")), rule)]


def ulimits(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/ulimits",)
    return [Case("nofile on a container", tweak(pod, setting(
                "container", ulimits={"nofile": {"soft": 1024, "hard": 2048}})), rule),
            Case("core on an init container", tweak(pod, setting(
                "init", ulimits={"core": {"soft": 1, "hard": 1}})), rule)]


# --- restricted --------------------------------------------------------------------------

ALLOWED_VOLUMES = [
    {"name": "volume0"},  # no source: the API server defaults it to an emptyDir
    {"name": "volume1", "emptyDir": {}},
    {"name": "volume2", "secret": {"secretName": "test"}},
    {"name": "volume3", "persistentVolumeClaim": {"claimName": "test"}},
    {"name": "volume4", "downwardAPI": {"items": [
        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
    {"name": "volume5", "configMap": {"name": "test"}},
    {"name": "volume6", "projected": {"sources": []}},
    {"name": "volume7", "csi": {"driver": "inline.storage.kubernetes.io"}},
    {"name": "volume8", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
    {"name": "volume9", "image": {"reference": "registry.k8s.io/pause"}},
]
RESTRICTED_VOLUMES = {
    "gcePersistentDisk": {"pdName": "test"}, "awsElasticBlockStore": {"volumeID": "test"},
    "gitRepo": {"repository": "github.com/kubernetes/kubernetes"},
    "nfs": {"server": "test", "path": "/test"},
    "iscsi": {"targetPortal": "test", "iqn": "iqn.2001-04.com.example:storage", "lun": 0},
    "glusterfs": {"path": "test", "endpoints": "test"},
    "rbd": {"monitors": ["test"], "image": "test"}, "flexVolume": {"driver": "test"},
    "cinder": {"volumeID": "test"}, "cephfs": {"monitors": ["test"]},
    "flocker": {"datasetName": "test"}, "fc": {"wwids": ["test"]},
    "azureFile": {"secretName": "test", "shareName": "test"},
    "vsphereVolume": {"volumePath": "test"},
    "quobyte": {"registry": "localhost:1234", "volume": "test"},
    "azureDisk": {"diskName": "test", "diskURI": "https://test.blob.core.windows.net/t.vhd"},
    "portworxVolume": {"volumeID": "test"},
    "scaleIO": {"volumeName": "test", "gateway": "localhost", "system": "test"},
    "storageos": {"volumeName": "test"},
}


def restricted_volumes(pod: Pod, level: str, version: Version) -> list[Case]:
    return [Case("every allowed volume type (image at every version)",
                 tweak(pod, lambda s: s.update(volumes=copy.deepcopy(ALLOWED_VOLUMES))))] + [
            Case(f"a {source} volume", tweak(pod, lambda s, k=source, v=value: s.update(
                volumes=[{"name": "volume1", k: v}])), ("pss/volume-types",))
            for source, value in RESTRICTED_VOLUMES.items()] + [
            Case("a hostPath volume (the baseline rule reports it)", tweak(pod, lambda s: s.update(
                volumes=[{"name": "volume1", "hostPath": {"path": "/dev/null"}}])),
                ("pss/host-path-volumes",))]


def allow_privilege_escalation(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/privilege-escalation",)
    # A container without a securityContext also lacks drop ALL from v1.22.
    bare = rule + (("pss/restricted-capabilities",) if version >= (1, 22) else ())
    windows_pod = tweak(pod, windows)
    cases = [
        Case("container true", tweak(pod, setting("container", allowPrivilegeEscalation=True)),
             rule),
        Case("init container true", tweak(pod, setting("init", allowPrivilegeEscalation=True)),
             rule),
        Case("container unset", tweak(pod, lambda s: context(s, "container").pop(
            "allowPrivilegeEscalation")), rule),
        Case("container without a securityContext", tweak(pod, lambda s: s["containers"][0].pop(
            "securityContext")), bare)]
    if version >= (1, 25):
        return cases + [Case("a Windows pod need not set it", windows_pod)]
    # Before v1.25 the Linux-only controls hold for Windows pods too.
    return cases + [Case("a Windows pod (boundary: exempt from v1.25)", windows_pod,
                         ("pss/privilege-escalation",) * 2
                         + (("pss/restricted-capabilities",) * 2 if version >= (1, 22) else ())
                         + (("pss/seccomp-required",) * 2 if version >= (1, 19) else ()))]


def run_as_non_root(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/run-as-non-root",)

    def everywhere(value: bool | None) -> Callable[[dict[str, Any]], None]:
        def change(spec: dict[str, Any]) -> None:
            for who in ("pod", "container", "init"):
                context(spec, who).pop("runAsNonRoot", None)
                if value is not None and who != "pod":
                    context(spec, who)["runAsNonRoot"] = value
        return change
    unset = tweak(pod, everywhere(None))
    userns = tweak(unset, lambda s: s.update(hostUsers=False))
    cases = [
        Case("true at the pod level", pod),
        Case("true on every container", tweak(pod, everywhere(True))),
        Case("unset everywhere", unset, rule * 2),
        # policygate also names each container the false pod value leaves uncovered.
        Case("pod false", tweak(pod, setting("pod", runAsNonRoot=False)), rule * 3),
        Case("container false", tweak(pod, setting("container", runAsNonRoot=False)), rule),
        Case("init container false", tweak(pod, setting("init", runAsNonRoot=False)), rule)]
    if version >= (1, 35):
        return cases + [Case("unset in a user namespace", userns)]
    return cases + [Case("unset in a user namespace (boundary: exempt from v1.35)", userns,
                         rule * 2)]


def run_as_user(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/run-as-user",)
    userns = tweak(pod, lambda s: [s.update(hostUsers=False), context(s, "pod").update(
        runAsUser=0)])
    cases = [
        Case("1000 everywhere", tweak(pod, lambda s: [context(s, who).update(runAsUser=1000)
                                                      for who in ("pod", "container", "init")])),
        Case("0 on the pod", tweak(pod, setting("pod", runAsUser=0)), rule),
        Case("0 on the container", tweak(pod, setting("container", runAsUser=0)), rule),
        Case("0 on the init container", tweak(pod, setting("init", runAsUser=0)), rule)]
    if version >= (1, 35):
        return cases + [Case("0 in a user namespace", userns)]
    return cases + [Case("0 in a user namespace (boundary: exempt from v1.35)", userns, rule)]


def seccomp_restricted(pod: Pod, level: str, version: Version) -> list[Case]:
    required, unconfined = "pss/seccomp-required", "pss/seccomp-unconfined"
    no_pod = _seccomp("pod", None)
    cases = [
        Case("pod RuntimeDefault", tweak(pod, _seccomp("pod", "RuntimeDefault"))),
        Case("pod Localhost", tweak(pod, _seccomp("pod", "Localhost"))),
        Case("no pod profile, each container its own", tweak(tweak(tweak(
            pod, no_pod), _seccomp("container", "RuntimeDefault")), _seccomp("init", "Localhost"))),
        Case("unset everywhere", tweak(pod, no_pod), (required,) * 2),
        Case("pod Unconfined", tweak(pod, _seccomp("pod", "Unconfined")),
             (unconfined,) + (required,) * 2),
        Case("init container unset", tweak(tweak(pod, no_pod),
                                           _seccomp("container", "RuntimeDefault")), (required,)),
        Case("container unset", tweak(tweak(pod, no_pod),
                                      _seccomp("init", "RuntimeDefault")), (required,)),
        Case("init container Unconfined", tweak(tweak(tweak(
            pod, no_pod), _seccomp("container", "RuntimeDefault")), _seccomp("init", "Unconfined")),
            (unconfined,))]
    windows_pod = tweak(pod, lambda s: [windows(s), both(allowPrivilegeEscalation=False)(s)])
    if version >= (1, 25):
        return cases + [Case("a Windows pod needs no profile", windows_pod)]
    return cases + [Case("a Windows pod (boundary: exempt from v1.25)", windows_pod,
                         (required,) * 2
                         + (("pss/restricted-capabilities",) * 2 if version >= (1, 22) else ()))]


def capabilities_restricted(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/restricted-capabilities",)

    def drop(who: str, *names: str) -> Callable[[dict[str, Any]], None]:
        return lambda spec: context(spec, who)["capabilities"].update(drop=list(names))
    every = ["SYS_TIME", "SYS_MODULE", "SYS_RAWIO", "SYS_ADMIN", "NET_ADMIN", "NET_RAW",
             "CHOWN", "SETUID", "SETGID", "KILL", "NET_BIND_SERVICE", "SETFCAP"]
    windows_pod = tweak(pod, lambda s: [windows(s), both(allowPrivilegeEscalation=False)(s)])
    cases = [
        Case("drop ALL, add NET_BIND_SERVICE", tweak(tweak(
            pod, _adding("container", "NET_BIND_SERVICE")), _adding("init", "NET_BIND_SERVICE"))),
        Case("container drops nothing", tweak(pod, drop("container")), rule),
        Case("init container drops nothing", tweak(pod, drop("init")), rule),
        Case("dropping each capability by name is not ALL",
             tweak(tweak(pod, drop("container", *every)), drop("init", *every)), rule * 2),
        Case("adding back baseline capabilities other than NET_BIND_SERVICE",
             tweak(tweak(pod, _adding("container", *BASELINE_CAPS)),
                   _adding("init", *BASELINE_CAPS)), rule * 2 * (len(BASELINE_CAPS) - 1))]
    if version >= (1, 25):
        return cases + [Case("a Windows pod need not drop ALL", windows_pod)]
    return cases + [Case("a Windows pod (boundary: exempt from v1.25)", windows_pod,
                         rule * 2 + ("pss/seccomp-required",) * 2)]


def proc_mount_restricted(pod: Pod, level: str, version: Version) -> list[Case]:
    return [Case("Default in a user namespace", tweak(pod, _proc_mount("Default", False))),
            Case("Unmasked in a user namespace", tweak(pod, _proc_mount("Unmasked", False)),
                 ("pss/restricted-proc-mount",) * 2)]


def cgroup_options(pod: Pod, level: str, version: Version) -> list[Case]:
    rule = ("pss/cgroup-options",)
    return [Case("no cgroupOptions", pod),
            Case("ReadOnly on both containers", tweak(pod, both(
                cgroupOptions={"mountMode": "ReadOnly"}))),
            Case("Writable on a container", tweak(pod, setting(
                "container", cgroupOptions={"mountMode": "Writable"})), rule),
            Case("Writable on an init container", tweak(pod, setting(
                "init", cgroupOptions={"mountMode": "Writable"})), rule)]


GENERATORS: tuple[Generator, ...] = (
    Generator("hostNamespaces", BASELINE, (1, 0), host_namespaces),
    Generator("privileged", BASELINE, (1, 0), privileged),
    Generator("capabilities_baseline", BASELINE, (1, 0), capabilities_baseline),
    Generator("hostPathVolumes", BASELINE, (1, 0), host_path_volumes),
    Generator("hostPorts", BASELINE, (1, 0), host_ports),
    Generator("appArmorProfile", BASELINE, (1, 0), app_armor),
    Generator("seLinuxOptions", BASELINE, (1, 0), selinux),
    Generator("procMount", BASELINE, (1, 0), proc_mount),
    Generator("seccompProfile_baseline", BASELINE, (1, 0), seccomp_baseline_annotations),
    Generator("seccompProfile_baseline", BASELINE, (1, 19), seccomp_baseline_fields),
    Generator("sysctls", BASELINE, (1, 0), sysctls),
    Generator("windowsHostProcess", BASELINE, (1, 0), windows_host_process),
    Generator("hostProbesAndHostLifecycle", BASELINE, (1, 34), host_probes),
    Generator("ulimits", BASELINE, (1, 37), ulimits),
    Generator("restrictedVolumes", RESTRICTED, (1, 0), restricted_volumes),
    Generator("allowPrivilegeEscalation", RESTRICTED, (1, 8), allow_privilege_escalation),
    Generator("runAsNonRoot", RESTRICTED, (1, 0), run_as_non_root),
    Generator("runAsUser", RESTRICTED, (1, 23), run_as_user),
    Generator("seccompProfile_restricted", RESTRICTED, (1, 19), seccomp_restricted),
    Generator("capabilities_restricted", RESTRICTED, (1, 22), capabilities_restricted),
    Generator("procMount_restricted", RESTRICTED, (1, 35), proc_mount_restricted),
    Generator("cgroupOptions", RESTRICTED, (1, 38), cgroup_options),
)


def fixtures(level: str, version: Version) -> dict[str, Case]:
    """Every fixture at LEVEL and VERSION, by file name (`<check><n>.yaml` as upstream names
    them, plus `base.yaml`, the minimal pod), from each check's newest generator."""
    newest: dict[str, Generator] = {}
    for generator in GENERATORS:
        if generator.since <= version and (generator.level == BASELINE or level == RESTRICTED):
            newest[generator.check] = generator
    pod = minimal_pod(level, version)
    found = {"base.yaml": Case("the minimal valid pod", pod)}
    for check, generator in newest.items():
        for index, case in enumerate(generator.cases(pod, level, version)):
            found[f"{check.lower()}{index}.yaml"] = case
    return found
