"""An image reference that does not parse can never be pulled — or is not what was meant."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from policygate.model import Severity, Violation
from policygate.rules import RuleContext, RuleDoc
from policygate.rules.images._common import image_rule

if TYPE_CHECKING:
    from policygate.provenance.sites import ImageSite


def check(site: ImageSite, ctx: RuleContext) -> Iterator[Violation]:
    image = site.image
    if site.reference is None:  # an InvalidReference
        yield Violation(f"{site.describe(quote=True)} is not a valid image reference: "
                        f"{image.reason}", site.path_of(image.part))


RULE = image_rule(
    id="image/invalid-reference",
    summary="image references must follow the container image reference grammar",
    severity=Severity.ERROR,
    check=check,
    doc=RuleDoc(
        rationale="A malformed reference fails at pull time (ImagePullBackOff, a failed "
                  "build), and a near-miss such as an upper-case name or a truncated digest "
                  "is often not what the author meant. References follow the grammar of "
                  "distribution/reference: [registry[:port]/]path[:tag][@sha256:<64 hex>], "
                  "with lower-case repository paths.",
        bad="image: Nginx:1.27\nimage: nginx@sha256:4b3c1f",
        good="image: nginx:1.27@sha256:<64 hex digits>",
        fix="Correct the reference as the message says: lower-case the repository, copy the "
            "whole digest (docker buildx imagetools inspect <image>), drop whitespace.",
    ),
)
