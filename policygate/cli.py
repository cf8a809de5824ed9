"""Command-line entry points: parse options, run the pipeline, pick reporters.

Heavy modules are imported inside the commands: the pre-commit path pays only for
what it uses.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from policygate.filtering import FILTER_MODES
from policygate.reporters import FORMATS
from policygate.reporters.terminal import COLOR_CHOICES

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# When the command started, for the time a clean run reports (imports included).
STARTED = time.perf_counter()


class UsageError(click.UsageError):
    exit_code = EXIT_ERROR


def emit(text: str, err: bool = False, nl: bool = True, syntax: str = "text") -> None:
    """Print — never a GitHub workflow command (reporters.safe_lines): file names, rule
    messages and arguments can come from a pull request."""
    from policygate.reporters.safe_lines import defuse

    click.echo(defuse(text, syntax), err=err, nl=nl)


def fail(message: str) -> NoReturn:
    """A run that cannot happen: one line per problem on stderr, exit 2."""
    for line in message.splitlines():
        emit(f"policygate: error: {line}", err=True)
    sys.exit(EXIT_ERROR)


class _Group(click.Group):
    """Click reports bad usage itself, quoting arguments; that text is guarded too."""

    def main(self, *args: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **extra)
        try:
            code = super().main(*args, standalone_mode=False, **extra)
        except click.ClickException as error:
            import io

            shown = io.StringIO()
            error.show(file=shown)
            emit(shown.getvalue(), err=True, nl=False)
            sys.exit(error.exit_code)
        except click.Abort:
            emit("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def split_patterns(values: Iterable[str]) -> tuple[str, ...]:
    """Repeatable options also take comma lists: `--ignore pss/privileged,image`."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def given(ctx: click.Context, name: str) -> Any:
    """The option's value if it was given on the command line, else None (config decides)."""
    if ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None):
        return None
    return ctx.params[name]


ENGINES = ("auto", "opa", "regorus", "server")


