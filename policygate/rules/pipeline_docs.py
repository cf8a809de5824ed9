"""`policygate explain` for findings the pipeline makes itself (parse/..., the gate's own
policygate/... and approval/... findings), where the why and the fix are not obvious from
the one-line summary."""
from __future__ import annotations

from policygate.rules import RuleDoc

PIPELINE_DOCS: dict[str, RuleDoc] = {
    "parse/ambiguous-merge": RuleDoc(
        rationale="The tools that apply manifests disagree about YAML merge keys. kubectl, Helm "
                  "and Argo CD decode through sigs.k8s.io/yaml (go-yaml v2), which applies keys "
                  "in the order written, so a `<<` after an explicit key overrides it; "
                  "kustomize (go-yaml v3) and the merge-key spec keep the explicit key. The "
                  "same file can run privileged through one tool and not through another. "
                  "The gate judges both readings (a finding points where the value it judged "
                  "is written) and marks the key where they part, naming both values.",
        bad="securityContext:\n  privileged: false\n  <<: *defaults   # defaults: "
            "{privileged: true}",
        good="securityContext:\n  <<: *defaults\n  privileged: false   # after the merge: "
             "every tool reads false",
        fix="Write explicit keys after the `<<` merge key (every tool then agrees they win), "
            "or drop the conflicting key from one side.",
    ),
    "policygate/new-suppression": RuleDoc(
        rationale="A pull request must not be able to silence its own violation. A "
                  "suppression it adds — a `# policygate: ignore[...]` comment or a "
                  "`policygate.dev/ignore` annotation naming a rule that nothing at the base "
                  "suppressed in that resource — is honoured in pull-request mode (`policygate "
                  "pr`, `check --pr-context`) only when an approval rule of the base config "
                  "with an `adds_suppressions` condition covers it and is approved; the report "
                  "then names who approved it. Otherwise the finding is reported as if the "
                  "suppression were not there, and this error names the rule, the resource, the "
                  "reason and the commit that added it. With `--diff`/`--staged` and no "
                  "pull-request facts (pre-commit, a laptop) the suppression is honoured and "
                  "this is a note, or an error when the base config sets `suppressions: {new: "
                  "error}`. Such runs read the working tree's config, so a config "
                  "`exceptions:` entry the base commit's config did not have (added, widened, or "
                  "renewed past its expiry) is reported the same way, on the entry's line; in "
                  "pull-request mode the config is the base's and its exceptions apply as "
                  "written. A plain `check` without a diff honours suppressions as always.",
        bad="# a pull request adds, next to its own violation:\n"
            "hostPID: true  # policygate: ignore[pss/host-namespaces] reviewed",
        good="# .policygate.yaml at the base: new suppressions need the security team\n"
             "approvals:\n"
             "  rules:\n"
             "    - name: suppressions-ok\n"
             "      if: {adds_suppressions: {rules: [pss]}}   # or: adds_suppressions: true\n"
             "      requires: {count: 1, teams: [acme/security]}",
        fix="Fix the violation, or have the suppression approved under an approval rule with "
            "`adds_suppressions` (add one to the base config first if there is none)."),
    "policygate/outdated-baseline": RuleDoc(
        rationale="Version 1 baselines match a finding by rule, resource and field only, so "
                  "the same field with another value — an allowed image swapped for "
                  "`evil.example/miner`, a host path widened from `/var/log/agent` to `/` — "
                  "still counts as known. Version 2 fingerprints include the offending value.",
        bad='{"version": 1, "findings": [...]}',
        good='{"version": 2, "findings": [...]}',
        fix="Rewrite the baseline: `policygate check --write-baseline FILE` (review what it "
            "now records)."),
    "approval/policy-changed": RuleDoc(
        rationale="A pull request that edits the gate — the config, Rego policies and data, "
                  "Gatekeeper objects, the baseline, CODEOWNERS, the workflows that run the "
                  "gate (`.github/workflows/**`, local actions, `action.yml`), "
                  "`.pre-commit-config.yaml`, or `approvals.gate_files` — is still judged by "
                  "the base commit's version, and this warning says so. Approval rules can "
                  "require a review for it with `if: {policy_changed: true}`.",
        bad="# .github/workflows/gate.yml in a pull request\n"
            "      - uses: policygate/policygate@<sha>\n"
            "        with: {fail-on: never}",
        good="approvals:\n"
             "  rules:\n"
             "    - name: gate-owners\n"
             "      if: {policy_changed: true}\n"
             "      requires: {count: 1, teams: [acme/platform]}",
        fix="Have the change to the gate reviewed by whoever owns it; it takes effect for the "
            "pull requests after it is merged."),
}
