"""RegoEngine: the pipeline's PolicyEngine for Rego, whatever backend evaluates it.

The engine owns what is the same for every backend — building the input (the document,
or the combined list, with `data.policygate` context), time limits, and turning engine
faults into failures that name the policy and the document — and hands the plain values
to results.normalise. Backends only compile and evaluate.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from policygate.engines import CombinedResult, DocumentRef, EngineResult
from policygate.model import Severity, Violation
from policygate.rego.context import combined_context, combined_input, describe, document_context
from policygate.rego.inprocess import BATCH, EvaluationFailed, Item, RuleAnswer
from policygate.rego.policyset import PolicySet, RuleSet
from policygate.rego.results import UNDEFINED, Outcome, normalise
from policygate.rego.rewrite import CONTEXT_KEY, DOCUMENT_KEY

RUNTIME_ERROR = "rego/runtime-error"


class Backend(Protocol):
    name: str

    def start(self) -> float:
        """Compile (or upload) the policy set; seconds spent. Raises PolicyError."""
        ...

    def fork_copy(self) -> Backend:
        """A copy for another process: no shared pipes, sockets or children."""
        ...

    def evaluate(self, items: Sequence[Item], timeout: float
                 ) -> list[list[RuleAnswer] | EvaluationFailed]:
        """Per item (group 0, input): every rule set's answer in order, or its failure.
        `timeout` is per item."""
        ...

    def close(self) -> None:
        ...


@dataclass(frozen=True, slots=True)
class TimeLimits:
    document: float = 10.0          # one document, all rules (policies.timeouts.document)
    run: float = 600.0              # all policy evaluation of one run (policies.timeouts.run)


class RegoEngine:
    source = "rego"
    families = frozenset({"rego"})

    def __init__(self, policy_set: PolicySet, backend: Backend,
                 limits: TimeLimits = TimeLimits(), combined: bool = False) -> None:
        self.policy_set = policy_set
        self.combined = combined
        self.limits = limits
        self.compile_seconds = 0.0
        self._backend = backend
        self._backend_pid = os.getpid()
        self._parent_pid = os.getpid()
        self._deadline = time.monotonic() + limits.run
        self.rule_sets = policy_set.rule_sets
        self._stopped = False
        self._context = policy_set.uses_context
        # Facts of the whole run for `data.policygate` (diff, pull request); set before
        # the scan, inherited by forked workers.
        self.run_context: dict[str, Any] = {}

    @property
    def engine_name(self) -> str:
        return self._backend.name

    def start(self) -> None:
        """Compile in the creating process, so policy errors stop the run before the scan."""
        self._deadline = time.monotonic() + self.limits.run
        self.compile_seconds = self._backend.start()
        # In server mode the rules to ask are those the server has.
        self.rule_sets = tuple(getattr(self._backend, "rule_sets", self.rule_sets))

    def _here(self) -> Backend:
        if self._backend_pid != os.getpid():
            self._backend = self._backend.fork_copy()
            self._backend_pid = os.getpid()
        return self._backend

    def check_documents(self, documents: Sequence[DocumentRef]) -> list[EngineResult]:
        """Judge documents in batches of BATCH (one engine call each)."""
        if not self.rule_sets:
            return [EngineResult() for _ in documents]
        results: list[EngineResult] = []
        for start in range(0, len(documents), BATCH):
            chunk = documents[start:start + BATCH]
            values = [self._value(ref.data, lambda ref=ref: document_context(
                ref, self.run_context)) for ref in chunk]
            for outcome in self._evaluate(values, [describe(ref) for ref in chunk], False):
                results.append(EngineResult([v for _, v in outcome.violations],
                                            outcome.failures))
        return results

    @property
    def cluster_need(self) -> frozenset[str] | None:
        """A --combine policy reads every document: that is what it is for."""
        from policygate.inventory import EVERYTHING

        return EVERYTHING if self.combined else None

    def check_combined(self, documents: Sequence[DocumentRef],
                       context: Sequence[DocumentRef] = ()) -> CombinedResult:
        """One input, the judged documents first: a result on the context is the
        caller's to drop."""
        if not self.rule_sets:
            return CombinedResult()
        every = [*documents, *context]
        value = self._value(combined_input(every), lambda: combined_context(every,
                                                                            self.run_context))
        outcome = self._evaluate([value], [f"the combined input ({len(every)} documents)"],
                                 True)[0]
        return CombinedResult(outcome.violations, outcome.failures)

    def _value(self, document: Any, context: Callable[[], dict[str, Any]]) -> Any:
        """The input: the document, or with `data.policygate` read, document and context."""
        return {DOCUMENT_KEY: document, CONTEXT_KEY: context()} if self._context else document

    def _evaluate(self, values: list[Any], subjects: list[str], combined: bool) -> list[Outcome]:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            return [self._stop(subject) for subject in subjects]
        timeout = min(self.limits.document, remaining)
        answers = self._here().evaluate([(0, value) for value in values], timeout)
        return [self._failure(answer, subject, timeout)
                if isinstance(answer, EvaluationFailed)
                else self._outcome(answer, subject, combined)
                for answer, subject in zip(answers, subjects)]

    def _outcome(self, answers: list[RuleAnswer], subject: str, combined: bool) -> Outcome:
        rule_sets: list[RuleSet] = []
        values: list[Any] = []
        errors: list[tuple[int | None, Violation]] = []
        for rule_set, (status, payload) in zip(self.rule_sets, answers):
            if status == "error":
                # The policy ran and failed on this document (conflicting values, a type
                # error): an error finding on the document, so it shows where the author
                # looks and fails the check; the other documents are still judged.
                errors.append((None, Violation(
                    f"runtime error in {rule_set.ref} ({', '.join(rule_set.files)}): "
                    f"{payload}; this document was not judged by that rule"
                    f"{self._hint()}", rule=RUNTIME_ERROR, severity=Severity.ERROR)))
                continue
            rule_sets.append(rule_set)
            values.append(payload if status == "value" else UNDEFINED)
        outcome = normalise(rule_sets, values, subject, combined)
        outcome.violations[:0] = errors
        return outcome

    def _hint(self) -> str:
        if self._backend.name != "regorus":
            return ""
        return ("; regorus reports this when the rule runs, where OPA refuses the policy "
                "when it loads or answers undefined: run with --engine opa (pip install "
                "--ignore-requires-python opa-golib-python-bindings) or an OPA server "
                "(--opa-url) for OPA's answer")

    def _failure(self, failure: EvaluationFailed, subject: str, timeout: float) -> Outcome:
        engine = f"the {self._backend.name} engine"
        output = f"; engine output: {failure.output}" if failure.output else ""
        if failure.timed_out:
            if timeout < self.limits.document:
                self._stopped = True
                return Outcome(failures=[
                    f"the policies were still running on {subject} when the run's time "
                    f"limit ({self.limits.run:g}s, policies.timeouts.run) ran out; the "
                    f"remaining documents were not evaluated"])
            return Outcome(failures=[
                f"the policies took longer than {self.limits.document:g}s "
                f"(policies.timeouts.document) on {subject}; evaluation stopped: make the "
                f"policy faster or raise the limit{output}"])
        return Outcome(failures=[f"{engine} failed on {subject}: {failure.reason}{output}"])

    def _stop(self, subject: str) -> Outcome:
        if self._stopped:
            return Outcome()
        self._stopped = True
        return Outcome(failures=[
            f"policy evaluation stopped before {subject}: the run's time limit "
            f"({self.limits.run:g}s, policies.timeouts.run) ran out"])

    def close(self) -> None:
        """Release this process's engine (the pipeline calls it per process, maybe twice)."""
        if self._backend_pid == os.getpid():
            self._backend.close()

    def shutdown(self) -> None:
        """End of the run, in the process that started it: also drop server-side state."""
        if self._backend_pid == os.getpid() == self._parent_pid:
            getattr(self._backend, "shutdown", self._backend.close)()