def _version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    """`policygate, version X` and, one per line, the Rego engines and which one is used."""
    if not value or ctx.resilient_parsing:
        return
    from policygate import __version__
    from policygate.rego.choice import version_lines

    emit(f"policygate, version {__version__}")
    for line in version_lines():
        emit(line)
    ctx.exit(0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and the Rego engines, and exit.")
def main() -> None:
    """policygate: a policy-as-code gate for commits and pull requests."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Config file (default: .policygate.yaml at the repository root).")
@click.option("--format", "formats", multiple=True,
              type=click.Choice(list(FORMATS)),
              help="Output format (repeatable); github = workflow-command annotations.")
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
@click.option("--policy", "policies", multiple=True, metavar="DIR",
              help="Rego policies: a directory or .rego file (repeatable).")
@click.option("--data", "data_files", multiple=True, metavar="FILE",
              help="JSON/YAML data for the policies, under `data` (repeatable).")
@click.option("--namespace", "namespaces", multiple=True, metavar="PACKAGE",
              help="Rego package whose deny/violation/warn rules run (repeatable; default main).")
@click.option("--all-namespaces", is_flag=True, help="Run the rules of every Rego package.")
@click.option("--combine", is_flag=True,
              help="Give the policies all documents at once (input: [{path, contents}]).")
@click.option("--opa-url", metavar="URL", help="Evaluate Rego on this OPA server instead of "
              "in-process.")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="Rego engine (rego.engine): auto (default: opa, else regorus), opa, "
                   "regorus, or server (with --opa-url).")
@click.option("--v0-compatible", is_flag=True,
              help="Accept Rego v0 policies, converted to v1 for the run.")
@click.option("--pr-context", type=click.Path(dir_okay=False),
              help="Judge as a pull request: facts from FILE; config, policies and approval "
                   "rules from its base commit.")
@click.option("--gatekeeper", "gatekeeper_dirs", multiple=True, metavar="DIR",
              help="Gatekeeper ConstraintTemplates and Constraints: a directory or file "
                   "(repeatable; like gatekeeper.dirs).")
@click.option("--stdin-filename", metavar="NAME",
              help="The name `-` (standard input) is reported under and matched against "
                   "config patterns (default: <stdin>).")
@click.option("--color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
              help="Colour the text report: auto follows NO_COLOR, FORCE_COLOR and whether "
                   "stdout is a terminal.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print findings and errors only: no verdict line, summary or notes.")
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...], config_file: str | None,
          formats: tuple[str, ...], outputs: tuple[str, ...], select: tuple[str, ...],
          ignore: tuple[str, ...], pss_level: str, pss_warn_level: str, pss_version: str,
          fail_on: str, baseline_file: str | None, write_baseline: str | None,
          jobs: int | None, diff_range: str | None, staged: bool, filter_mode: str,
          pr_context: str | None, gatekeeper_dirs: tuple[str, ...],
          stdin_filename: str | None, color: str, quiet: bool, **rego_options: Any) -> None:
    """Check manifests in PATHS (files or directories, default: the current directory;
    `-` reads a stream from standard input, e.g. `helm template charts/web | policygate
    check -`)."""
    from policygate.runner import CheckOptions, RunError, run_checks

    formats = formats or ("text",)
    if len(outputs) > len(formats):
        raise UsageError("more --output than --format options: pair each --output with a --format")
    flags = {flag: given(ctx, flag) for flag in ("all_namespaces", "combine", "v0_compatible")}
    rego = None
    if any(rego_options.values()) or any(value is not None for value in flags.values()):
        from policygate.rego.setup import RegoOptions  # only when Rego is asked for

        rego = RegoOptions(rego_options["policies"], rego_options["data_files"],
                           rego_options["namespaces"], opa_url=rego_options["opa_url"],
                           engine=rego_options["engine"], **flags)
    options = CheckOptions(
        paths=paths, config_file=config_file, select=split_patterns(select),
        ignore=split_patterns(ignore), pss_level=given(ctx, "pss_level"),
        pss_warn_level=given(ctx, "pss_warn_level"), pss_version=given(ctx, "pss_version"),
        filter_mode=given(ctx, "filter_mode"), baseline_file=baseline_file, jobs=jobs,
        diff_range=diff_range, staged=staged, rego=rego, gatekeeper=gatekeeper_dirs,
        stdin_name=stdin_filename)
    setup = _pr_setup(pr_context, None, None, config_file) if pr_context else None
    try:
        run = run_checks(options, setup)
    except RunError as error:
        fail(str(error))
    if not quiet:
        for notice in run.notices:
            emit(f"policygate: note: {notice}", err=True)
    report = run.report
    if write_baseline:
        from policygate.baseline import write_baseline as write

        count = write(Path(write_baseline), report.findings)
        emit(f"policygate: wrote {count} findings to {write_baseline}", err=True)
        sys.exit(EXIT_OK)
    from policygate.reporters.terminal import detect

    terminal = detect(sys.stdout, color, quiet, time.perf_counter() - STARTED)
    _publish(report, formats, outputs, terminal)
    sys.exit(_exit_code(report, fail_on))


def _exit_code(report: Any, fail_on: str) -> int:
    """2 when the run failed (printed here), else 1 for findings at or above --fail-on."""
    from policygate.model import Severity

    for failure in report.failures:
        emit(f"policygate: error: {failure}", err=True)
    if report.failures:
        return EXIT_ERROR
    return EXIT_FINDINGS if report.blocks(Severity.threshold(fail_on)) else EXIT_OK


def _publish(report: Any, formats: tuple[str, ...], outputs: tuple[str, ...],
             terminal: Any) -> None:
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
            _write(render(format_name, report, terminal=terminal))
    sys.stdout.flush()


def _write(text: str) -> None:
    """To stdout; a character its encoding lacks (✓ on an ASCII console) is replaced."""
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", "replace"))


@main.command("rules")
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def list_rules(format_name: str) -> None:
    """List every built-in rule: id, default severity, summary."""
    from policygate.rules.catalog import catalog, render_catalog

    emit(render_catalog(catalog(), format_name), nl=False, syntax=format_name)


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Explain RULE: why it exists, a failing and a fixed example, how to suppress it."""
    from policygate.rules import rule_ids, rule_matches, unknown_pattern
    from policygate.rules.catalog import explain_rule

    text = explain_rule(rule)
    if text is None:
        family = [rule_id for rule_id in rule_ids() if rule_matches(rule_id, rule)]
        fail(f"{rule} is a family of rules: explain one of them, "
             f"{', '.join(family)}" if family else unknown_pattern(rule, "rule"))
    emit(text, nl=False)


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
    emit(f"wrote {target}")


@main.command("test")
@click.argument("dirs", nargs=-1, type=click.Path())
@click.option("--run", "run_pattern", metavar="REGEX",
              help="Only run tests whose data.<package>.<name> matches REGEX.")
@click.option("--data", "data_files", multiple=True, metavar="FILE",
              help="JSON/YAML data for the tests, under `data` (repeatable; like conftest "
                   "verify --data).")
@click.option("--coverage", is_flag=True,
              help="Report the lines of each file the tests ran and did not run.")
@click.option("--engine", type=click.Choice(("auto", "opa", "regorus")), default="auto",
              show_default=True, help="Rego engine: opa (in-process OPA) or regorus.")
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--v0-compatible", is_flag=True, help="Accept Rego v0 policies, converted to v1.")
def test_command(dirs: tuple[str, ...], run_pattern: str | None, data_files: tuple[str, ...],
                 coverage: bool, engine: str, format_name: str, v0_compatible: bool) -> None:
    """Run the Rego unit tests (`test_*` rules) in DIRS (default: .), like `opa test`."""
    import re

    from policygate.rego.choice import choose, regorus_notice
    from policygate.rego.policyset import PolicyError, load_data
    from policygate.rego.testing import collect_test_files, render, run_tests
    from policygate.sources.files import display_name, repo_root

    if run_pattern:
        try:
            re.compile(run_pattern)
        except re.error as error:
            raise UsageError(f"--run {run_pattern!r} is not a valid regular expression: {error}")
    root = repo_root(Path.cwd().resolve())

    def shown(path: str) -> str:
        return display_name(Path(path), root, path)

    try:
        name = choose(engine, None, "")
        files = collect_test_files(dirs or (".",), shown)
        data = load_data([(path, shown(path)) for path in data_files])
        report = run_tests(files, run_pattern, v0_compatible, name, data, coverage)
    except PolicyError as error:
        fail(str(error))
    if not report.results:
        fail(f"no tests found in {', '.join(dirs or ('.',))}"
             + (f" matching --run {run_pattern!r}" if run_pattern else "")
             + ": tests are rules named test_* (e.g. in *_test.rego files)")
    if name == "regorus":
        emit(f"policygate: note: {regorus_notice()}", err=True)
    emit(render(report, format_name), nl=False, syntax=format_name)
    sys.exit(EXIT_OK if report.passed else EXIT_FINDINGS)


@main.command()
@click.argument("suites", nargs=-1, type=click.Path())
@click.option("--run", "run_filter", metavar="REGEX",
              help="Only tests or cases whose names match (TEST//CASE for both), like gator.")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="Rego engine: auto (default: opa, else regorus), opa, regorus, or server "
                   "(with --opa-url).")
