"""No `:latest` and no missing tag: the image would be whatever was pushed last."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from policygate.model import Severity, Violation
from policygate.rules import RuleContext, RuleDoc
from policygate.rules.images._common import image_rule

if TYPE_CHECKING:
    from policygate.provenance.sites import ImageSite


def check(site: ImageSite, ctx: RuleContext) -> Iterator[Violation]:
    reference = site.reference
    if reference is None or reference.pinned or not site.tag_known:
        return
    if reference.tag is None:
        problem = "has no tag, so it is :latest"
    elif reference.tag == "latest":
        problem = "uses the :latest tag"
    else:
        return
    if site.kustomize:
        fix = "newTag: <version>"
    else:
        fix = f"{reference.familiar_name}:<version>@sha256:<digest>"
    yield Violation(
        f"{site.describe()} {problem}: whatever was pushed last runs, and nobody can tell "
        f"which version that is — use a version tag pinned to its digest ({fix}; list "
        f"versions with `skopeo list-tags docker://{reference.name}`)",
        site.pin_path() if reference.tag is not None else site.path, fix=fix)


RULE = image_rule(
    id="image/latest-tag",
    summary="images must name a version: no :latest, no missing tag (unless pinned by digest)",
    severity=Severity.WARNING,
    check=check,
    doc=RuleDoc(
        rationale="`:latest` (also what a reference without a tag means) is whatever was "
                  "pushed last: nodes pull different images, rollbacks do not roll back, and "
                  "nobody can tell which version runs. A digest pins the image whatever the "
                  "tag says, so `name:latest@sha256:...` passes.",
        bad="image: nginx\nimage: nginx:latest",
        good="image: nginx:1.27@sha256:<64 hex digits>",
        fix="Pick the version you tested (`skopeo list-tags docker://docker.io/library/nginx`) "
            "and pin its digest.",
    ),
)
