"""What `policygate rules` and `policygate explain` print."""
from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

from policygate.model import Severity
from policygate.rules import PIPELINE_RULES, RuleDoc, RuleParam, all_rules


@dataclass(slots=True)
class CatalogEntry:
    id: str
    severity: Severity
    level: str | None
    summary: str
    doc: RuleDoc | None
    params: tuple[RuleParam, ...] = ()


def catalog() -> list[CatalogEntry]:
    entries = [CatalogEntry(r.id, r.severity, r.level, r.summary, r.doc, r.params)
               for r in all_rules()]
    from policygate.rules.pipeline_docs import PIPELINE_DOCS

    entries += [CatalogEntry(rule_id, severity, None, summary, PIPELINE_DOCS.get(rule_id))
                for rule_id, (severity, summary) in PIPELINE_RULES.items()]
    return entries


def render_catalog(entries: list[CatalogEntry], format_name: str) -> str:
    if format_name == "json":
        return json.dumps([{"id": e.id, "severity": str(e.severity), "level": e.level,
                            "summary": e.summary} for e in entries], indent=2) + "\n"
    width = max(len(e.id) for e in entries)
    lines = [f"{'RULE':<{width}}  SEVERITY  LEVEL       SUMMARY"]
    for e in entries:
        lines.append(f"{e.id:<{width}}  {str(e.severity):<8}  {e.level or '-':<10}  {e.summary}")
    return "\n".join(lines) + "\n"


def _block(text: str) -> str:
    return textwrap.indent(text.rstrip("\n"), "    ")


def explain_rule(rule_id: str) -> str | None:
    entry = next((e for e in catalog() if e.id == rule_id), None)
    if entry is None:
        return None
    level = f", Pod Security Standards {entry.level} level" if entry.level else ""
    parts = [f"{entry.id}: {entry.summary}",
             f"Default severity: {entry.severity}{level}", ""]
    if entry.level:
        parts += [textwrap.fill(
            f"Level: an error in namespaces that enforce {entry.level} or stricter, a warning "
            f"or note where the warn or audit level covers it. A namespace's level comes from "
            f"pss.namespaces in .policygate.yaml, else from its Namespace's "
            f"pod-security.kubernetes.io/enforce (and -version, warn, audit) labels in the "
            f"scan, else from pss.level / pss.warn_level; each finding says which applied.", 88),
            ""]
    if entry.doc is not None:
        parts += ["Why:", textwrap.fill(entry.doc.rationale, 88), "",
                  "Fails:", _block(entry.doc.bad), "", "Passes:", _block(entry.doc.good), "",
                  "Fix:", textwrap.fill(entry.doc.fix, 88), ""]
    if entry.params:
        parts += ["Parameters (in .policygate.yaml):"]
        parts += [f"  {p.name}: {p.help}" for p in entry.params]
        example = ", ".join(f"{p.name}: {p.example}" for p in entry.params)
        parts += [f"  rules:\n    {entry.id}: {{params: {{{example}}}}}", ""]
    if not entry.id.startswith("policygate/"):
        parts += [
            "Suppress (always with a reason):",
            f"  on the line or the line above:  # policygate: ignore[{entry.id}] <reason>",
            "  for a whole resource:           the same comment on its first line, or",
            f"                                  metadata.annotations: policygate.dev/ignore: \"{entry.id}\"",
            "                                  and policygate.dev/ignore-reason: \"<reason>\"",
            "  centrally in .policygate.yaml:",
            f"    exceptions:\n      - rule: {entry.id}\n        files: [\"apps/legacy/**\"]\n"
            "        reason: \"<why this is accepted>\"\n        expires: 2027-06-30", ""]
    return "\n".join(parts)