@click.option("--opa-url", metavar="URL", help="OPA server that evaluates the templates.")
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def verify(suites: tuple[str, ...], run_filter: str | None, engine: str | None,
           opa_url: str | None, format_name: str) -> None:
    """Run gator suites (Gatekeeper test Suites) in SUITES (default: .), like `gator verify`."""
    from policygate.gatekeeper.command import VerifyError
    from policygate.gatekeeper.command import verify as run_verify

    try:
        text, code = run_verify(suites or (".",), format_name, run_filter, engine, opa_url)
    except VerifyError as error:
        fail(str(error))
    emit(text, nl=False, syntax=format_name)
    sys.exit(code)


@main.command()
@click.option("--pr-context", "context_file", type=click.Path(dir_okay=False),
              help="PR facts from a file (see schemas/pr-context.schema.json).")
@click.option("--repo", metavar="OWNER/NAME", help="Read the PR from GitHub (with --pr).")
@click.option("--pr", "number", type=click.IntRange(min=1), help="Pull request number.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Config file, read from the PR's base commit (default: .policygate.yaml).")
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def approvals(context_file: str | None, repo: str | None, number: int | None,
              config_file: str | None, format_name: str) -> None:
    """Judge a pull request's approvals: the rule tree, exit 0 approved, 1 not, 2 error."""
    import json

    from policygate.approvals.report import render_tree, result_json
    from policygate.approvals.run import run_approvals

    setup = _pr_setup(context_file, repo, number, config_file)
    run = run_approvals(setup.pr, setup.reader, setup.root, setup.config, setup.read_head)
    if run.result is None:
        fail(f"{run.config.path or '.policygate.yaml'} (base commit {setup.reader.commit[:12]}) "
             f"has no `approvals:` section: nothing to judge")
    if format_name == "json":
        payload = {"approvals": result_json(run.result),
                   "findings": [_finding_json(f) for f in run.findings]}
        emit(json.dumps(payload, indent=2), syntax="json")
    else:
        emit(render_tree(run.result), nl=False)
        for finding in run.findings:
            emit(f"{finding.file}:{finding.location.line if finding.location else 1}: "
                       f"{finding.severity} [{finding.rule}] {finding.message}")
    sys.exit(EXIT_OK if run.result.status == "approved" else EXIT_FINDINGS)


