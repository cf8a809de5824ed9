"""Gatekeeper objects as YAML text, so each test states only what it is about.

Templates are written the way clusters hold them (the Rego as a block scalar under
`rego:` or `code[].source.rego`), which is also what puts the template's Rego lines at
known YAML lines for the tests that assert error positions.
"""
from __future__ import annotations

import textwrap

import yaml

REQUIRED_LABELS = """package k8srequiredlabels

violation[{"msg": msg, "details": {"missing": missing}}] {
  provided := {label | input.review.object.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_]}
  missing := required - provided
  count(missing) > 0
  msg := sprintf("missing labels: %v", [missing])
}
"""

# The simplest template: one violation per matched object, naming it.
FLAG = """package k8sflag

violation[{"msg": msg}] {
  msg := sprintf("flagged %v/%v", [input.review.kind.kind, input.review.object.metadata.name])
}
"""


def _block(text: str, indent: int) -> str:
    return textwrap.indent(text.rstrip("\n") + "\n", " " * indent)


def template(kind: str, rego: str | None = FLAG, *, libs: tuple[str, ...] = (),
             schema: dict | None = None, layout: str = "rego", version: str | None = None,
             cel: bool = False, api: str = "v1") -> str:
    """A ConstraintTemplate. layout "rego": targets[].rego; "code": targets[].code[]."""
    lines = [f"apiVersion: templates.gatekeeper.sh/{api}", "kind: ConstraintTemplate",
             "metadata:", f"  name: {kind.lower()}", "spec:", "  crd:", "    spec:",
             "      names:", f"        kind: {kind}"]
    if schema is not None:
        lines += ["      validation:", "        openAPIV3Schema:"]
        lines += _block(yaml.safe_dump(schema, sort_keys=False), 10).rstrip("\n").split("\n")
    lines += ["  targets:", "    - target: admission.k8s.gatekeeper.sh"]
    if layout == "rego":
        assert rego is not None
        lines.append("      rego: |")
        lines += _block(rego, 8).rstrip("\n").split("\n")
        if libs:
            lines.append("      libs:")
            for lib in libs:
                lines.append("        - |")
                lines += _block(lib, 10).rstrip("\n").split("\n")
        return "\n".join(lines) + "\n"
    lines.append("      code:")
    if cel:
        lines += ["        - engine: K8sNativeValidation", "          source:",
                  "            validations:",
                  "              - expression: \"has(object.metadata.labels)\"",
                  "                message: \"labels are required\""]
    if rego is not None:
        lines += ["        - engine: Rego", "          source:"]
        if version:
            lines.append(f'            version: "{version}"')
        lines.append("            rego: |")
        lines += _block(rego, 14).rstrip("\n").split("\n")
        if libs:
            lines.append("            libs:")
            for lib in libs:
                lines.append("              - |")
                lines += _block(lib, 16).rstrip("\n").split("\n")
    return "\n".join(lines) + "\n"


def constraint(kind: str, name: str, *, match: dict | None = None,
               parameters: dict | None = None, action: str | None = None,
               scoped: list | None = None) -> str:
    spec: dict = {}
    if action is not None:
        spec["enforcementAction"] = action
    if scoped is not None:
        spec["scopedEnforcementActions"] = scoped
    if match is not None:
        spec["match"] = match
    if parameters is not None:
        spec["parameters"] = parameters
    document = {"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": kind,
                "metadata": {"name": name}, "spec": spec}
    return yaml.safe_dump(document, sort_keys=False)


def documents(*texts: str) -> str:
    return "---\n".join(texts)


def obj(api_version: str, kind: str, name: str, namespace: str | None = None,
        labels: dict | None = None, spec: dict | None = None) -> str:
    metadata: dict = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    if labels is not None:
        metadata["labels"] = labels
    document: dict = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    if spec is not None:
        document["spec"] = spec
    return yaml.safe_dump(document, sort_keys=False)


def suite(*tests: dict) -> str:
    return yaml.safe_dump({"kind": "Suite", "apiVersion": "test.gatekeeper.sh/v1alpha1",
                           "tests": list(tests)}, sort_keys=False)
