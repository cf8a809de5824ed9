"""The --combine stage: engines that judge all documents at once, after the per-file scan.

Conftest's `--combine` gives a policy every document in one input (a list of
`{"path", "contents"}`), for rules across files ("every Deployment has a Service").
Gatekeeper works the same way (its inventory is every object). This runs once, in the
main process, after the files were scanned and the renders judged; each violation names
a document of the list (Rego results do it with `path: "[3].contents.spec…"`). A diff
judges the change's documents against the whole cluster the repository describes
(policygate.inventory): the rest is in the engines' view, never judged; `new` mode runs
the engines on the base too, so their findings are compared like all others. On a
file's document it is located, configured and suppressed like any other finding of that
file — the node trees are gone by then (memory follows the largest file), so only the
files that got a combined finding are parsed again. On a rendered object (what a
kustomize overlay or a chart produces: the cluster's object, not a patch) it is placed
on the source line that produced the field, like the render's own findings.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from policygate.engines import DocumentRef
from policygate.locate import finding_for, locate
from policygate.model import Finding, Location, Report, Severity
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import ParsedFile
from policygate.settings import RuleSet
from policygate.sources.files import SourceFile

if TYPE_CHECKING:
    from policygate.inventory import Inventory
    from policygate.render.session import Judged


def run_combined(report: Report, rule_set: RuleSet, documents: Sequence[DocumentRef],
                 sources: Sequence[SourceFile], rendered: Sequence[Judged] = (),
                 inventory: Inventory | None = None, comparison: bool = False) -> None:
    """`documents` are the files' documents; the documents of the judged renders
    (`rendered`) join them. In a diff `inventory` is the rest of the cluster: engines
    see it (each as much as it needs), and judge only the change's documents.
    `comparison`: the base side of `new` mode, whose findings only cancel the head's
    (what an engine says about itself, e.g. a template it cannot run, is the head's)."""
    owners: list[tuple[int, int] | None] = [None] * len(documents)  # (render, position)
    documents = list(documents)
    for number, judged in enumerate(rendered):
        if judged.judgement is not None:
            documents += judged.judgement.combined
            owners += [(number, ref.position) for ref in judged.judgement.combined]
    if not documents:
        return
    context: list[DocumentRef] = []
    if inventory is not None and any(e.cluster_need for e in rule_set.combined_engines):
        context = inventory.documents()
    per_file: dict[str, list[tuple[DocumentRef, Finding]]] = {}
    per_render: dict[tuple[int, int], list[Finding]] = {}
    for engine in rule_set.combined_engines:
        seen = context if engine.cluster_need else []
        result = engine.check_combined(documents, seen)
        report.failures.extend(result.failures)
        if not comparison:
            report.findings.extend(rule_set.settings.configure_all(result.findings))
        for index, violation in result.violations:
            # A result that names no document is reported at the first one.
            if index is None or not 0 <= index < len(documents) + len(seen):
                index = 0
            if index >= len(documents):
                continue  # about the rest of the cluster, which the run does not judge
            ref = documents[index]
            finding = finding_for(violation, rule=engine.source, severity=Severity.ERROR,
                                  file=ref.file, resource=ref.resource, document=None,
                                  source=engine.source, data=ref.data)
            owner = owners[index]
            if owner is None:
                per_file.setdefault(ref.file, []).append((ref, finding))
            else:
                per_render.setdefault(owner, []).append(finding)
    by_name = {source.display: source for source in sources}
    for file, items in sorted(per_file.items()):
        _add_file_findings(report, rule_set, by_name.get(file), file, items)
    if per_render:
        from policygate.render.judge import add_combined

        for (number, position), findings in sorted(per_render.items(), key=lambda i: i[0]):
            judged = rendered[number]
            add_combined(judged.render, judged.placer, judged.judgement, position, findings,
                         rule_set)


def _add_file_findings(report: Report, rule_set: RuleSet, source: SourceFile | None, file: str,
                       items: list[tuple[DocumentRef, Finding]]) -> None:
    from policygate.pipeline import finish_file, read_source

    settings = rule_set.settings
    raw = None
    if source is not None:
        raw = source.content if source.content is not None else read_source(source, settings.limits)
    parsed = parse_bytes(raw, file, settings.limits) if isinstance(raw, bytes) \
        else ParsedFile([], [])
    for ref, finding in items:
        document = parsed.documents[ref.position] if ref.position < len(parsed.documents) \
            else None
        finding.location = locate(document, finding.path) if document is not None \
            else Location(1, 1, 1)
    kept, suppressed = finish_file((f for _, f in items), parsed, file,
                                   source.change if source is not None else None, rule_set,
                                   combined=True)
    report.findings.extend(kept)
    report.suppressed.extend(suppressed)