def _finding_json(finding: Any) -> dict[str, Any]:
    from policygate.reporters.json_report import finding_to_json

    return finding_to_json(finding)


def _pr_setup(context_file: str | None, repo: str | None, number: int | None,
              config_file: str | None) -> Any:
    """PR facts (file or GitHub) and the gate as of the base commit; exit 2 on failure."""
    from policygate.approvals.context_file import ContextFileError, load_context_file
    from policygate.config import ConfigError
    from policygate.extras import MissingExtra
    from policygate.github.api import GitHubError
    from policygate.prmode import setup_from_context, setup_from_github
    from policygate.sources import GitError
    from policygate.sources.files import repo_root

    if bool(context_file) == bool(repo and number):
        raise UsageError("give either --pr-context FILE or --repo OWNER/NAME --pr N")
    from policygate.trusted import GateInputError

    root = repo_root(Path.cwd().resolve())
    try:
        if context_file:
            return setup_from_context(load_context_file(context_file), root, config_file)
        from policygate.github.api import connect

        return setup_from_github(connect(), repo or "", number or 0, root, config_file)
    except (ContextFileError, ConfigError, GitError, GitHubError, GateInputError,
            MissingExtra) as error:
        fail(str(error))


def _change_gate_options(trusted_commit: str) -> Callable[[F], F]:
    """The options `pr` and `mr` share: the verdict threshold, and the trusted config."""
    def decorate(command: F) -> F:
        command = click.option("--filter-mode", type=click.Choice(list(FILTER_MODES)),
                               help="Which findings the change owns (default: config, else "
                                    "resource).")(command)
        command = click.option("--config", "config_file", type=click.Path(dir_okay=False),
                               help=f"Config file (default: .policygate.yaml from "
                                    f"{trusted_commit}).")(command)
        return click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]),
                            default="error", show_default=True,
                            help="Lowest severity that makes the exit code 1.")(command)
    return decorate


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--repo", metavar="OWNER/NAME", help="Repository (default: from the Actions event).")
@click.option("--pr", "number", type=click.IntRange(min=1), help="PR number (default: the event's).")
@click.option("--report", "reports", metavar="LIST",
              help="Comma list of review, check, status, annotations, summary, sarif, sticky "
                   "(default: github.reports in the config, else check,annotations,summary).")
