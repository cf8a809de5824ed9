"""The Gatekeeper policy objects as plain data, and where each was written.

Every object keeps its Origin (file and parsed document), so any later stage — compiling
the Rego, validating parameters, a constraint that names no template — reports
`file:line` of the field to fix, however deep in the pipeline it notices.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policygate.kubernetes import api_group
from policygate.locate import locate
from policygate.model import Document, FieldPath

if TYPE_CHECKING:
    from policygate.gatekeeper.match import Match
    from policygate.gatekeeper.spans import TextSpan

TEMPLATES_GROUP = "templates.gatekeeper.sh"
CONSTRAINTS_GROUP = "constraints.gatekeeper.sh"
TESTS_GROUP = "test.gatekeeper.sh"
ADMISSION_GROUP = "admission.k8s.io"
TARGET = "admission.k8s.gatekeeper.sh"
REGO_ENGINE = "Rego"


def group_of(api_version: object) -> str:
    """The API group of an apiVersion ("" for the core group and for non-strings)."""
    return api_group(api_version) if isinstance(api_version, str) else ""


def policy_kind(data: object) -> str | None:
    """"template", "constraint" or "suite" for Gatekeeper's own documents, else None."""
    if not isinstance(data, dict):
        return None
    group = group_of(data.get("apiVersion"))
    if group == TEMPLATES_GROUP and data.get("kind") == "ConstraintTemplate":
        return "template"
    if group == CONSTRAINTS_GROUP and isinstance(data.get("kind"), str):
        return "constraint"
    if group == TESTS_GROUP and data.get("kind") == "Suite":
        return "suite"
    return None


class PolicyProblem(ValueError):
    """One policy object that cannot be used; str() is `file:line: message`."""


@dataclass(frozen=True, slots=True)
class Origin:
    file: str                       # display name, relative to the repository root
    document: Document | None       # parsed with positions; None for unparsed sources

    @property
    def line(self) -> int:
        return self.document.start_line if self.document is not None else 1

    def line_of(self, path: FieldPath) -> int:
        """Line of a field (or of its nearest existing parent)."""
        return locate(self.document, path).line if self.document is not None else 1

    def at(self, path: FieldPath = ()) -> str:
        return f"{self.file}:{self.line_of(path)}"

    def problem(self, path: FieldPath, message: str) -> PolicyProblem:
        return PolicyProblem(f"{self.at(path)}: {message}")


@dataclass(frozen=True, slots=True)
class RegoSource:
    """One Rego module of a template (its main module or a lib) as written."""

    text: str
    span: TextSpan
    path: FieldPath                 # where in the template document it is written


@dataclass(frozen=True, slots=True)
class Template:
    name: str                       # metadata.name
    kind: str                       # spec.crd.spec.names.kind: the constraint kind
    origin: Origin
    rego: RegoSource | None         # None: no Rego (CEL-only or unknown engines)
    libs: tuple[RegoSource, ...] = ()
    v1: bool = False                # code[].source.version: "v1" (else Rego v0)
    engines: tuple[str, ...] = ()   # every engine the template has code for
    schema: dict[str, Any] | None = None   # openAPIV3Schema of the parameters

    @property
    def supported(self) -> bool:
        return self.rego is not None


@dataclass(frozen=True, slots=True)
class Constraint:
    kind: str
    name: str
    origin: Origin
    match: Match
    parameters: Any = field(default_factory=dict)
    action: str | None = "deny"     # deny | warn | dryrun at commit time; None: not enforced here
    declared_action: str = "deny"   # spec.enforcementAction as written ("" -> deny)
    parameters_given: bool = False  # the API server validates parameters only when set

    @property
    def rule(self) -> str:
        return f"gatekeeper/{self.kind}/{self.name}"
