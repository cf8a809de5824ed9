"""A kind the gate does not know holds a pod-shaped object: say what was assumed."""
from __future__ import annotations

from collections.abc import Iterator

from policygate.kubernetes import pod_specs
from policygate.model import Resource, Severity, Violation, format_path
from policygate.rules import Rule, RuleContext, RuleDoc


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for pod in pod_specs(resource, ctx.pod_spec_paths):
        if pod.assumed:
            where = format_path(pod.path) or "the object itself"
            yield Violation(
                f"{resource.id.kind} ({resource.id.api_version}) is not a kind the gate knows: "
                f"`{where}` looks like a pod spec and was checked as one — declare it under "
                f"kubernetes.pod_spec_paths in .policygate.yaml to confirm",
                pod.path)


RULE = Rule(
    id="kubernetes/assumed-pod-spec",
    summary="a kind the gate does not know holds a pod spec, which was checked as one",
    severity=Severity.NOTE,
    scope="resource",
    check=check,
    doc=RuleDoc(
        rationale="Operators run pods from their own kinds (CI runners, job queues, "
                  "platform CRDs). A gate that only knows the built-in workloads would call "
                  "a privileged pod inside such a kind checked and fine. Any mapping whose "
                  "`containers` is a list of objects with an `image` is judged as a pod spec "
                  "by every pod rule, and this note names the path that was assumed.",
        bad="apiVersion: ci.example.com/v1\nkind: Runner\nspec:\n  pod:\n    containers:\n"
            "      - name: build\n        image: builder:1.0",
        good="# .policygate.yaml\nkubernetes:\n  pod_spec_paths:\n    - kind: Runner\n"
             "      apiVersion: ci.example.com/v1\n      paths: [spec.pod]",
        fix="Declare where the kind keeps its pod specs under `kubernetes.pod_spec_paths` "
            "(paths like `spec.jobs[*].template.spec`); declared kinds are checked at exactly "
            "those paths and get no note.",
    ),
)
