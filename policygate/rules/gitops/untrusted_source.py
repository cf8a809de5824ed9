"""Argo CD and Flux must deploy from repositories the team trusts (`gitops.allowed`)."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.model import Resource, Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc
from policygate.rules.gitops._common import sites_of


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    sites = sites_of(resource)
    if not sites:  # not an Argo CD or Flux object: nothing more to load
        return
    from policygate.provenance.policy import family_policy

    allowed = family_policy(ctx.sections, "gitops").allowed
    if allowed is None:
        return
    for site in sites:
        if site.url is None or site.identity is None or allowed.matches(site.identity):
            continue
        yield Violation(
            f"{site.where} deploys from {site.url} ({site.identity}), which matches no entry "
            f"of gitops.allowed ({allowed.describe()}): deploy from an allowed repository "
            f"(fork or mirror it there), or add a pattern for it to gitops.allowed in "
            f".policygate.yaml", site.url_path)


RULE = Rule(
    id="gitops/untrusted-source",
    summary="Argo CD / Flux sources must match gitops.allowed (off until it is set)",
    severity=Severity.ERROR,
    scope="resource",
    check=check,
    doc=RuleDoc(
        rationale="Argo CD and Flux apply whatever the source repository contains, with "
                  "cluster-wide permissions. A source outside the organisation's repositories "
                  "hands the cluster to whoever controls that repository. URLs are compared "
                  "normalised: https://github.com/acme/apps.git, git@github.com:acme/apps and "
                  "ssh://git@github.com/acme/apps are all github.com/acme/apps.",
        bad="# gitops: {allowed: [github.com/acme]}\nrepoURL: https://github.com/someone/apps",
        good="repoURL: https://github.com/acme/apps.git",
        fix="Deploy from a repository of your organisation (fork or mirror external charts "
            "and manifests), or add its URL pattern to gitops.allowed.",
    ),
)
