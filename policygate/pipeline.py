"""The check pipeline: read -> parse -> resources -> evaluate -> locate -> filter, per file.

Each file is processed completely and then dropped (its node tree included), so memory
follows the largest file, not the repository; large scans fan files out to worker
processes, which hand back only findings. Config exceptions and the baseline need the
whole picture and are applied once the files are merged.
"""
from __future__ import annotations

import datetime
import gc
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from policygate.classify import KUBERNETES, document_kind
from policygate.kubernetes import as_resource, pod_specs
from policygate.locate import finding_for
from policygate.model import Document, Finding, Location, Report, Resource, Severity
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.rules import RuleContext
from policygate.settings import ActiveRule, RuleSet, Settings
from policygate.sources.files import SourceFile

if TYPE_CHECKING:
    from policygate.engines import DocumentRef, PolicyEngine
    from policygate.sources.diff import FileChange
    from policygate.suppress import Directive

# Stages that only some runs need (suppressions, diff filters, engines, baselines) are
# imported where they are used: the one-file pre-commit check pays only for what it uses.

_IGNORE_ANNOTATION = "policygate.dev/ignore"


def _has_ignore_annotation(data: dict[str, object]) -> bool:
    metadata = data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return isinstance(annotations, dict) and _IGNORE_ANNOTATION in annotations

# Below this many files a worker pool costs more (fork + pickling) than it saves.
_PARALLEL_MIN_FILES = 64


@dataclass(slots=True)
class FileResult:
    findings: list[Finding]
    suppressed: list[Finding] = field(default_factory=list)
    resources: int = 0
    failures: list[str] = field(default_factory=list)
    # --combine: every document, for engines that judge them all at once (policygate.combine)
    documents: list[DocumentRef] = field(default_factory=list)


def _evaluate(document: Document, kind: str, resource: Resource | None,
              rules: Sequence[ActiveRule], context: RuleContext,
              failures: list[str]) -> list[Finding]:
    """Run every rule whose scope fits this document: pod rules once per pod spec,
    resource rules once per Kubernetes object, other scopes once per document of that kind."""
    findings: list[Finding] = []
    pods = images = None
    for active in rules:
        rule = active.rule
        targets: Sequence[object]
        if rule.scope == "pod" and resource is not None:
            pods = pod_specs(resource) if pods is None else pods
            targets = pods
        elif rule.scope == "resource" and resource is not None:
            targets = (resource,)
        elif rule.scope == "image":
            if images is None:
                from policygate.provenance.extract import image_sites

                images = image_sites(document, kind, resource)
            targets = images
        elif rule.scope == kind and resource is None:
            targets = (document,)
        else:
            continue
        for target in targets:
            try:
                violations = list(rule.check(target, context))
            except Exception as error:  # a rule bug must not hide the other results
                subject = resource.id if resource is not None else f"document {document.index + 1}"
                failures.append(f"{document.file}: internal error in rule {rule.id} on "
                                f"{subject}: {type(error).__name__}: {error}")
                continue
            findings.extend(
                finding_for(violation, rule=rule.id, severity=active.severity,
                            file=document.file, document=document,
                            resource=resource.id if resource is not None else None)
                for violation in violations)
    return findings


