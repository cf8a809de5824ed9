"""Images should be pinned to a digest: a tag can be pushed again, a digest cannot."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from policygate.model import Severity, Violation
from policygate.rules import RuleContext, RuleDoc
from policygate.rules.images._common import image_rule, inspect_command, with_version

if TYPE_CHECKING:
    from policygate.provenance.sites import ImageSite


def check(site: ImageSite, ctx: RuleContext) -> Iterator[Violation]:
    from policygate.provenance.policy import family_policy

    reference = site.reference
    if reference is None or reference.pinned or not site.tag_known:
        return
    pinning = family_policy(ctx.sections, "images").pinning
    if not pinning.required_in(site.file) or pinning.exempt.matches(reference.match_name):
        return
    target = with_version(site)
    if site.kustomize:
        fix = "digest: sha256:<digest>"
        how = f"add `{fix}` to this override"
    else:
        fix = f"{target}@sha256:<digest>"
        how = f"pin it as {fix}"
        if site.written_as:
            how += " where the variable's default is set"
    yield Violation(
        f"{site.describe()} is not pinned to a digest, so what runs can change without a "
        f"commit: {how} — get the digest with {inspect_command(target)}",
        site.pin_path(), fix=fix)


RULE = image_rule(
    id="image/not-pinned",
    summary="images should be pinned to a digest (images.pinning scopes and exempts)",
    severity=Severity.WARNING,
    check=check,
    doc=RuleDoc(
        rationale="A tag is a pointer its owner can move: the same manifest can run different "
                  "code tomorrow, and a rollback is not a rollback. A digest names exactly "
                  "one image, so what is reviewed is what runs. The tag may stay for "
                  "readers (nginx:1.27@sha256:...): the digest wins.",
        bad="image: nginx:1.27",
        good="image: nginx:1.27@sha256:<64 hex digits>",
        fix="Append the digest: `docker buildx imagetools inspect nginx:1.27` prints it "
            "(Digest:). Renovate and Dependabot keep digests current. Scope the rule with "
            "images.pinning.paths (e.g. clusters/prod/**) or exempt registries with "
            "images.pinning.exempt.",
    ),
)
