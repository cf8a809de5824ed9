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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from policygate.classify import KUBERNETES, document_kind
from policygate.kubernetes import PodSpec, as_resource, pod_specs
from policygate.locate import finding_for
from policygate.model import Document, Finding, Location, Report, Resource, ResourceId, Severity
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits, ParsedFile
from policygate.rules import RuleContext, all_rules, known_pattern
from policygate.settings import ActiveRule, RuleSet, Settings
from policygate.sources.files import SourceFile

if TYPE_CHECKING:
    from policygate.engines import DocumentRef, PolicyEngine
    from policygate.inventory import Inventory
    from policygate.render.session import RenderSession
    from policygate.sources.diff import FileChange

# Stages that only some runs need (suppressions, diff filters, engines, baselines) are
# imported where they are used: the one-file pre-commit check pays only for what it uses.

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
    checked: list[tuple[str, ResourceId]] = field(default_factory=list)  # for JUnit passes


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
            pods = pod_specs(resource, context.pod_spec_paths) if pods is None else pods
            targets = pods
        elif rule.scope == "resource" and resource is not None:
            targets = (resource,)
        elif rule.scope == "image":
            if images is None:
                from policygate.provenance.extract import image_sites

                images = image_sites(document, kind, resource, context.pod_spec_paths)
            targets = images
        elif rule.scope == kind and resource is None:
            targets = (document,)
        else:
            continue
        rule_context = active.context or context
        for target in targets:
            try:
                violations = list(rule.check(target, rule_context))
                if isinstance(target, PodSpec) and target.patches is not None:
                    # a pod spec patch: only what the patch adds is its own finding
                    before = {v.message for v in rule.check(target.patches, rule_context)}
                    violations = [v for v in violations if v.message not in before]
            except Exception as error:  # a rule bug must not hide the other results
                subject = resource.id if resource is not None else f"document {document.index + 1}"
                failures.append(f"{document.file}: internal error in rule {rule.id} on "
                                f"{subject}: {type(error).__name__}: {error}")
                continue
            findings.extend(
                finding_for(violation, rule=rule.id, severity=active.severity,
                            file=document.file, document=document,
                            resource=resource.id if resource is not None else None,
                            note=active.note)
                for violation in violations)
    return findings


def _engine_ref(document: Document, position: int, kind: str | None,
                resource: Resource | None, rule_set: RuleSet, asked: list[tuple[Document, DocumentRef]],
                documents: list[DocumentRef]) -> None:
    """Queue the document for the per-document engines; keep it for the combined ones."""
    if not rule_set.engines and not rule_set.combined_engines:
        return
    from policygate.engines import as_ref

    ref = as_ref(document, position, kind, resource.id if resource is not None else None)
    if rule_set.combined_engines:
        documents.append(ref)
    if rule_set.engines:
        asked.append((document, ref))


def _engine_results(asked: list[tuple[Document, DocumentRef]], rule_set: RuleSet,
                    failures: list[str]) -> list[list[Finding]]:
    """Ask each per-document engine about all the documents at once (engines evaluate
    them in batches): the findings of each asked document, in order."""
    results: list[list[Finding]] = [[] for _ in asked]
    if not asked:
        return results
    for engine in rule_set.engines:
        for index, ((document, ref), result) in enumerate(
                zip(asked, engine.check_documents([ref for _, ref in asked]))):
            failures.extend(result.failures)
            results[index].extend(
                finding_for(violation, rule=engine.source, severity=Severity.ERROR,
                            file=document.file, resource=ref.resource, document=document,
                            source=engine.source)
                for violation in result.violations)
    return results


def _distinct(findings: list[Finding]) -> list[Finding]:
    """One finding per rule, place and message, whichever reading found it first."""
    seen: set[tuple[object, ...]] = set()
    kept = []
    for finding in findings:
        key = (finding.rule, finding.location, finding.message, finding.path)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


