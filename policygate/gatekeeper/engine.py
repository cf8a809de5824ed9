"""GatekeeperEngine: the pipeline's PolicyEngine for ConstraintTemplates and Constraints.

A combined engine (policygate.engines): referential templates read `data.inventory`,
which is every object of the run — in a diff, the change's objects and the cluster
around them (policygate.inventory) — so the engine waits for the whole scan and then
judges each object once: match every constraint (policygate.gatekeeper.match), build
the review, and ask the backend all matching constraints of that object in one call.
An engine fault — a crash, a timeout, a runtime error, a result without `msg` — is a
failure that names the template, the constraint and the object (exit 2), and the other
objects are still judged.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from policygate.engines import CombinedResult, DocumentRef, EngineResult
from policygate.gatekeeper.backends import Answer, Backend, Item, ReviewFailed, make_backend
from policygate.gatekeeper.cluster import Cluster, build_cluster, is_object
from policygate.gatekeeper.enforcement import SEVERITIES
from policygate.gatekeeper.loader import PolicyObjects
from policygate.gatekeeper.match import matches
from policygate.gatekeeper.objects import Constraint
from policygate.gatekeeper.program import Entry, Program
from policygate.gatekeeper.results import ResultError, decode_violations
from policygate.gatekeeper.review import object_review
from policygate.model import Finding, Location, Severity, Violation
from policygate.rego.context import describe
from policygate.rego.policyset import PolicyError

UNSUPPORTED = "gatekeeper/unsupported-template"
_MATCHER_KINDS = frozenset({"Namespace", "CustomResourceDefinition"})


@dataclass(frozen=True, slots=True)
class EngineSettings:
    engine: str = "opa"                     # opa | regorus | server (policygate.rego.choice)
    server: Any = None                      # policygate.rego.server.ServerSettings for server
    user_info: dict[str, Any] = field(default_factory=dict)
    document_timeout: float = 10.0          # one object, all its constraints
    run_timeout: float = 600.0              # all Gatekeeper evaluation of one run


@dataclass(frozen=True, slots=True)
class Pending:
    constraint: Constraint
    entry: Entry
    assumed: str | None


class GatekeeperEngine:
    source = "gatekeeper"
    families = frozenset({"gatekeeper"})
    combined = True

    def __init__(self, policy: PolicyObjects, program: Program, settings: EngineSettings
                 ) -> None:
        self.policy = policy
        self.program = program
        self.settings = settings
        self._backend: Backend | None = None
        self._active = [c for c in policy.constraints
                        if c.action is not None and c.kind in program.entries]
        self._deadline = time.monotonic() + settings.run_timeout

    def start(self) -> None:
        """Compile in the creating process: a template error stops the run before the scan.

        With referential templates the program is compiled again once the inventory is
        known; this first compile only validates."""
        backend = make_backend(self.settings.engine, self.program, {}, self.settings.server)
        backend.start()
        if self.program.reads_inventory:
            backend.close()
        else:
            self._backend = backend
        self._deadline = time.monotonic() + self.settings.run_timeout

    def check_documents(self, documents: Sequence[DocumentRef]) -> list[EngineResult]:
        return [EngineResult() for _ in documents]  # combined: all in check_combined

    @property
    def cluster_need(self) -> frozenset[str] | None:
        """Referential templates read `data.inventory` (the kinds they name, or any); a
        namespaceSelector reads the Namespaces; other constraints judge the object
        alone. The cluster's Namespaces and CustomResourceDefinitions (scopes) always
        come along: the matcher reads them."""
        from policygate.inventory import EVERYTHING

        selectors = any(c.match.namespace_selector is not None for c in self._active)
        if not self.program.reads_inventory and not selectors:
            return None
        kinds = self.program.inventory_kinds if self.program.reads_inventory else frozenset()
        return EVERYTHING if kinds is None else kinds | _MATCHER_KINDS

    def check_combined(self, documents: Sequence[DocumentRef],
                       context: Sequence[DocumentRef] = ()) -> CombinedResult:
        """Review each object of `documents`, in the cluster of those and `context`."""
        result = CombinedResult()
        result.findings.extend(self._unsupported())
        if not self._active:
            return result
        reviewed = [(index, ref) for index, ref in enumerate(documents) if is_object(ref.data)]
        cluster = build_cluster([ref.data for _, ref in reviewed] +
                                [ref.data for ref in context if is_object(ref.data)],
                                with_inventory=self.program.reads_inventory)
        try:
            backend = self._backend_for(cluster)
        except PolicyError as error:
            result.failures.extend(error.problems)
            return result
        for index, ref in reviewed:
            self._judge(backend, cluster, index, ref, result)
        return result

    def _backend_for(self, cluster: Cluster) -> Backend:
        """The inventory is the backend's data: each cluster (a `new` mode run has two,
        the base's and the head's) gets its own backend; without it one serves all."""
        if self.program.reads_inventory:
            self.shutdown()
        if self._backend is None:
            data = {"inventory": cluster.inventory} if self.program.reads_inventory else {}
            backend = make_backend(self.settings.engine, self.program, data,
                                   self.settings.server)
            backend.start()
            self._backend = backend
        return self._backend

    def _judge(self, backend: Backend, cluster: Cluster, index: int, ref: DocumentRef,
               result: CombinedResult) -> None:
        target = cluster.target(ref.data)
        pending = []
        for constraint in self._active:
            decision = matches(constraint.match, target, strict=False)
            if decision.matched:
                pending.append(Pending(constraint, self.program.entries[constraint.kind],
                                       decision.assumed))
        if not pending:
            return
        review = object_review(ref.data, "CREATE", self.settings.user_info)
        items = [(p.entry.index, {"review": review, "parameters": p.constraint.parameters})
                 for p in pending]
        subject = describe(ref)
        for item, answer in zip(pending, self._ask(backend, items, pending, subject, result)):
            if answer is None:
                continue
            try:
                found = decode_violations(*answer)
            except ResultError as error:
                result.failures.append(f"{_name(item)} on {subject}: {error}")
                continue
            severity = SEVERITIES[item.constraint.action or "deny"]
            for violation in found:
                message = violation.message + (f" ({item.assumed})" if item.assumed else "")
                result.violations.append((index, Violation(
                    message, violation.path, item.constraint.rule, severity)))

    def _ask(self, backend: Backend, items: list[Item], pending: list[Pending], subject: str,
             result: CombinedResult) -> list[Answer | None]:
        """Answers for every item; a crash or a hang costs only the item that caused it."""
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            result.failures.append(
                f"Gatekeeper evaluation stopped before {subject}: the run's time limit "
                f"({self.settings.run_timeout:g}s, gatekeeper.timeouts.run) ran out")
            return [None] * len(items)
        answers: list[Answer | None] = []
        got = backend.review(items, min(self.settings.document_timeout, remaining))
        for item, answer in zip(pending, got):
            if isinstance(answer, ReviewFailed):
                what = (f"took longer than {self.settings.document_timeout:g}s "
                        f"(gatekeeper.timeouts.document)" if answer.timed_out
                        else f"failed: {answer.reason}")
                result.failures.append(f"the {backend.name} engine {what} in "
                                       f"{_name(item)} on {subject}")
                answers.append(None)
            else:
                answers.append(answer)
        return answers

    @property
    def engine_name(self) -> str:
        return self.settings.engine

    def _unsupported(self) -> list[Finding]:
        """Templates without Rego are reported, never dropped without a word."""
        findings = []
        for template in self.policy.templates:
            if template.supported:
                continue
            names = sorted(c.name for c in self.policy.constraints if c.kind == template.kind)
            engines = ", ".join(template.engines) or "none"
            checked = (f"its constraints ({', '.join(names)}) are not checked at commit time"
                       if names else "it has no constraints")
            findings.append(Finding(
                UNSUPPORTED, Severity.NOTE,
                f"ConstraintTemplate {template.name} has no Rego code (engines: {engines}); "
                f"policygate evaluates Rego only, so {checked}; add a Rego version of the "
                f"policy (code: engine: Rego) to check it here",
                template.origin.file, Location(template.origin.line, 1, template.origin.line),
                source=self.source))
        return findings

    def close(self) -> None:
        """Per-process release: nothing, the backend lives in the main process until
        check_combined has run, and shutdown() releases it."""

    def shutdown(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None


def _name(item: Pending) -> str:
    template = item.entry.template
    return (f"ConstraintTemplate {template.name} ({template.origin.file}) for "
            f"{item.constraint.kind}/{item.constraint.name}")


