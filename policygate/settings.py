"""Run settings: which rules run, at which severity, with which parameters.

Built once per run from the config file and the command line (the command line wins),
then handed unchanged to every worker.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from policygate.config import Config, ConfigException, RuleSetting
from policygate.model import Finding, Severity
from policygate.parsers.yaml import Limits
from policygate.rules import PIPELINE_RULES, Rule, RuleContext, all_rules, rule_matches

if TYPE_CHECKING:
    from policygate.baseline import Baseline
    from policygate.engines import PolicyEngine
    from policygate.namespaces import Admission, NamespaceLevels



@dataclass(slots=True)
class Selection:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def enabled(self, rule_id: str) -> bool:
        if self.select and not any(rule_matches(rule_id, p) for p in self.select):
            return False
        return not any(rule_matches(rule_id, p) for p in self.ignore)


@dataclass(slots=True)
class Settings:
    selection: Selection = field(default_factory=Selection)
    pss_warn_level: str | None = "restricted"  # a stricter level reported as warnings
    context: RuleContext = field(default_factory=RuleContext)  # pss_level: the enforced level
    limits: Limits = field(default_factory=Limits)
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    exceptions: tuple[ConfigException, ...] = ()
    config_path: str = ".policygate.yaml"
    baseline: Baseline | None = None
    baseline_path: str | None = None
    filter_mode: str = "resource"  # applies to changed files (--diff, --staged)

    def setting_for(self, rule_id: str) -> RuleSetting:
        """Family settings first, then the rule's own settings on top."""
        family = self.rules.get(rule_id.partition("/")[0])
        exact = self.rules.get(rule_id)
        if family is None or exact is None:
            return exact or family or RuleSetting()
        return RuleSetting(  # params reach the checks through RuleContext.params_for
            enabled=exact.enabled if exact.enabled is not None else family.enabled,
            severity=exact.severity or family.severity)

    def pss_mode(self, rule: Rule, levels: NamespaceLevels | None = None
                 ) -> tuple[Severity, Admission] | None:
        """Which admission mode a Pod Security control falls under, like the admission
        controller's: the enforced level's controls are errors, a stricter warn level
        adds warnings and a stricter audit level notes. `levels` are a namespace's (its
        labels, or `pss.namespaces`); without them the run's `pss.level`/`warn_level`."""
        from policygate.namespaces import Admission, rank

        version = self.context.pss_version
        if levels is None or levels.enforce is None:
            modes = [(Severity.ERROR, Admission(self.context.pss_level, version))]
        else:
            modes = [(Severity.ERROR, levels.enforce)]
        warn = levels.warn if levels is not None and levels.warn is not None else \
            Admission(self.pss_warn_level, version) if self.pss_warn_level else None
        modes.append((Severity.WARNING, warn))
        modes.append((Severity.NOTE, levels.audit if levels is not None else None))
        for severity, admission in modes:
            if admission is not None and rank(rule.level) <= rank(admission.level):
                return severity, admission
        return None

    def severity_of(self, rule: Rule, levels: NamespaceLevels | None = None) -> Severity | None:
        """Severity of a built-in rule in this run (for a namespace's `levels`), or None
        when it does not run."""
        setting = self.setting_for(rule.id)
        if setting.enabled is False or not self.selection.enabled(rule.id):
            return None
        severity: Severity | None = rule.severity
        if rule.level is not None:
            mode = self.pss_mode(rule, levels)
            severity = mode[0] if mode is not None else \
                rule.severity if setting.enabled else None
        if severity is None:
            return None
        return setting.severity or severity

    def enabled(self, rule_id: str) -> bool:
        return self.selection.enabled(rule_id) and self.setting_for(rule_id).enabled is not False

    def configure_all(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in map(self.configure, findings) if f is not None]

    def configure(self, finding: Finding) -> Finding | None:
        """Apply selection and config to any finding (parser, rule or policy); None drops it."""
        if not self.enabled(finding.rule):
            return None
        setting = self.setting_for(finding.rule)
        if setting.severity is not None:
            finding.severity = setting.severity
        return finding


