"""`input.review`: the AdmissionRequest a template sees, for an object or an AdmissionReview.

Gatekeeper hands templates the JSON of an AdmissionRequest. Its fields without
`omitempty` are always there (`uid`, `kind`, `resource`, `operation`, `userInfo`), the
others only when set — templates test for them with `not input.review.x`, so the shape
matters as much as the values:
- `check` plays the admission webhook for a manifest being applied: `operation: CREATE`,
  the configured `userInfo` (the identity that applies the repository, e.g. Argo CD);
- `verify` of a plain object is gator's review: no operation, no user (what gator
  passes), so a suite gives the same verdicts under both tools;
- an AdmissionReview in a suite is taken as written, with DELETE reviews seeing the
  deleted object as `object`, as Gatekeeper arranges.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policygate.gatekeeper.objects import ADMISSION_GROUP, group_of

_REQUEST_FIELDS = frozenset({
    "uid", "kind", "resource", "subResource", "requestKind", "requestResource",
    "requestSubResource", "name", "namespace", "operation", "userInfo", "object", "oldObject",
    "dryRun", "options"})


class ReviewError(ValueError):
    """An AdmissionReview gator would refuse."""


def group_version_kind(obj: dict[str, Any]) -> tuple[str, str, str]:
    api_version = obj.get("apiVersion")
    api_version = api_version if isinstance(api_version, str) else ""
    version = api_version.rpartition("/")[2]
    kind = obj.get("kind")
    return group_of(api_version), version, kind if isinstance(kind, str) else ""


def metadata(obj: dict[str, Any]) -> dict[str, Any]:
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def object_review(obj: dict[str, Any], operation: str = "",
                  user_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """The review of a manifest; operation "" and no user is gator's review."""
    group, version, kind = group_version_kind(obj)
    meta = metadata(obj)
    review: dict[str, Any] = {
        "uid": "",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": ({"group": group, "version": version, "resource": ""} if operation
                     else {"group": "", "version": "", "resource": ""}),
        "operation": operation,
        "userInfo": dict(user_info or {}),
        "object": obj,
    }
    for key in ("name", "namespace"):
        if isinstance(meta.get(key), str) and meta[key]:
            review[key] = meta[key]
    if operation:
        review["dryRun"] = False
    return review


def is_admission_review(obj: Any) -> bool:
    return (isinstance(obj, dict) and obj.get("kind") == "AdmissionReview"
            and group_of(obj.get("apiVersion")) == ADMISSION_GROUP)


@dataclass(frozen=True, slots=True)
class AdmissionCase:
    review: dict[str, Any]
    objects: tuple[dict[str, Any], ...]     # object and/or oldObject: what matching sees
    namespace: str                          # the request's namespace


def admission_review(document: dict[str, Any]) -> AdmissionCase:
    """The review an AdmissionReview asks for; raises ReviewError like gator."""
    request = document.get("request")
    if not isinstance(request, dict):
        raise ReviewError("the AdmissionReview has no `request`")
    unknown = sorted(set(request) - _REQUEST_FIELDS)
    if unknown:
        raise ReviewError(f"unknown field {unknown[0]!r} in the AdmissionReview request")
    objects = []
    for key in ("object", "oldObject"):
        value = request.get(key)
        if value is None:
            continue
        if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
            raise ReviewError(f"request.{key} must be an object with a `kind`")
        objects.append(value)
    if not objects:
        raise ReviewError('the AdmissionRequest does not contain an "object" or "oldObject" '
                          'to review')
    review: dict[str, Any] = {"uid": "", "kind": {"group": "", "version": "", "kind": ""},
                              "resource": {"group": "", "version": "", "resource": ""},
                              "operation": "", "userInfo": {}, **request}
    if review["operation"] == "DELETE" and request.get("object") is None:
        if request.get("oldObject") is None:
            raise ReviewError("a DELETE review needs the deleted object as oldObject")
        review["object"] = request["oldObject"]
    namespace = request.get("namespace")
    return AdmissionCase(review, tuple(objects), namespace if isinstance(namespace, str) else "")
