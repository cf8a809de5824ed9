"""RegoEngine: the pipeline's PolicyEngine for Rego, whatever backend evaluates it.

The engine owns what is the same for every backend — building the input (the document,
or the combined list, with `data.policygate` context), time limits, and turning engine
faults into failures that name the policy and the document — and hands the plain values
to results.normalise. Backends only compile and evaluate.
"""
from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from policygate.engines import CombinedResult, DocumentRef, EngineResult
from policygate.model import Severity, Violation
from policygate.rego.context import combined_context, combined_input, describe, document_context
from policygate.rego.policyset import PolicySet, RuleSet
from policygate.rego.results import UNDEFINED, Outcome, normalise

RUNTIME_ERROR = "rego/runtime-error"
from policygate.rego.rewrite import CONTEXT_KEY, DOCUMENT_KEY

# One rule's answer: ("value", json) | ("undefined", None) | ("error", message), seconds.
RuleAnswer = tuple[str, Any, float]


class EvaluationFailed(Exception):
    """The backend could not answer; `rule` indexes rule_sets when it knows which ran."""

    def __init__(self, reason: str, rule: int = -1, output: str = "",
                 timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.rule, self.output, self.timed_out = reason, rule, output, timed_out


class Backend(Protocol):
    name: str

    def start(self) -> float:
        """Compile (or upload) the policy set; seconds spent. Raises PolicyError."""
        ...

    def fork_copy(self) -> Backend:
        """A copy for another process: no shared pipes, sockets or children."""
        ...

    def evaluate(self, value: Any, timeout: float) -> list[RuleAnswer]:
        """Answers for every rule set, in order; raises EvaluationFailed."""
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
        self._spent = [0.0] * len(self.rule_sets)
        self._stopped = False
        self._context = policy_set.uses_context
        # Facts of the whole run for `data.policygate` (diff, pull request); set before
        # the scan, inherited by forked workers.
        self.run_context: dict[str, Any] = {}

    def start(self) -> None:
        """Compile in the creating process, so policy errors stop the run before the scan."""
        self._deadline = time.monotonic() + self.limits.run
        self.compile_seconds = self._backend.start()
        # In server mode the rules to ask are those the server has.
        self.rule_sets = tuple(getattr(self._backend, "rule_sets", self.rule_sets))
        self._spent = [0.0] * len(self.rule_sets)

    def _here(self) -> Backend:
        if self._backend_pid != os.getpid():
            self._backend = self._backend.fork_copy()
            self._backend_pid = os.getpid()
        return self._backend

    def check_document(self, document: DocumentRef) -> EngineResult:
        if not self.rule_sets:
            return EngineResult()
        value: Any = document.data
        if self._context:
            value = {DOCUMENT_KEY: document.data,
                     CONTEXT_KEY: document_context(document, self.run_context)}
        outcome = self._evaluate(value, describe(document), combined=False)
        return EngineResult([violation for _, violation in outcome.violations], outcome.failures)

    def check_combined(self, documents: Sequence[DocumentRef]) -> CombinedResult:
        if not self.rule_sets:
            return CombinedResult()
        value: Any = combined_input(documents)
        if self._context:
            value = {DOCUMENT_KEY: value,
                     CONTEXT_KEY: combined_context(documents, self.run_context)}
        outcome = self._evaluate(value, f"the combined input ({len(documents)} documents)",
                                 combined=True)
        return CombinedResult(outcome.violations, outcome.failures)

    def _evaluate(self, value: Any, subject: str, combined: bool) -> Outcome:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            return self._stop(subject)
        timeout = min(self.limits.document, remaining)
        try:
            answers = self._here().evaluate(value, timeout)
        except EvaluationFailed as failure:
            return Outcome(failures=[self._failure_message(failure, subject, timeout)])
        rule_sets: list[RuleSet] = []
        values: list[Any] = []
        errors: list[tuple[int | None, Violation]] = []
        for index, (rule_set, (status, payload, seconds)) in enumerate(
                zip(self.rule_sets, answers)):
            self._spent[index] += seconds
            if status == "error":
                # The policy ran and failed on this document (conflicting values, a type
                # error): an error finding on the document, so it shows where the author
                # looks and fails the check; the other documents are still judged.
                errors.append((None, Violation(
                    f"runtime error in {self._name(index)}: {payload}; this document was not "
                    f"judged by that policy", rule=RUNTIME_ERROR, severity=Severity.ERROR)))
                continue
            rule_sets.append(rule_set)
            values.append(payload if status == "value" else UNDEFINED)
        outcome = normalise(rule_sets, values, subject, combined)
        outcome.violations[:0] = errors
        return outcome

    def _name(self, index: int) -> str:
        if not 0 <= index < len(self.rule_sets):
            return "the policies"
        rule_set = self.rule_sets[index]
        return f"{rule_set.ref} ({', '.join(rule_set.files)})"

    def _failure_message(self, failure: EvaluationFailed, subject: str, timeout: float) -> str:
        engine = f"the {self._backend.name} engine"
        output = f"; engine output: {failure.output}" if failure.output else ""
        if failure.timed_out:
            if timeout < self.limits.document:
                self._stopped = True
                return (f"{self._name(failure.rule)} was still running on {subject} when the "
                        f"run's time limit ({self.limits.run:g}s, policies.timeouts.run) ran "
                        f"out; the remaining documents were not evaluated")
            return (f"{self._name(failure.rule)} took longer than {self.limits.document:g}s "
                    f"(policies.timeouts.document) on {subject}; evaluation stopped: make the "
                    f"policy faster or raise the limit{output}")
        return f"{engine} failed in {self._name(failure.rule)} on {subject}: {failure.reason}{output}"

    def _stop(self, subject: str) -> Outcome:
        if self._stopped:
            return Outcome()
        self._stopped = True
        slowest = max(range(len(self._spent)), key=self._spent.__getitem__, default=-1)
        spent = self._spent[slowest] if slowest >= 0 else 0.0
        return Outcome(failures=[
            f"policy evaluation stopped before {subject}: the run's time limit "
            f"({self.limits.run:g}s, policies.timeouts.run) ran out; the slowest policy is "
            f"{self._name(slowest)} ({spent:.1f}s so far in this process)"])

    def close(self) -> None:
        """Release this process's engine (the pipeline calls it per process, maybe twice)."""
        if self._backend_pid == os.getpid():
            self._backend.close()

    def shutdown(self) -> None:
        """End of the run, in the process that started it: also drop server-side state."""
        if self._backend_pid == os.getpid() == self._parent_pid:
            getattr(self._backend, "shutdown", self._backend.close)()