def finish_file(findings: Iterable[Finding], parsed: ParsedFile, file: str,
                change: FileChange | None, rule_set: RuleSet,
                combined: bool = False) -> tuple[list[Finding], list[Finding]]:
    """The end of every file: config, suppressions, then the diff filter -> (kept,
    suppressed). `combined` is for the findings of combined engines, which arrive after
    the per-file stage has already reported the directives' own problems."""
    settings = rule_set.settings
    kept = settings.configure_all(findings)
    suppressed: list[Finding] = []
    from policygate.suppress import file_directives

    directives = file_directives(parsed, file)
    if directives:
        from policygate.suppress import WITHOUT_REASON, apply_directives

        ran = rule_set.ran_combined if combined else rule_set.ran_per_file
        kept, suppressed, problems = apply_directives(
            kept, directives, ran, (lambda _: True) if combined else known_pattern)
        kept += [f for f in settings.configure_all(problems)
                 if not (combined and f.rule == WITHOUT_REASON)]
    if change is not None:
        from policygate.filtering import keep_changed

        kept = keep_changed(kept, settings.filter_mode, change, parsed.documents)
        suppressed = keep_changed(suppressed, settings.filter_mode, change, parsed.documents)
    return kept, suppressed


@dataclass(slots=True)
class Judged:
    """One document's findings, and what it is (for counts and reports)."""

    document: Document
    kind: str | None
    resource: Resource | None = None
    findings: list[Finding] = field(default_factory=list)
    read_twice: bool = False   # merge keys read another way too: findings may repeat


def judge_documents(documents: Sequence[Document], rule_set: RuleSet, failures: list[str],
                    combined: list[DocumentRef]) -> list[Judged]:
    """Every rule and engine on each document (a file's, or a render's); the per-document
    engines are asked about all of them at once."""
    settings = rule_set.settings
    asked: list[tuple[Document, DocumentRef]] = []
    owners: list[Judged] = []
    judged: list[Judged] = []
    for position, document in enumerate(documents):
        item = Judged(document, document_kind(document))
        judged.append(item)
        if item.kind is None:
            # Not ours, but a team's own policy may well judge it (Conftest semantics).
            _engine_ref(document, position, None, None, rule_set, asked, combined)
            owners += [item] * (len(asked) - len(owners))
            continue
        resource = item.resource = as_resource(document) if item.kind == KUBERNETES else None
        for problem in document.problems:
            problem.resource = resource.id if resource is not None else None
            item.findings.append(problem)
        rules = rule_set.rules_for(resource.id.namespace) if resource is not None \
            else rule_set.active
        item.findings.extend(_evaluate(document, item.kind, resource, rules, settings.context,
                                       failures))
        _engine_ref(document, position, item.kind, resource, rule_set, asked, combined)
        for other in document.other_readings:  # merge keys read another way elsewhere
            other_kind = document_kind(other)
            if other_kind is not None:
                other_resource = as_resource(other) if other_kind == KUBERNETES else None
                item.findings.extend(_evaluate(other, other_kind, other_resource, rules,
                                               settings.context, failures))
                _engine_ref(other, position, other_kind, other_resource, rule_set, asked, [])
                item.read_twice = True
        owners += [item] * (len(asked) - len(owners))
    for owner, findings in zip(owners, _engine_results(asked, rule_set, failures)):
        owner.findings.extend(findings)
    for item in judged:
        if item.read_twice:
            item.findings = _distinct(item.findings)
    return judged


