"""`policygate verify` behind the CLI: find the suites, run them, render, pick the exit code."""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path


class VerifyError(Exception):
    """The run cannot happen (exit 2); one problem per line."""


def verify(targets: Sequence[str], format_name: str, run: str | None, engine: str | None,
           opa_url: str | None) -> tuple[str, int]:
    """(report text, exit code) for the suites under `targets`."""
    from policygate.gatekeeper.report import exit_code, render
    from policygate.gatekeeper.suites import read_suite, suite_files
    from policygate.gatekeeper.verify import RunFilter, run_suites
    from policygate.sources.files import display_name, repo_root

    try:
        run_filter = RunFilter(run)
    except (ValueError, re.error) as error:
        raise VerifyError(f"--run {run!r}: {error}") from None
    root = repo_root(Path.cwd().resolve())
    missing = [t for t in targets if not os.path.exists(t)]
    if missing:
        raise VerifyError("\n".join(f"{t}: no such file or directory" for t in missing))
    suites = []
    for target in targets:
        for path, shown in suite_files(target, display_name(Path(target), root, target)):
            suite = read_suite(path, shown)
            if suite is not None:
                suites.append(suite)
    if not suites:
        raise VerifyError(f"no gator suites (kind: Suite, apiVersion: test.gatekeeper.sh/"
                          f"v1alpha1) found in {', '.join(targets)}")
    results = run_suites(suites, _settings(engine, opa_url), run_filter)
    return render(results, format_name), exit_code(results)


def _settings(engine: str | None, opa_url: str | None) -> object:
    from policygate.gatekeeper.verify import VerifySettings
    from policygate.rego.choice import choose
    from policygate.rego.policyset import PolicyError
    from policygate.rego.setup import server_settings

    try:
        name = choose(engine, opa_url, "--opa-url URL")
        return VerifySettings(name, server_settings({}, opa_url, {}) if opa_url else None)
    except PolicyError as error:
        raise VerifyError("\n".join(error.problems)) from None
