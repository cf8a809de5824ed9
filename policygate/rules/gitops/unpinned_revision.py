"""Deployed revisions should not float: a branch, HEAD or a version range changes what
runs without a commit to the GitOps repository."""
from __future__ import annotations

import re
from collections.abc import Iterator

from typing import TYPE_CHECKING

from policygate.model import Resource, Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.gitops._common import sites_of

if TYPE_CHECKING:
    from policygate.provenance.sites import Revision, SourceSite

_REF_NAME = r"[\w./-]+\Z"


def _fix(site: SourceSite, revision: Revision) -> str:
    if revision.kind == "version":
        if site.chart is not None or site.url is None:
            listing = f"them with `helm search repo <repo>/{site.chart or '<chart>'} --versions`"
        elif site.where == "OCIRepository":
            listing = f"the tags with `crane ls {site.identity}`"
        else:
            listing = f"the tags with `git ls-remote --tags {site.url}`"
        return f"an exact version, `{revision.field.rpartition('.')[2]}: 1.2.3` (list {listing})"
    if revision.kind == "oci":
        target = f"{site.identity}:{revision.value or 'latest'}"
        return f"its digest (`crane digest {target}`)"
    source = site.url or "<repository>"
    value = revision.value or "HEAD"
    lookup = f"git ls-remote {source} {value}" if re.match(_REF_NAME, value) \
        else f"git ls-remote --tags {source}"
    if site.where == "GitRepository":
        return f"`spec.ref.commit` (`{lookup}`) or a release `spec.ref.tag`"
    return f"a commit SHA (`{lookup}`) or a release tag such as v1.2.3"


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    sites = sites_of(resource)
    if not sites:  # not an Argo CD or Flux object: nothing more to load
        return
    from policygate.provenance.policy import family_policy
    from policygate.provenance.revisions import revision_float

    pinning = family_policy(ctx.sections, "gitops").pinning
    if not pinning.required_in(resource.file):
        return
    for site in sites:
        revision = site.revision
        if revision is None or (site.identity and pinning.exempt.matches(site.identity)):
            continue
        reason = revision_float(revision.kind, revision.value, revision.digest, pinning.tags)
        if reason is None:
            continue
        yield Violation(
            f"{site.where} {revision.field}: what is deployed can change without a commit "
            f"here — {reason}; pin {_fix(site, revision)}", revision.path)


RULE = Rule(
    id="gitops/unpinned-revision",
    summary="Argo CD / Flux revisions should be pinned: no HEAD, branches or version ranges",
    severity=Severity.WARNING,
    scope="resource",
    check=check,
    doc=RuleDoc(
        rationale="GitOps promises that the repository says what runs. A source that follows "
                  "a branch, HEAD or a SemVer range deploys new code whenever someone else "
                  "pushes, with no commit and no review here. Pinned: a full commit SHA, a "
                  "digest, an explicit refs/tags/ ref or a complete version (1.2.3, v1.2.3); "
                  "any other name is taken for a branch unless gitops.pinning.tags says "
                  "it is a tag.",
        bad="targetRevision: main\n---\nspec:\n  ref:\n    branch: main",
        good="targetRevision: v1.4.2\n---\nspec:\n  ref:\n    commit: <40 hex digits>",
        fix="Pin a commit SHA, a release tag or an exact chart version, and let a bot "
            "(Renovate, Flux image automation) propose updates as commits. Require pinning "
            "only where it matters with gitops.pinning.paths (e.g. clusters/prod/**).",
    ),
)
