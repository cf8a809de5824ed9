"""Restricted: only volume types that do not reach outside the pod's own storage."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import PodSpec
from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.pss._common import sequence, show, volume_name

# `image` was added in place (1.33 binary, policy variant 1.0), so it is allowed at every
# pinned version.
ALLOWED_SOURCES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                   "persistentVolumeClaim", "projected", "secret", "image")
# The sources the admission controller names; hostPath is pss/host-path-volumes' finding.
RESTRICTED_SOURCES = ("gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi",
                      "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc",
                      "azureFile", "vsphereVolume", "quobyte", "azureDisk",
                      "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos")
_ALLOWED_TEXT = ", ".join(ALLOWED_SOURCES)


def check(pod: PodSpec, ctx: RuleContext) -> Iterator[Violation]:
    for index, volume in enumerate(sequence(pod.spec.get("volumes"))):
        if not isinstance(volume, dict):
            continue
        # A source is set when its value is an object (`emptyDir: {}`); null is unset.
        if any(isinstance(volume.get(source), dict) for source in ALLOWED_SOURCES):
            continue
        name = show(volume_name(volume, index))
        restricted = [source for source in RESTRICTED_SOURCES
                      if isinstance(volume.get(source), dict)]
        for source in restricted:
            yield Violation(
                f"volume {name} uses restricted volume type \"{source}\": use one of "
                f"{_ALLOWED_TEXT} (for example a persistentVolumeClaim)",
                pod.field_path("volumes", index, source))
        if not restricted and not isinstance(volume.get("hostPath"), dict):
            yield Violation(
                f"volume {name} has no allowed volume source (unknown or missing type): "
                f"use one of {_ALLOWED_TEXT}",
                pod.field_path("volumes", index))


RULE = Rule(
    id="pss/volume-types",
    summary="pods may use only the restricted set of volume types",
    severity=Severity.WARNING,
    scope="pod",
    level="restricted",
    check=check,
    doc=RuleDoc(
        rationale="Network and node-backed volume types (nfs, iscsi, rbd, cephfs, flexVolume, "
                  "gitRepo, ...) bypass the cluster's storage abstraction and can reach data "
                  "or code outside the pod's control. Pod Security Standards, restricted: "
                  "Volume Types — every volume must be configMap, csi, downwardAPI, emptyDir, "
                  "ephemeral, persistentVolumeClaim, projected, secret or image. hostPath is "
                  "not reported here: pss/host-path-volumes (baseline) reports it and always "
                  "runs when restricted does.",
        bad="volumes:\n  - name: share\n    nfs:\n      server: nfs.example.com\n"
            "      path: /exports",
        good="volumes:\n  - name: share\n    persistentVolumeClaim:\n      claimName: share",
        fix="Move the storage behind a PersistentVolume (or CSI driver) and mount it through a "
            "persistentVolumeClaim or an ephemeral volume.",
    ),
)
