"""The --combine stage: engines that judge all documents at once, after the per-file scan.

Conftest's `--combine` gives a policy every document in one input (a list of
`{"path", "contents"}`), for rules across files ("every Deployment has a Service").
This runs once, in the main process, after the files were scanned; each violation
names a document of the list (Rego results do it with `path: "[3].contents.spec…"`)
and is located, configured and suppressed like any other finding of that file. The
node trees are gone by then (memory follows the largest file), so only the files that
got a combined finding are parsed again.
"""
from __future__ import annotations

from collections.abc import Sequence

from policygate.engines import DocumentRef
from policygate.locate import finding_for, locate
from policygate.model import Finding, Location, Report, Severity
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import ParsedFile
from policygate.settings import RuleSet
from policygate.sources.files import SourceFile



def run_combined(report: Report, rule_set: RuleSet, documents: Sequence[DocumentRef],
                 sources: Sequence[SourceFile]) -> None:
    per_file: dict[str, list[tuple[DocumentRef, Finding]]] = {}
    for engine in rule_set.combined_engines:
        result = engine.check_combined(documents)
        report.failures.extend(result.failures)
        report.findings.extend(rule_set.settings.configure_all(result.findings))
        for index, violation in result.violations:
            # A result that names no document is reported at the first one.
            ref = documents[index] if index is not None and 0 <= index < len(documents) \
                else documents[0]
            finding = finding_for(violation, rule=engine.source, severity=Severity.ERROR,
                                  file=ref.file, resource=ref.resource, document=None,
                                  source=engine.source, data=ref.data)
            per_file.setdefault(ref.file, []).append((ref, finding))
    by_name = {source.display: source for source in sources}
    for file, items in sorted(per_file.items()):
        _add_file_findings(report, rule_set, by_name.get(file), file, items)


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
