"""`policygate verify`: run gator suites with gator's semantics.

Per test: read the template (it must compile) and the constraint (of the template's
kind; `invalid: true` tests expect its parameters to break the schema). Per case: read
the one object (or AdmissionReview) and the inventory, match the constraint the way
Gatekeeper does (strict: a namespaceSelector without the case's Namespace is an error,
as in gator), review, and check every assertion: `violations` yes / no / N violations
whose message matches the optional `message` regular expression (searched,
case-sensitive). All violations count, whatever the enforcement action, as in gator.

Where policygate is stricter than gator, on purpose: an engine runtime error is the
case's error (gator turns it into a violation message, which could satisfy a
`violations: yes` assertion — a false pass).
"""
from __future__ import annotations

import posixpath
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from policygate.gatekeeper.backends import Backend, ReviewFailed, make_backend
from policygate.gatekeeper.cluster import build_cluster, is_object
from policygate.gatekeeper.constraints import parameter_problem, read_constraint
from policygate.gatekeeper.match import MatchError, matches
from policygate.gatekeeper.objects import Constraint, PolicyProblem, Template, policy_kind
from policygate.gatekeeper.program import Program, build_program
from policygate.gatekeeper.results import ResultError, decode_violations
from policygate.gatekeeper.review import (ReviewError, admission_review, is_admission_review,
                                          object_review)
from policygate.gatekeeper.suites import Assertion, Case, Suite, Test
from policygate.gatekeeper.templates import read_template
from policygate.model import Document
from policygate.parsers import parse_bytes
from policygate.parsers.yaml import Limits
from policygate.rego.policyset import PolicyError

PASS, FAIL, ERROR, SKIP = "PASS", "FAIL", "ERROR", "SKIP"


@dataclass(frozen=True, slots=True)
class VerifySettings:
    engine: str = "opa"                     # opa | regorus | server (policygate.rego.choice)
    server: Any = None                      # ServerSettings for the server engine
    timeout: float = 10.0                   # one case
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True, slots=True)
class CaseResult:
    suite: str
    test: str
    case: str
    status: str
    line: int
    message: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == PASS


class CaseError(Exception):
    """The case (or its test) cannot be evaluated; the message says why."""


class RunFilter:
    """gator's --run: `TEST_REGEX//CASE_REGEX`, or one regex for test or case names."""

    def __init__(self, text: str | None) -> None:
        parts = (text or "").split("//")
        if len(parts) > 2:
            raise ValueError('a filter may include at most one "//"')
        self._single = len(parts) == 1
        self._test = re.compile(parts[0]) if text else None
        self._case = re.compile(parts[1]) if len(parts) == 2 else None

    def test(self, test: Test) -> bool:
        if self._test is None or not self._single:
            return self._test is None or bool(self._test.search(test.name))
        return bool(self._test.search(test.name)) or any(self.case(test.name, c.name)
                                                          for c in test.cases)

    def case(self, test: str, case: str) -> bool:
        if self._test is None:
            return True
        if self._single:
            return bool(self._test.search(case) or self._test.search(test))
        assert self._case is not None
        return bool(self._test.search(test) and self._case.search(case))


def run_suites(suites: Sequence[Suite], settings: VerifySettings,
               run_filter: RunFilter = RunFilter(None)) -> list[CaseResult]:
    results: list[CaseResult] = []
    for suite in suites:
        if suite.problem is not None:
            results.append(CaseResult(suite.file, "", "", ERROR, suite.line, suite.problem))
            continue
        for test in suite.tests:
            skipped = suite.skip or test.skip or not run_filter.test(test)
            results.extend(_TestRun(suite, test, settings, run_filter).run(skipped))
    return results


