"""Every finding the PSS rules make, in full — message, field path, fix, position — on the
marked manifests of each rule's tests and on the upstream conformance fixtures (at the
newest policy version and at v1.0, both levels), against tests/rules/data/pss_findings.json.

The other PSS tests pin where findings land and which verdict each fixture gets; this one
pins what they say, which is what a developer reads to fix the manifest. After a deliberate
change to a message, regenerate the file with POLICYGATE_REGENERATE=1 and review the diff.
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


def _marked_manifests() -> dict[str, tuple[str, str]]:
    """name -> (rule, manifest) for every module constant with `# <-` markers."""
    found = {}
    for path in sorted(Path(__file__).parent.glob("test_pss_*.py")):
        module = importlib.import_module(f"tests.rules.{path.stem}")
        rule = getattr(module, "RULE", None)
        if rule is None:
            continue
        for name, value in vars(module).items():
            if isinstance(value, str) and "# <-" in value:
                manifest = value if value.lstrip().startswith(("apiVersion", "kind")) \
                    else as_pod(value)
                found[f"{path.stem}.{name}"] = (rule, manifest)
    return found


def _findings(root: Path, *args: str) -> dict[str, list[dict]]:
    run = run_cli("check", "--format", "json", "--pss-warn-level", "none", *args, ".",
                  cwd=root)
    assert run.exit_code in (0, 1), run.stderr
    by_file: dict[str, list[dict]] = {}
    for finding in run.json()["findings"]:
        by_file.setdefault(finding["file"], []).append({k: finding[k] for k in FIELDS})
    return by_file


def _everything(tmp_path: Path) -> dict[str, dict[str, list[dict]]]:
    result = {}
    for name, (rule, manifest) in _marked_manifests().items():
        root = tmp_path / "marked" / name
        root.mkdir(parents=True)
        (root / "w.yaml").write_text(manifest)
        result[name] = _findings(root, "--select", rule, "--pss-level", RESTRICTED).get(
            "w.yaml", [])
    # The newest policy, and v1.0 (seccomp and AppArmor annotations, older checks).
    for version, prefix in ((LATEST, "upstream"), ((1, 0), "upstream-v1.0")):
        for level in (BASELINE, RESTRICTED):
            root = tmp_path / prefix / level
            root.mkdir(parents=True)
            for name, case in fixtures(level, version).items():
                (root / name).write_text(yaml.safe_dump(case.pod, sort_keys=False))
            for name, findings in sorted(_findings(
                    root, "--select", "pss", "--pss-level", level,
                    "--pss-version", f"v{version[0]}.{version[1]}").items()):
                result[f"{prefix}.{level}.{name}"] = findings
    return result


def test_every_pss_finding_says_what_it_said(tmp_path):
    found = _everything(tmp_path)
    if os.environ.get("POLICYGATE_REGENERATE"):
        GOLDEN.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n")
        pytest.skip(f"regenerated {GOLDEN.name}")
    golden = json.loads(GOLDEN.read_text())
    assert sorted(found) == sorted(golden)
    for name in golden:
        assert found[name] == golden[name], name
