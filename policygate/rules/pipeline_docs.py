"""`policygate explain` for findings the pipeline makes itself (parse/...), where the
why and the fix are not obvious from the one-line summary."""
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
}
