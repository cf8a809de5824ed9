"""What the image/ rules share: how they are dispatched and how they phrase fixes.

Each image rule judges one `ImageSite` at a time: like the "pod" scope hands pod rules
one PodSpec at a time, the "image" scope hands these rules every image reference the
pipeline finds in a document (`policygate.provenance.extract.image_sites`), whatever the
document is — a workload, a Kustomization, a Dockerfile, a compose file or a workflow.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from policygate.model import Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc

if TYPE_CHECKING:
    from policygate.provenance.sites import ImageSite

IMAGE_SCOPE = "image"

SiteCheck = Callable[["ImageSite", RuleContext], Iterable[Violation]]


def image_rule(*, id: str, summary: str, severity: Severity, check: SiteCheck,
               doc: RuleDoc) -> Rule:
    return Rule(id=id, summary=summary, severity=severity, scope=IMAGE_SCOPE, check=check,
                doc=doc)


def inspect_command(reference: str) -> str:
    return f"`docker buildx imagetools inspect {reference}`"


def with_version(site: ImageSite) -> str:
    """The reference as written, with a `<version>` placeholder when it has no tag."""
    reference = site.reference
    if reference is not None and reference.tag is None:
        return f"{site.text}:<version>"
    return site.text
