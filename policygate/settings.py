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

PSS_LEVELS = ("baseline", "restricted")


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

    def severity_of(self, rule: Rule) -> Severity | None:
        """Severity of a built-in rule in this run, or None when it does not run.

        Pod Security levels work like the admission controller's enforce and warn modes:
        controls of the enforced level are errors, a stricter warn level adds warnings.
        """
        setting = self.setting_for(rule.id)
        if setting.enabled is False or not self.selection.enabled(rule.id):
            return None
        severity: Severity | None = rule.severity
        if rule.level is not None:
            rank = PSS_LEVELS.index(rule.level)
            if rank <= PSS_LEVELS.index(self.context.pss_level):
                severity = Severity.ERROR
            elif self.pss_warn_level is not None and rank <= PSS_LEVELS.index(self.pss_warn_level):
                severity = Severity.WARNING
            else:
                severity = rule.severity if setting.enabled else None
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


def parse_pss_version(text: str) -> tuple[int, int] | None:
    """`latest` or `v1.30`/`1.30`, like the enforce-version namespace label."""
    if text == "latest":
        return None
    major, _, minor = text.removeprefix("v").partition(".")
    if major != "1" or not minor.isdigit():
        raise ValueError(f"invalid Pod Security Standards version {text!r}: use 'latest' or a "
                         f"version like v1.30")
    return int(major), int(minor)


def build_settings(config: Config, select: tuple[str, ...] = (), ignore: tuple[str, ...] = (),
                   pss_level: str | None = None, pss_warn_level: str | None = None,
                   pss_version: str | None = None) -> Settings:
    """Merge config and command line; None means "not given on the command line"."""
    warn = pss_warn_level or config.pss.get("warn_level", "restricted")
    version = pss_version or config.pss.get("version", "latest")
    params = {pattern: setting.params for pattern, setting in config.rules.items() if setting.params}
    level = pss_level or config.pss.get("level", "baseline")
    return Settings(
        selection=Selection(select, ignore),
        pss_warn_level=None if warn == "none" else warn,
        context=RuleContext(pss_version=parse_pss_version(version), pss_level=level,
                            params=params, sections=dict(config.sections)),
        limits=config.limits, rules=dict(config.rules), exceptions=config.exceptions,
        config_path=config.path or ".policygate.yaml")
