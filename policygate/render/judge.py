"""Judge a render's output: every rendered object through the same rules and engines as
a file, then each finding placed back on the source line that produced it.

Objects are judged whole (a patch is only ever seen merged into its target) with the
identity the cluster will see: the overlay's namespace and name, so exceptions and
baselines match what is deployed. A `policygate.dev/ignore` annotation travels with the
object through the build and suppresses its findings wherever they are placed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from policygate.model import Document, FieldPath, Finding, ResourceId
from policygate.render.attribute import Place
from policygate.render.request import Render, render_finding

STREAM = "stdin"   # the renderer name of a stream read from standard input
UNTRACED_NOTE = ("(set during the build of {label}; not traced to a source line, so it is "
                 "reported on the kustomization)")


class Placer(Protocol):
    def bind(self, text: str) -> None:
        """See the whole output first (helm's `# Source:` comments)."""

    def prepare(self, document: Document) -> Any:
        """Read (and remove) what the renderer added to say where the object came from."""

    def file_of(self, context: Any) -> str: ...

    def place(self, context: Any, path: FieldPath, data: dict[str, Any]) -> Place: ...


@dataclass(slots=True)
class Judgement:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    directives: list[Any] = field(default_factory=list)     # suppress.Directive
    checked: list[tuple[str, ResourceId]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    state: dict[ResourceId, str] = field(default_factory=dict)  # object -> canonical JSON
    resources: int = 0
    # For the --combine stage (policygate.combine): each rendered document as the combined
    # engines see it, with what places and suppresses their findings on it.
    combined: list[Any] = field(default_factory=list)       # engines.DocumentRef
    contexts: list[Any] = field(default_factory=list)       # the placer's, per document
    annotations: dict[int, Any] = field(default_factory=dict)  # position -> Directive


def _settle(judgement: Judgement, findings: list[Finding], placer: Placer, context: Any,
            data: Any, label: str, directive: Any, rule_set: Any) -> None:
    """Findings on one rendered document, per-document or combined alike: each put on
    the source line that produced its field, configured, and suppressed by the object's
    ignore annotation (`directive`, None without one)."""
    data = data if isinstance(data, dict) else {}
    for finding in findings:
        place = placer.place(context, finding.path, data)
        finding.file, finding.location, finding.render = place.file, place.location, label
        if not place.traced:
            finding.message += " " + UNTRACED_NOTE.format(label=label)
    findings = rule_set.settings.configure_all(findings)
    if directive is not None:
        findings, suppressed = _suppress(findings, directive)
        judgement.suppressed.extend(suppressed)
    judgement.findings.extend(findings)


def _annotation_directive(resource: Any, placer: Placer, context: Any) -> Any:
    """The object's ignore annotation, placed where it is written."""
    from policygate.suppress import Directive
    from policygate.suppress.annotations import IGNORE, ignore_annotation

    found = ignore_annotation(resource.data)
    if found is None:
        return None
    place = placer.place(context, ("metadata", "annotations", IGNORE), resource.data)
    return Directive("annotation", *found, place.file, place.location.line,
                     place.location.column, 0, 0)


def _suppress(findings: list[Finding], directive: Any) -> tuple[list[Finding], list[Finding]]:
    from policygate.rules import rule_matches
    from policygate.suppress import is_meta

    kept, suppressed = [], []
    for finding in findings:
        rule = None if is_meta(finding) else next(
            (r for r in directive.rules if rule_matches(finding.rule, r)), None)
        if rule is None:
            kept.append(finding)
        else:
            directive.used.add(rule)
            finding.suppression = directive.suppression()
            suppressed.append(finding)
    return kept, suppressed


# Kinds that have no namespace: a deployer's default namespace does not apply to them.
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "StorageClass", "PriorityClass", "IngressClass",
    "RuntimeClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService",
    "CSIDriver", "CSINode", "VolumeAttachment", "CertificateSigningRequest",
    "PodSecurityPolicy", "ClusterIssuer", "ClusterPolicy", "ConstraintTemplate"})


def _default_namespace(data: Any, namespace: str | None) -> None:
    """Where the deployer puts a namespaced object that names no namespace: the cluster
    (and so exceptions and baselines) sees it there."""
    if not namespace or not isinstance(data, dict) or data.get("kind") in CLUSTER_SCOPED:
        return
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and not metadata.get("namespace"):
        metadata["namespace"] = namespace


def read_output(render: Render, placer: Placer, limits: Any) -> tuple[Any, list[Any]]:
    """(the parsed output, the placer's context of each document): every object as the
    cluster gets it — the build's own annotations taken off, the deployer's default
    namespace filled in — and named by the file it comes from. Judging and the
    inventory of a diff (policygate.inventory) read renders alike."""
    from policygate.parsers import parse_bytes

    assert render.output is not None
    label = render.request.label
    parsed = parse_bytes(render.output, label if render.renderer == STREAM
                         else f"{label} (rendered)", limits)
    placer.bind(parsed.text or "")
    contexts = []
    for document in parsed.documents:
        contexts.append(placer.prepare(document))
        _default_namespace(document.data, render.request.namespace)
        document.file = placer.file_of(contexts[-1])
        document.problems.clear()  # the renderer's YAML, not the author's
    return parsed, contexts


def judge_render(render: Render, placer: Placer, rule_set: Any) -> Judgement:
    from policygate.pipeline import judge_documents

    judgement = Judgement()
    label = render.request.label
    stream = render.renderer == STREAM
    parsed, contexts = read_output(render, placer, rule_set.settings.limits)
    for problem in parsed.findings:
        if stream:  # standard input is a file like any other
            judgement.findings.append(problem)
            continue
        judgement.findings.append(render_finding(
            "render/failed", f"the {render.renderer} output of {label} cannot be read: "
                             f"{problem.message}", render.anchor))
    # The documents go to the combined engines too (a base render's as the comparison
    # of `new` mode); their results come back through add_combined.
    judgement.contexts = contexts
    every = judge_documents(parsed.documents, rule_set, judgement.failures, judgement.combined)
    for position, (context, judged) in enumerate(zip(contexts, every)):
        document = judged.document
        if judged.kind is not None:
            judgement.resources += 1
        directive = None
        if judged.resource is not None:
            judgement.checked.append((document.file, judged.resource.id))
            judgement.state[judged.resource.id] = json.dumps(
                document.data if isinstance(document.data, dict) else {}, sort_keys=True,
                default=str)
            directive = _annotation_directive(judged.resource, placer, context)
            if directive is not None:
                judgement.directives.append(directive)
                judgement.annotations[position] = directive
        _settle(judgement, judged.findings, placer, context, document.data, label, directive,
                rule_set)
    render.resources = judgement.resources
    return judgement


def add_combined(render: Render, placer: Placer, judgement: Judgement, position: int,
                 findings: list[Finding], rule_set: Any) -> None:
    """Findings of a combined engine on a rendered document: placed, configured and
    suppressed like the per-document ones (the diff filter and comment suppressions
    follow when the renders are folded into the report)."""
    ref = next(r for r in judgement.combined if r.position == position)
    _settle(judgement, findings, placer, judgement.contexts[position], ref.data,
            render.request.label, judgement.annotations.get(position), rule_set)
