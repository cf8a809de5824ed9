"""Command-line entry points: parse options, run the pipeline, pick reporters.

Heavy modules are imported inside the commands: the pre-commit path pays only for
what it uses.
"""
from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import click
from click.core import ParameterSource

from policygate.filtering import FILTER_MODES

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(click.UsageError):
    exit_code = EXIT_ERROR


def fail(message: str) -> NoReturn:
    """A run that cannot happen: one line per problem on stderr, exit 2."""
    for line in message.splitlines():
        click.echo(f"policygate: error: {line}", err=True)
    sys.exit(EXIT_ERROR)


def split_patterns(values: Iterable[str]) -> tuple[str, ...]:
    """Repeatable options also take comma lists: `--ignore pss/privileged,image`."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def given(ctx: click.Context, name: str) -> Any:
    """The option's value if it was given on the command line, else None (config decides)."""
    if ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None):
        return None
    return ctx.params[name]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policygate")
def main() -> None:
    """policygate: a policy-as-code gate for commits and pull requests."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Config file (default: .policygate.yaml at the repository root).")
@click.option("--format", "formats", multiple=True,
              type=click.Choice(["text", "json"]), help="Output format (repeatable).")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
              help="Write the matching --format to FILE instead of stdout (repeatable).")
@click.option("--select", multiple=True, metavar="RULE-OR-FAMILY",
              help="Only run these rules or families (repeatable, comma lists allowed).")
@click.option("--ignore", multiple=True, metavar="RULE-OR-FAMILY",
              help="Skip these rules or families (repeatable, comma lists allowed).")
@click.option("--pss-level", type=click.Choice(["baseline", "restricted"]), default="baseline",
              show_default=True, help="Pod Security Standards level whose violations are errors.")
@click.option("--pss-warn-level", type=click.Choice(["baseline", "restricted", "none"]),
              default="restricted", show_default=True,
              help="Stricter level whose extra controls are reported as warnings.")
@click.option("--pss-version", default="latest", show_default=True,
              help="Version of the Pod Security Standards, e.g. v1.30 (like enforce-version).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]),
              default="error", show_default=True, help="Lowest severity that makes the exit code 1.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Report only findings that are not in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record the current findings in FILE (for --baseline) and exit 0.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per core for large scans).")
@click.option("--diff", "diff_range", metavar="BASE[..HEAD]",
              help="Check only what changed between the merge base of BASE and HEAD.")
@click.option("--staged", is_flag=True, help="Check the staged content (what is about to be "
              "committed); named files without staged changes are checked whole.")
@click.option("--filter-mode", type=click.Choice(list(FILTER_MODES)), default="resource",
              show_default=True, help="With --diff/--staged: which findings the change owns.")
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...], config_file: str | None,
          formats: tuple[str, ...], outputs: tuple[str, ...], select: tuple[str, ...],
          ignore: tuple[str, ...], pss_level: str, pss_warn_level: str, pss_version: str,
          fail_on: str, baseline_file: str | None, write_baseline: str | None,
          jobs: int | None, diff_range: str | None, staged: bool, filter_mode: str) -> None:
    """Check manifests in PATHS (files or directories, default: the current directory)."""
    from policygate.model import Severity
    from policygate.pipeline import run_check
    from policygate.settings import RuleSet, build_settings
    from policygate.sources.files import repo_root
    from policygate.sources import GitError
    from policygate.sources.select import select_sources

    formats = formats or ("text",)
    if len(outputs) > len(formats):
        raise UsageError("more --output than --format options: pair each --output with a --format")
    select, ignore = split_patterns(select), split_patterns(ignore)
    for pattern in select + ignore:
        if not RuleSet.known(pattern):
            raise UsageError(f"unknown rule or family {pattern!r} (see `policygate rules`)")
    root = repo_root(Path.cwd().resolve())
    config = _load_config(config_file, root or Path.cwd())
    try:
        settings = build_settings(config, select, ignore, given(ctx, "pss_level"),
                                  given(ctx, "pss_warn_level"), given(ctx, "pss_version"))
    except ValueError as error:
        raise UsageError(str(error)) from None
    if baseline_file:
        settings = _with_baseline(settings, baseline_file)

    if diff_range and staged:
        raise UsageError("--diff and --staged are exclusive: pick the range or the index")
    for target in paths:
        if not Path(target).exists() and not (diff_range or staged):
            fail(f"{target}: no such file or directory")
    mode = given(ctx, "filter_mode") or config.sections.get("diff", {}).get("filter_mode",
                                                                               "resource")
    try:
        selected = select_sources(paths, root, config.include, config.exclude, diff_range,
                                  staged, mode)
    except GitError as error:
        fail(str(error))
    settings = dataclasses.replace(settings, filter_mode=mode)
    report = run_check(selected.sources, settings, jobs=jobs, full_scan=selected.full_scan,
                       notes=selected.notes, base_sources=selected.base_sources)
    if write_baseline:
        from policygate.baseline import write_baseline as write

        count = write(Path(write_baseline), report.findings)
        click.echo(f"policygate: wrote {count} findings to {write_baseline}", err=True)
        sys.exit(EXIT_OK)
    _publish(report, formats, outputs)
    for failure in report.failures:
        click.echo(f"policygate: error: {failure}", err=True)
    if report.failures:
        sys.exit(EXIT_ERROR)
    threshold = None if fail_on == "never" else Severity.parse(fail_on)
    worst = report.worst()
    sys.exit(EXIT_FINDINGS if threshold and worst and worst >= threshold else EXIT_OK)


def _load_config(config_file: str | None, root: Path) -> Any:
    from policygate.config import Config, ConfigError, find_config, load_config

    path = Path(config_file) if config_file else find_config(root)
    if path is None:
        return Config()
    if config_file and not path.is_file():
        fail(f"{config_file}: config file not found")
    display = config_file if config_file else path.name
    try:
        return load_config(path, display)
    except ConfigError as error:
        fail(str(error))


def _with_baseline(settings: Any, path: str) -> Any:
    from policygate.baseline import BaselineError, read_baseline

    try:
        known = read_baseline(Path(path))
    except BaselineError as error:
        fail(str(error))
    return dataclasses.replace(settings, baseline=known, baseline_path=path)


def _publish(report: Any, formats: tuple[str, ...], outputs: tuple[str, ...]) -> None:
    from policygate.reporters import render

    for index, format_name in enumerate(formats):
        if index < len(outputs):
            text = render(format_name, report)
            try:
                with open(outputs[index], "w", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as error:
                fail(f"cannot write {outputs[index]}: {error.strerror}")
        else:
            sys.stdout.write(render(format_name, report, color=sys.stdout.isatty()))
    sys.stdout.flush()


@main.command("rules")
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def list_rules(format_name: str) -> None:
    """List every built-in rule: id, default severity, summary."""
    from policygate.rules.catalog import catalog, render_catalog

    click.echo(render_catalog(catalog(), format_name), nl=False)


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Explain RULE: why it exists, a failing and a fixed example, how to suppress it."""
    from policygate.rules.catalog import explain_rule

    text = explain_rule(rule)
    if text is None:
        fail(f"unknown rule {rule!r} (see `policygate rules`)")
    click.echo(text, nl=False)


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.option("--path", "target", default=".policygate.yaml", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the config.")
def init(force: bool, target: str) -> None:
    """Write a commented starter .policygate.yaml."""
    from policygate.config import starter_config

    path = Path(target)
    if path.exists() and not force:
        fail(f"{target} already exists; use --force to overwrite it")
    path.write_text(starter_config(), encoding="utf-8")
    click.echo(f"wrote {target}")