@dataclass(slots=True)
class ActiveRule:
    rule: Rule
    severity: Severity
    context: RuleContext | None = None  # a namespace's level and version (pss/ rules)
    note: str = ""                      # which level applied and why, added to messages


class RuleSet:
    """The built-in rules of one run and the questions suppressions ask about them."""

    def __init__(self, settings: Settings, engines: Sequence[PolicyEngine] = ()) -> None:
        self.settings = settings
        # Engines asked per document, and engines that judge all documents at once.
        self.engines = tuple(e for e in engines if not e.combined)
        self.combined_engines = tuple(e for e in engines if e.combined)
        self.dynamic = frozenset(f for engine in engines for f in engine.families)
        self.combined = frozenset(f for engine in self.combined_engines for f in engine.families)
        self.active: list[ActiveRule] = []
        for rule in all_rules():
            severity = settings.severity_of(rule)
            if severity is not None:
                self.active.append(ActiveRule(rule, severity))
        self._ran = [a.rule.id for a in self.active] + [
            rule_id for rule_id in PIPELINE_RULES if settings.enabled(rule_id)]
        self._namespaces: dict[str | None, list[ActiveRule]] = {}
        if settings.context.namespaces.known:  # some namespace may run any control
            self._ran += [rule.id for rule in all_rules()
                          if rule.level is not None and settings.enabled(rule.id)]

    def rules_for(self, namespace: str | None) -> list[ActiveRule]:
        """The rules for a resource in `namespace`: the Pod Security controls at that
        namespace's levels, once the run knows any namespace's level."""
        if not self.settings.context.namespaces.known:
            return self.active
        rules = self._namespaces.get(namespace)
        if rules is None:
            from policygate.namespace_rules import namespace_rules

            rules = self._namespaces[namespace] = namespace_rules(self, namespace)
        return rules

    def ran_per_file(self, pattern: str) -> bool:
        """`ran`, for the per-file stage: findings of combined engines (policygate.combine)
        arrive after it, so a suppression of theirs is judged there, not called unused here."""
        return pattern.partition("/")[0] not in self.combined and self.ran(pattern)

    def ran_combined(self, pattern: str) -> bool:
        """`ran`, for the combined stage: only the families of combined engines."""
        return pattern.partition("/")[0] in self.combined and self.ran(pattern)

    def ran(self, pattern: str) -> bool:
        """Did anything that could produce `pattern` findings run?"""
        if pattern.partition("/")[0] in self.dynamic:
            return self.settings.selection.enabled(pattern)
        return any(rule_matches(rule_id, pattern) for rule_id in self._ran)


def build_settings(config: Config, select: tuple[str, ...] = (), ignore: tuple[str, ...] = (),
                   pss_level: str | None = None, pss_warn_level: str | None = None,
                   pss_version: str | None = None) -> Settings:
    """Merge config and command line; None means "not given on the command line"."""
    from policygate.namespaces import DEFAULT_EXEMPT, NamespacePolicy, from_config, parse_version

    warn = pss_warn_level or config.pss.get("warn_level", "restricted")
    version = pss_version or config.pss.get("version", "latest")
    params = {pattern: setting.params for pattern, setting in config.rules.items() if setting.params}
    level = pss_level or config.pss.get("level", "baseline")
    namespaces = NamespacePolicy(
        configured=from_config(config.pss.get("namespaces") or {}, config.path or
                               ".policygate.yaml", config.line_of),
        exempt=DEFAULT_EXEMPT | frozenset(config.pss.get("exempt_namespaces") or ()))
    declared = None
    if (config.sections.get("kubernetes") or {}).get("pod_spec_paths"):
        from policygate.podspecs.declared import DeclaredPaths

        declared = DeclaredPaths.from_config(config.sections["kubernetes"]["pod_spec_paths"])
    return Settings(
        selection=Selection(select, ignore),
        pss_warn_level=None if warn == "none" else warn,
        context=RuleContext(pss_version=parse_version(version), pss_level=level,
                            params=params, sections=dict(config.sections),
                            pod_spec_paths=declared, namespaces=namespaces),
        limits=config.limits, rules=dict(config.rules), exceptions=config.exceptions,
        config_path=config.path or ".policygate.yaml")