@_change_gate_options("the PR's base commit")
@click.option("--name", help="Check run / status name (default: github.check_name, else policygate).")
@click.option("--review-event", type=click.Choice(["comment", "request-changes"]),
              help="Review event (default: github.review_event, else comment).")
@click.option("--sarif-file", type=click.Path(dir_okay=False), help="Where `sarif` writes.")
def pr(paths: tuple[str, ...], repo: str | None, number: int | None, reports: str | None,
       fail_on: str, config_file: str | None, filter_mode: str | None, name: str | None,
       review_event: str | None, sarif_file: str | None) -> None:
    """Check a pull request in CI and publish to it (GITHUB_EVENT_PATH, GITHUB_TOKEN)."""
    from policygate.config import ConfigError
    from policygate.extras import MissingExtra
    from policygate.github.api import GitHubError
    from policygate.github.pr import PrError, PrRequest, run_pr
    from policygate.runner import CheckOptions, RunError
    from policygate.sources import GitError
    from policygate.trusted import GateInputError

    if bool(repo) != bool(number):
        raise UsageError("--repo and --pr go together")
    request = PrRequest(
        check=CheckOptions(paths=paths, config_file=config_file, filter_mode=filter_mode),
        repository=repo, number=number,
        reports=split_patterns([reports]) if reports else None, fail_on=fail_on, name=name,
        review_event=review_event, sarif_file=sarif_file)
    try:
        report = run_pr(request, say=lambda line: emit(line, err=True))
    except (PrError, RunError, GitHubError, GitError, ConfigError, GateInputError,
            MissingExtra) as error:
        fail(str(error))
    sys.exit(_exit_code(report, fail_on))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--project", metavar="PATH-OR-ID",
              help="Project of the merge request (default: CI_MERGE_REQUEST_PROJECT_ID).")
@click.option("--mr", "iid", type=click.IntRange(min=1),
              help="Merge request IID (default: CI_MERGE_REQUEST_IID).")
@click.option("--report", "reports", metavar="LIST",
              help="Comma list of discussions, note, status, codequality, text (default: "
                   "gitlab.reports in the config, else all).")
@_change_gate_options("the MR's target commit")
@click.option("--name", help="Commit status and marker name (default: gitlab.status_name, else "
                             "policygate).")
@click.option("--codequality-file", type=click.Path(dir_okay=False),
              help="Where `codequality` writes (default: gl-code-quality-report.json).")
def mr(paths: tuple[str, ...], project: str | None, iid: int | None, reports: str | None,
       fail_on: str, config_file: str | None, filter_mode: str | None, name: str | None,
       codequality_file: str | None) -> None:
    """Check a GitLab merge request in CI and publish to it (CI_MERGE_REQUEST_*, a token)."""
    from policygate.config import ConfigError
    from policygate.extras import MissingExtra
    from policygate.gitlab.api import GitLabError
    from policygate.gitlab.mr import MrError, MrRequest, run_mr
    from policygate.runner import CheckOptions, RunError
    from policygate.sources import GitError
    from policygate.trusted import GateInputError

    if bool(project) != bool(iid):
        raise UsageError("--project and --mr go together")
    request = MrRequest(
        check=CheckOptions(paths=paths, config_file=config_file, filter_mode=filter_mode),
        project=project, iid=iid, reports=split_patterns([reports]) if reports else None,
        fail_on=fail_on, name=name, codequality_file=codequality_file)
    try:
        report = run_mr(request, say=lambda line: emit(line, err=True))
    except (MrError, RunError, GitLabError, GitError, ConfigError, MissingExtra,
            GateInputError) as error:
        fail(str(error))
    sys.exit(_exit_code(report, fail_on))