class _TestRun:
    def __init__(self, suite: Suite, test: Test, settings: VerifySettings,
                 run_filter: RunFilter) -> None:
        self.suite, self.test, self.settings, self.filter = suite, test, settings, run_filter
        self._backends: list[Backend] = []
        self._shared: Backend | None = None

    def _result(self, case: Case | None, status: str, message: str = "",
                seconds: float = 0.0) -> CaseResult:
        return CaseResult(self.suite.file, self.test.name, case.name if case else "", status,
                          case.line if case else self.test.line, message, seconds)

    def run(self, skipped: bool) -> list[CaseResult]:
        cases = self.test.cases
        if skipped:
            return [self._result(c, SKIP) for c in cases] or [self._result(None, SKIP)]
        started = time.perf_counter()
        try:
            template, constraint, program = self._prepare()
            if self.test.invalid:
                return [self._invalid(template, constraint, started)]
            # The template must compile, whether or not a case reaches the engine.
            self._shared = self._start(program, {})
            return [self._case(case, template, constraint, program) for case in cases]
        except CaseError as error:
            seconds = time.perf_counter() - started
            return [self._result(c, ERROR, str(error), seconds) for c in cases] or \
                [self._result(None, ERROR, str(error), seconds)]
        finally:
            for backend in self._backends:
                backend.close()

    # ------------------------------------------------------------------- the test
    def _path(self, relative: str) -> tuple[Path, str]:
        if Path(relative).is_absolute():
            raise CaseError(f"{relative}: absolute paths are not allowed in a suite")
        shown = posixpath.normpath(posixpath.join(posixpath.dirname(self.suite.file), relative))
        return self.suite.directory / relative, shown

    def _documents(self, relative: str) -> tuple[list[Document], str | None, str]:
        path, shown = self._path(relative)
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise CaseError(f"{shown}: cannot read the file: {error.strerror}") from None
        parsed = parse_bytes(raw, shown, self.settings.limits)
        if parsed.findings:
            first = parsed.findings[0]
            line = first.location.line if first.location else 1
            raise CaseError(f"{shown}:{line}: {first.message}")
        return parsed.documents, parsed.text, shown

    def _prepare(self) -> tuple[Template, Document, Program]:
        if self.test.expansion:
            raise CaseError("ExpansionTemplates (`expansion`) are not supported by policygate "
                            "verify: test the expanded resource (e.g. the Pod) directly")
        if not self.test.template:
            raise CaseError("the test must name a `template`")
        if not self.test.constraint:
            raise CaseError("the test must name a `constraint`")
        documents, text, shown = self._documents(self.test.template)
        templates = [d for d in documents if policy_kind(d.data) == "template"]
        if len(templates) != 1 or len(documents) != 1:
            raise CaseError(f"{shown}: expected exactly one ConstraintTemplate, found "
                            f"{len(documents)} documents ({len(templates)} templates)")
        try:
            template = read_template(templates[0], shown, text)
        except PolicyProblem as problem:
            raise CaseError(str(problem)) from None
        documents, _, shown = self._documents(self.test.constraint)
        if len(documents) != 1 or policy_kind(documents[0].data) != "constraint":
            raise CaseError(f"{shown}: expected exactly one Constraint (apiVersion "
                            f"constraints.gatekeeper.sh/*)")
        constraint = documents[0]
        if constraint.data.get("kind") != template.kind:
            raise CaseError(f"{shown}: the constraint is a {constraint.data.get('kind')}, but "
                            f"the template defines {template.kind}")
        if not template.supported:
            raise CaseError(f"ConstraintTemplate {template.name} has no Rego code (engines: "
                            f"{', '.join(template.engines) or 'none'}); policygate evaluates "
                            f"Rego only")
        try:
            return template, constraint, build_program([template])
        except PolicyError as error:
            raise CaseError("; ".join(error.problems)) from None

    def _invalid(self, template: Template, document: Document, started: float) -> CaseResult:
        problem: PolicyProblem | None
        try:
            problem = parameter_problem(read_constraint(document, document.file), template)
        except PolicyProblem as error:
            problem = error
        seconds = time.perf_counter() - started
        if problem is not None:
            return self._result(None, PASS, "", seconds)
        return self._result(None, FAIL, "the constraint is valid, but the test expects it to be "
                                         "invalid (invalid: true)", seconds)

    # ------------------------------------------------------------------- the cases
    def _case(self, case: Case, template: Template, document: Document,
              program: Program) -> CaseResult:
        if case.skip or not self.filter.case(self.test.name, case.name):
            return self._result(case, SKIP)
        started = time.perf_counter()
        try:
            if case.problem is not None:
                raise CaseError(case.problem)
            constraint = self._constraint(document, template)
            messages = self._messages(case, constraint, program)
            failure = next((f for f in (check_assertion(a, messages) for a in case.assertions)
                            if f is not None), None)
        except CaseError as error:
            return self._result(case, ERROR, str(error), time.perf_counter() - started)
        seconds = time.perf_counter() - started
        return self._result(case, FAIL if failure else PASS, failure or "", seconds)

    def _constraint(self, document: Document, template: Template) -> Constraint:
        try:
            constraint = read_constraint(document, document.file)
        except PolicyProblem as problem:
            raise CaseError(str(problem)) from None
        problem = parameter_problem(constraint, template)
        if problem is not None:
            raise CaseError(str(problem))
        return constraint

    def _messages(self, case: Case, constraint: Constraint, program: Program) -> list[str]:
        assert case.object is not None
        documents, _, shown = self._documents(case.object)
        if len(documents) != 1:
            raise CaseError(f"{shown} defines {len(documents)} objects; a case reviews exactly one")
        inventory = []
        for relative in case.inventory:
            inventory.extend(d.data for d in self._documents(relative)[0] if is_object(d.data))
        cluster = build_cluster(inventory, with_inventory=True)
        obj = documents[0].data
        if is_admission_review(obj):
            try:
                admission = admission_review(obj)
            except ReviewError as error:
                raise CaseError(f"{shown}: {error}") from None
            review, objects, namespace = admission.review, admission.objects, admission.namespace
        elif isinstance(obj, dict) and isinstance(obj.get("kind"), str):
            review, objects, namespace = object_review(obj), (obj,), ""
        else:
            raise CaseError(f"{shown}: the object has no `kind`")
        if not self._matched(constraint, cluster, objects, namespace):
            return []
        backend = self._backend(program, cluster.inventory if case.inventory else None)
        answer = backend.review([(0, {"review": review, "parameters": constraint.parameters})],
                                self.settings.timeout)[0]
        if isinstance(answer, ReviewFailed):
            raise CaseError(f"the {backend.name} engine failed: {answer.reason}")
        try:
            return [r.message for r in decode_violations(*answer)]
        except ResultError as error:
            raise CaseError(str(error)) from None

    @staticmethod
    def _matched(constraint: Constraint, cluster: Any, objects: Sequence[dict[str, Any]],
                 namespace: str) -> bool:
        """Gatekeeper matches a review when the object or the old object matches."""
        for obj in objects:
            target = cluster.target(obj, know_scope=False)
            if namespace:   # an AdmissionReview: its request names the namespace
                target = replace(target, namespace_object=cluster.namespaces.get(namespace))
            try:
                if matches(constraint.match, target, strict=True).matched:
                    return True
            except MatchError as error:
                raise CaseError(f"failed to run match criteria: {error}") from None
        return False

    def _backend(self, program: Program, inventory: dict[str, Any] | None) -> Backend:
        """One backend per test; a case with inventory gets its own (the data differs)."""
        if inventory is None or not program.reads_inventory:
            if self._shared is None:
                self._shared = self._start(program, {})
            return self._shared
        return self._start(program, {"inventory": inventory})

    def _start(self, program: Program, data: dict[str, Any]) -> Backend:
        backend = make_backend(self.settings.engine, program, data, self.settings.server)
        try:
            backend.start()
        except PolicyError as error:
            backend.close()
            raise CaseError("; ".join(error.problems)) from None
        self._backends.append(backend)
        return backend


def check_assertion(assertion: Assertion, messages: Sequence[str]) -> str | None:
    """Why the assertion fails (None when it holds); raises CaseError when it is invalid."""
    pattern = assertion.message
    try:
        regex = re.compile(pattern) if pattern else None
    except re.error as error:
        raise CaseError(f"invalid message regular expression {pattern!r}: {error}") from None
    matching = sum(1 for m in messages if regex is None or regex.search(m))
    want = assertion.violations
    if want is True or want is False:
        want = "yes" if want else "no"
    containing = f" containing {pattern!r}" if pattern else ""
    got = f"got {matching} violations{containing}"
    listing = f"; messages: {list(messages)}"
    if isinstance(want, int) and not isinstance(want, bool):
        if want < 0:
            raise CaseError('assertion.violations must be a nonnegative integer, "yes", or "no"')
        return None if matching == want else f"{got} but want exactly {want}{listing}"
    if want == "yes":
        return None if matching else f"{got} but want at least 1{listing}"
    if want == "no":
        return None if not matching else f"{got} but want none{listing}"
    raise CaseError(f'assertion.violations is {want!r}; it must be a nonnegative integer, '
                    f'"yes", or "no"')