def check_bytes(raw: bytes, file: str, rule_set: RuleSet,
                change: FileChange | None = None) -> FileResult:
    settings = rule_set.settings
    parsed = parse_bytes(raw, file, settings.limits)
    findings = list(parsed.findings)
    failures: list[str] = []
    documents: list[DocumentRef] = []
    checked: list[tuple[str, ResourceId]] = []
    resources = 0
    for judged in judge_documents(parsed.documents, rule_set, failures, documents):
        findings.extend(judged.findings)
        if judged.kind is not None:
            resources += 1
        if judged.resource is not None:
            checked.append((file, judged.resource.id))
    kept, suppressed = finish_file(findings, parsed, file, change, rule_set)
    return FileResult(kept, suppressed, resources, failures, documents, checked)


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
        return FileResult(rule_set.settings.configure_all([raw]))
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
              base_sources: Sequence[SourceFile] | None = None,
              renders: RenderSession | None = None,
              inventories: tuple[Inventory, Inventory | None] | None = None) -> Report:
    """Check every source.

    `full_scan` says the whole repository was scanned, which is when a config exception
    without a file pattern can be called unused; `notes` are findings from the source
    stage (skipped files); `base_sources` are the base versions of changed files, whose
    findings are not reported again (`--filter-mode new`); `renders` are the kustomize
    and helm renders already started, judged once the files are done; `inventories`
    the cluster around a change at its head and base (policygate.inventory), for the
    combined engines.
    """
    sources = list(sources)
    if any(settings.enabled(rule.id) for rule in all_rules() if rule.family == "pss"):
        from policygate.namespaces import scan_namespaces

        settings.context.namespaces.scanned = scan_namespaces(sources, settings.limits)
    rule_set = RuleSet(settings, engines)
    _WORKER_STATE[:] = [rule_set]
    documents: list[DocumentRef] = []
    base_documents: list[DocumentRef] = []
    head, base = inventories if inventories is not None else (None, None)
    poll = renders.poll if renders else None
    try:  # the engines of this process serve every scan of the run, then close once
        report = _scan(sources, jobs, documents, poll)
        # `new` mode: the base versions, each engine's findings compared with the head's
        existing = _scan(list(base_sources), jobs, base_documents, poll) \
            if base_sources is not None else None
        for inventory in (head, base) if rule_set.combined_engines else ():
            if inventory is not None:  # the cluster's files, read while renders run
                inventory.read_files(poll)
        rendered = renders.finish(rule_set) if renders is not None else []
        if rule_set.combined_engines:
            from policygate.combine import run_combined

            run_combined(report, rule_set, documents, sources,
                         [j for j in rendered if j.render.reported], head)
            if existing is not None:
                run_combined(existing, rule_set, base_documents, list(base_sources or ()),
                             [j for j in rendered if j.render.side == "base"], base,
                             comparison=True)
        if renders is not None:
            renders.merge(report, rule_set, {s.display for s in sources})
        if existing is not None:
            from policygate.filtering import subtract_existing

            report.findings = subtract_existing(report.findings, existing.findings)
            report.failures.extend(existing.failures)
    finally:
        _close_engines()
    if head is not None:
        notes = [*notes, *head.notes()]
    report.findings.extend(settings.configure_all(notes))
    _apply_decisions(report, rule_set, {s.display for s in sources}, full_scan,
                     today or datetime.date.today())
    return report


def _scan(sources: list[SourceFile], jobs: int | None, documents: list[DocumentRef],
          poll: Callable[[], None] | None) -> Report:
    # Parsing makes millions of short-lived, acyclic objects: let reference counting free
    # them and keep the cycle collector from rescanning everything imported (~10% faster).
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 20_000), *threshold[1:])
    try:
        return _scan_files(sources, jobs, documents, poll)
    finally:
        gc.set_threshold(*threshold)


def _scan_files(sources: list[SourceFile], jobs: int | None, documents: list[DocumentRef],
                poll: Callable[[], None] | None) -> Report:
    workers = _worker_count(len(sources), jobs)
    if workers > 1:
        import multiprocessing

        # close() + join(), not terminate(): workers must exit normally so engines close.
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_close_at_exit)
        try:
            report = _merge(pool.imap(_check_source, sources, chunksize=16), len(sources),
                            documents, poll)
        finally:
            pool.close()
            pool.join()
    else:
        report = _merge(map(_check_source, sources), len(sources), documents, poll)
    return report


def _merge(results: Iterable[FileResult], files: int, documents: list[DocumentRef],
           poll: Callable[[], None] | None) -> Report:
    report = Report(files=files)
    for result in results:
        if poll is not None:  # start the next renders as earlier ones finish
            poll()
        documents.extend(result.documents)
        report.checked.extend(result.checked)
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
        report.findings = kept + settings.configure_all(problems)
        report.suppressed.extend(suppressed)
    if settings.baseline is not None:
        from policygate.baseline import apply_baseline, outdated_note

        origin = settings.baseline_path or "baseline"
        report.findings, suppressed = apply_baseline(report.findings, settings.baseline, origin)
        report.suppressed.extend(suppressed)
        report.findings += settings.configure_all(outdated_note(settings.baseline, origin))
    report.findings.sort(key=Finding.sort_key)
    report.suppressed.sort(key=Finding.sort_key)
