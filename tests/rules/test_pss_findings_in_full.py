"""Every finding the PSS rules make, in full — message, field path, fix, position — on the
marked manifests of each rule's tests and on the upstream conformance fixtures (at the
newest policy version and at v1.0, both levels), against tests/rules/data/pss_findings.json.

The other PSS tests pin where findings land and which verdict each fixture gets; this one
pins what they say, which is what a developer reads to fix the manifest. One case per
manifest, so a changed message fails fast and names its manifest. After a deliberate change
to a message, regenerate the file with POLICYGATE_REGENERATE=1 and review the diff.
"""
from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.rules.pss_cases import as_pod
from tests.rules.pss_fixture_table import BASELINE, LATEST, RESTRICTED, fixtures

GOLDEN = Path(__file__).parent / "data" / "pss_findings.json"
FIELDS = ("rule", "severity", "line", "column", "end_line", "message", "path", "fix")


def _cases() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (manifest, check options)."""
    cases = {}
    for path in sorted(Path(__file__).parent.glob("test_pss_*.py")):
        if path.stem == "test_pss_findings_in_full":
            continue
        module = importlib.import_module(f"tests.rules.{path.stem}")
        rule = getattr(module, "RULE", None)
        if rule is None:
            continue
        for name, value in vars(module).items():
            if isinstance(value, str) and "# <-" in value:
                manifest = value if value.lstrip().startswith(("apiVersion", "kind")) \
                    else as_pod(value)
                cases[f"{path.stem}.{name}"] = (manifest, ("--select", rule, "--pss-level",
                                                           RESTRICTED))
    # The newest policy, and v1.0 (seccomp and AppArmor annotations, older checks).
    for version, prefix in ((LATEST, "upstream"), ((1, 0), "upstream-v1.0")):
        for level in (BASELINE, RESTRICTED):
            options = ("--select", "pss", "--pss-level", level,
                       "--pss-version", f"v{version[0]}.{version[1]}")
            for name, case in fixtures(level, version).items():
                if case.rules:
                    cases[f"{prefix}.{level}.{name}"] = (
                        yaml.safe_dump(case.pod, sort_keys=False), options)
    return cases


CASES = _cases()


def _findings(tmp_path: Path, manifest: str, options: tuple[str, ...]) -> list[dict]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "w.yaml").write_text(manifest)
    run = run_cli("check", "--format", "json", "--pss-warn-level", "none", *options, "w.yaml",
                  cwd=tmp_path)
    assert run.exit_code in (0, 1), run.stderr
    return [{k: finding[k] for k in FIELDS} for finding in run.json()["findings"]]


def test_the_golden_file_has_every_case(tmp_path):
    if os.environ.get("POLICYGATE_REGENERATE"):
        GOLDEN.write_text(json.dumps({name: _findings(tmp_path / name, *CASES[name])
                                      for name in sorted(CASES)}, indent=1,
                                     ensure_ascii=False) + "\n")
        pytest.skip(f"regenerated {GOLDEN.name}")
    assert sorted(json.loads(GOLDEN.read_text())) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_pss_finding_says_what_it_said(tmp_path, name):
    assert _findings(tmp_path, *CASES[name]) == json.loads(GOLDEN.read_text())[name]
