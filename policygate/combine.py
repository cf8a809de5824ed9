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
from typing import TYPE_CHECKING

from policygate.engines import DocumentRef
from policygate.locate import finding_for, locate
from policygate.model import Finding, Location, Report, Severity
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import ParsedFile
from policygate.settings import RuleSet
from policygate.sources.files import SourceFile

if TYPE_CHECKING:
    from policygate.suppress import Directive


def run_combined(report: Report, rule_set: RuleSet, documents: Sequence[DocumentRef],
                 sources: Sequence[SourceFile]) -> None:
    engines = [e for e in rule_set.engines if getattr(e, "combined", False)]
    per_file: dict[str, list[tuple[DocumentRef, Finding]]] = {}
    for engine in engines:
        result = engine.check_combined(documents)  # type: ignore[attr-defined]
        report.failures.extend(result.failures)
        report.findings.extend(f for f in map(rule_set.settings.configure, result.findings)
                               if f is not None)
        for index, violation in result.violations:
            # A result that names no document is reported at the first one.
            ref = documents[index] if index is not None and 0 <= index < len(documents) \
                else documents[0]
            finding = finding_for(violation, rule=engine.source, severity=Severity.ERROR,
                                  file=ref.file, resource=ref.resource, document=None,
                                  source=engine.source)
            per_file.setdefault(ref.file, []).append((ref, finding))
    by_name = {source.display: source for source in sources}
    for file, items in sorted(per_file.items()):
        _add_file_findings(report, rule_set, by_name.get(file), file, items)


def _add_file_findings(report: Report, rule_set: RuleSet, source: SourceFile | None, file: str,
                       items: list[tuple[DocumentRef, Finding]]) -> None:
    from policygate.pipeline import read_source

    settings = rule_set.settings
    raw = None
    if source is not None:
        raw = source.content if source.content is not None else read_source(source, settings.limits)
    parsed = parse_bytes(raw, file, settings.limits) if isinstance(raw, bytes) else None
    documents = {d.index: d for d in reversed(parsed.documents)} if parsed else {}
    for ref, finding in items:
        document = documents.get(ref.index)
        finding.location = locate(document, finding.path) if document is not None \
            else Location(1, 1, 1)
    configured = [f for f in (settings.configure(f) for _, f in items) if f is not None]
    kept, suppressed = configured, []
    directives = _directives(parsed, file) if parsed is not None else []
    if directives:
        from policygate.suppress import WITHOUT_REASON, apply_directives

        # The per-file stage already reported these directives' own problems; here only
        # whether a combined engine's suppression matched something is new.
        kept, suppressed, problems = apply_directives(configured, directives,
                                                      rule_set.ran_combined, lambda _: True)
        kept.extend(f for f in map(settings.configure, problems)
                    if f is not None and f.rule != WITHOUT_REASON)
    if source is not None and source.change is not None and parsed is not None:
        from policygate.filtering import keep_changed

        kept = keep_changed(kept, settings.filter_mode, source.change, parsed.documents)
        suppressed = keep_changed(suppressed, settings.filter_mode, source.change,
                                  parsed.documents)
    report.findings.extend(kept)
    report.suppressed.extend(suppressed)


def _directives(parsed: ParsedFile, file: str) -> list[Directive]:
    """The file's suppressions: `# policygate: ignore[...]` comments and annotations."""
    from policygate.kubernetes import as_resource
    from policygate.suppress.annotations import IGNORE, annotation_directive

    directives: list[Directive] = []
    if parsed.text is not None and IGNORE in parsed.text:
        for document in parsed.documents:
            resource = as_resource(document)
            directive = annotation_directive(resource) if resource is not None else None
            if directive is not None:
                directives.append(directive)
    if parsed.text is not None and "policygate:" in parsed.text:
        from policygate.suppress.comments import comment_directives

        directives.extend(comment_directives(parsed.text, file, parsed.documents))
    return directives
