"""Images must come from registries and repositories the team trusts (`images.allowed`)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from policygate.model import Severity, Violation
from policygate.rules import RuleContext, RuleDoc
from policygate.rules.images._common import image_rule

if TYPE_CHECKING:
    from policygate.provenance.sites import ImageSite


def check(site: ImageSite, ctx: RuleContext) -> Iterator[Violation]:
    from policygate.provenance.policy import family_policy

    allowed = family_policy(ctx.sections, "images").allowed
    reference = site.reference
    if allowed is None or reference is None:
        return
    name = reference.match_name
    if not allowed.matches(name):
        yield Violation(
            f"{site.describe()} comes from {name}, which matches no entry of images.allowed "
            f"({allowed.describe()}): use a copy in an allowed registry, or add a pattern "
            f"for it to images.allowed in .policygate.yaml", site.path_of("name"))


RULE = image_rule(
    id="image/untrusted-registry",
    summary="images must come from an allowed registry/repository "
            "(off until images.allowed is set)",
    severity=Severity.ERROR,
    check=check,
    doc=RuleDoc(
        rationale="Whoever controls a registry controls what runs. An allow-list keeps "
                  "images to registries the team operates or vets (a mirror, a vendor's "
                  "registry), so a typo-squatted or personal image cannot slip in. Patterns "
                  "match the normalised registry/repository: `nginx` is "
                  "docker.io/library/nginx.",
        bad="# images: {allowed: [registry.example.com]}\nimage: docker.io/someone/tool:1.0",
        good="image: registry.example.com/mirror/tool:1.0",
        fix="Mirror the image into an allowed registry and reference the copy, or extend "
            "images.allowed in .policygate.yaml (globs: `*` within a path segment, `**` "
            "across; a pattern also allows everything below it).",
    ),
)