def _run_engines(document: Document, kind: str | None, resource: Resource | None,
                 engines: Sequence[PolicyEngine], failures: list[str],
                 documents: list[DocumentRef] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    if not engines:
        return findings
    from policygate.engines import as_ref

    ref = as_ref(document, kind, resource.id if resource is not None else None)
    if documents is not None and any(getattr(e, "combined", False) for e in engines):
        documents.append(ref)
    for engine in engines:
        result = engine.check_document(ref)
        failures.extend(result.failures)
        findings.extend(
            finding_for(violation, rule=engine.source, severity=Severity.ERROR,
                        file=document.file, resource=ref.resource, document=document,
                        source=engine.source)
            for violation in result.violations)
    return findings


def check_bytes(raw: bytes, file: str, rule_set: RuleSet,
                change: FileChange | None = None) -> FileResult:
    settings = rule_set.settings
    parsed = parse_bytes(raw, file, settings.limits)
    findings = list(parsed.findings)
    failures: list[str] = []
    directives: list[Directive] = []
    documents: list[DocumentRef] = []
    resources = 0
    for document in parsed.documents:
        kind = document_kind(document)
        if kind is None:
            # Not ours, but a team's own policy may well judge it (Conftest semantics).
            findings.extend(_run_engines(document, None, None, rule_set.engines, failures,
                                         documents))
            continue
        resources += 1
        resource = as_resource(document) if kind == KUBERNETES else None
        for problem in document.problems:
            problem.resource = resource.id if resource is not None else None
            findings.append(problem)
        findings.extend(_evaluate(document, kind, resource, rule_set.active, settings.context,
                                  failures))
        findings.extend(_run_engines(document, kind, resource, rule_set.engines, failures,
                                     documents))
        if resource is not None and _has_ignore_annotation(resource.data):
            from policygate.suppress.annotations import annotation_directive

            directive = annotation_directive(resource)
            if directive is not None:
                directives.append(directive)
    configured = [f for f in map(settings.configure, findings) if f is not None]
    if parsed.documents and parsed.text is not None and "policygate:" in parsed.text:
        from policygate.suppress.comments import comment_directives

        directives.extend(comment_directives(parsed.text, file, parsed.documents))
    kept, suppressed = configured, []
    if directives:
        from policygate.suppress import apply_directives

        kept, suppressed, problems = apply_directives(configured, directives,
                                                      rule_set.ran_per_file,
                                                      rule_set.known)
        kept.extend(f for f in map(settings.configure, problems) if f is not None)
    if change is not None:
        from policygate.filtering import keep_changed

        kept = keep_changed(kept, settings.filter_mode, change, parsed.documents)
        suppressed = keep_changed(suppressed, settings.filter_mode, change, parsed.documents)
    return FileResult(kept, suppressed, resources, failures, documents)


def read_source(source: SourceFile, limits: Limits) -> bytes | Finding:
    """Read at most one byte past the size limit, so a huge file costs nothing to refuse."""
    try:
        with open(source.path, "rb") as handle:
            return handle.read(limits.max_file_bytes + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        return Finding("parse/unreadable", Severity.ERROR, f"cannot read the file: {reason}",
                       source.display, Location(1, 1, 1), source="parser")


_WORKER_STATE: list[RuleSet] = []


def _check_source(source: SourceFile) -> FileResult:
    rule_set = _WORKER_STATE[0]
    raw = source.content if source.content is not None else \
        read_source(source, rule_set.settings.limits)
    if isinstance(raw, Finding):
        return FileResult([f for f in [rule_set.settings.configure(raw)] if f is not None])
    return check_bytes(raw, source.display, rule_set, source.change)


def _close_engines() -> None:
    for engine in _WORKER_STATE[0].engines:
        engine.close()


def _close_at_exit() -> None:
    from multiprocessing.util import Finalize

    Finalize(None, _close_engines, exitpriority=10)


def _worker_count(files: int, jobs: int | None) -> int:
    if jobs is not None:
        return max(1, jobs)
    if files < _PARALLEL_MIN_FILES:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), files // _PARALLEL_MIN_FILES))


def run_check(sources: Iterable[SourceFile], settings: Settings, jobs: int | None = None,
              full_scan: bool = False, today: datetime.date | None = None,
              engines: Sequence[PolicyEngine] = (), notes: Sequence[Finding] = (),
              base_sources: Sequence[SourceFile] | None = None) -> Report:
    """Check every source.

    `full_scan` says the whole repository was scanned, which is when a config exception
    without a file pattern can be called unused; `notes` are findings from the source
    stage (skipped files); `base_sources` are the base versions of changed files, whose
    findings are not reported again (`--filter-mode new`).
    """
    sources = list(sources)
    rule_set = RuleSet(settings, engines)
    _WORKER_STATE[:] = [rule_set]
    documents: list[DocumentRef] = []
    report = _scan(sources, jobs, documents)
    if documents:
        from policygate.combine import run_combined

        run_combined(report, rule_set, documents, sources)
    if base_sources is not None:
        from policygate.filtering import subtract_existing

        existing = _scan(list(base_sources), jobs)
        report.findings = subtract_existing(report.findings, existing.findings)
        report.failures.extend(existing.failures)
    report.findings.extend(f for f in map(settings.configure, notes) if f is not None)
    _apply_decisions(report, rule_set, {s.display for s in sources}, full_scan,
                     today or datetime.date.today())
    return report


def _scan(sources: list[SourceFile], jobs: int | None,
          documents: list[DocumentRef] | None = None) -> Report:
    # Parsing makes millions of short-lived, acyclic objects: let reference counting free
    # them and keep the cycle collector from rescanning everything imported (~10% faster).
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 20_000), *threshold[1:])
    try:
        return _scan_files(sources, jobs, documents)
    finally:
        gc.set_threshold(*threshold)


def _scan_files(sources: list[SourceFile], jobs: int | None,
                documents: list[DocumentRef] | None) -> Report:
    workers = _worker_count(len(sources), jobs)
    if workers > 1:
        import multiprocessing

        # close() + join(), not terminate(): workers must exit normally so engines close.
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_close_at_exit)
        try:
            report = _merge(pool.imap(_check_source, sources, chunksize=16), len(sources),
                            documents)
        finally:
            pool.close()
            pool.join()
    else:
        try:
            report = _merge(map(_check_source, sources), len(sources), documents)
        finally:
            _close_engines()
    return report


def _merge(results: Iterable[FileResult], files: int,
           documents: list[DocumentRef] | None = None) -> Report:
    report = Report(files=files)
    for result in results:
        if documents is not None:
            documents.extend(result.documents)
        report.findings.extend(result.findings)
        report.suppressed.extend(result.suppressed)
        report.resources += result.resources
        report.failures.extend(result.failures)
    return report


def _apply_decisions(report: Report, rule_set: RuleSet, scanned: set[str], full_scan: bool,
                     today: datetime.date) -> None:
    settings = rule_set.settings
    if settings.exceptions:
        from policygate.suppress.exceptions import apply_exceptions

        kept, suppressed, problems = apply_exceptions(
            report.findings, settings.exceptions, settings.config_path, today, scanned,
            full_scan, rule_set.ran)
        report.findings = kept + [f for f in map(settings.configure, problems) if f is not None]
        report.suppressed.extend(suppressed)
    if settings.baseline is not None:
        from policygate.baseline import apply_baseline

        report.findings, suppressed = apply_baseline(report.findings, settings.baseline,
                                                     settings.baseline_path or "baseline")
        report.suppressed.extend(suppressed)
    report.findings.sort(key=Finding.sort_key)
    report.suppressed.sort(key=Finding.sort_key)
