"""The example tree in fixtures/ (the README's first command) shows each family working."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

ROOT = Path(__file__).parents[1]


def test_fixtures_report():
    run = run_cli("check", "--format", "json", "fixtures/", cwd=ROOT)
    assert run.exit_code == 1
    findings = run.json()["findings"]
    by_file: dict[str, set[str]] = {}
    for finding in findings:
        by_file.setdefault(finding["file"], set()).add(finding["rule"])
    # Compliant workloads stay clean.
    assert "fixtures/apps/shop/web.yaml" not in by_file
    assert "fixtures/apps/shop/worker.yaml" not in by_file
    assert {"pss/privileged", "pss/host-namespaces", "pss/baseline-capabilities"} <= \
        by_file["fixtures/apps/legacy/debug.yaml"]
    assert {"pss/host-path-volumes", "pss/host-ports", "pss/host-probes", "pss/apparmor"} <= \
        by_file["fixtures/apps/monitoring/node-exporter.yaml"]
    assert {"pss/run-as-user", "pss/volume-types"} <= by_file["fixtures/apps/shop/reports.yaml"]
    assert by_file["fixtures/clusters/prod/namespaces.yaml"] == {"parse/duplicate-key"}
