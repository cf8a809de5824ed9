"""Workflow `uses:` must name a full commit SHA: tags and branches can be moved."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.model import Document, Severity, Violation
from policygate.rules import Rule, RuleContext, RuleDoc



def check(document: Document, ctx: RuleContext) -> Iterator[Violation]:
    from policygate.provenance.policy import family_policy
    from policygate.provenance.revisions import is_abbreviated_sha, is_commit_sha
    from policygate.provenance.workflows import action_sites

    exempt = family_policy(ctx.sections, "actions").pinning.exempt
    for site in action_sites(document):
        ref = site.ref
        if (ref is not None and is_commit_sha(ref)) or exempt.matches(site.action.lower()):
            continue
        repository = "/".join(site.action.split("/")[:2])
        pinned = f"{site.action}@<40-hex sha>"
        if not ref:
            problem = "has no @ref"
            comment = " # <version>"
        elif is_abbreviated_sha(ref):
            problem = f"pins only an abbreviated SHA ({ref}), which can become ambiguous"
            comment = ""
        else:
            problem = f"follows {ref!r}, a tag or branch that can be moved to other code"
            comment = f" # {ref}"
        lookup = f"`gh api repos/{repository}/commits/{ref or 'HEAD'} --jq .sha`"
        yield Violation(
            f"{site.where} uses {site.text}, which {problem}: pin the full commit SHA, "
            f"`uses: {pinned}{comment}` — get it with {lookup}", site.path,
            fix=f"{pinned}{comment}")


RULE = Rule(
    id="action/not-pinned",
    summary="workflow actions and reusable workflows must be pinned to a full commit SHA",
    severity=Severity.ERROR,
    scope="workflow",
    check=check,
    doc=RuleDoc(
        rationale="An action runs with the job's token and secrets. A tag or branch can be "
                  "moved by whoever controls the action's repository — as in the "
                  "tj-actions/changed-files compromise — and every workflow using it runs the "
                  "new code at once. A full commit SHA is the only immutable reference "
                  "(GitHub's security hardening guide). Local actions (./) are part of this "
                  "repository; docker:// images are checked by the image/ rules.",
        bad="- uses: actions/checkout@v4",
        good="- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
        fix="Replace the ref with the commit SHA it points to (gh api "
            "repos/OWNER/REPO/commits/REF --jq .sha) and keep the version as a comment; "
            "Dependabot and Renovate update pinned SHAs and their comments. Trusted owners "
            "can be exempted with actions.pinning.exempt (e.g. \"actions/*\").",
    ),
)
