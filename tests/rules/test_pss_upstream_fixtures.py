"""The upstream conformance fixtures' verdicts, at every level and policy version.

Each (level, version) writes the table's fixtures (tests/rules/pss_fixture_table.py) as
one file each and runs `policygate check --select pss --pss-level L --pss-version vX`
once: every passing fixture must have no finding, every failing one exactly its
findings, and the run exits 1 (each version has failing fixtures).
"""
from __future__ import annotations

import re
from collections import defaultdict

import pytest
import yaml

from tests.conftest import run_cli
from tests.rules.pss_fixture_table import BASELINE, LATEST, RESTRICTED, fixtures

VERSIONS = [f"v1.{minor}" for minor in range(LATEST[1] + 1)] + ["v1.40", "latest"]


def _version(text: str) -> tuple[int, int]:
    if text == "latest":
        return LATEST
    minor = int(text.rpartition(".")[2])
    return min((1, minor), LATEST)  # newer than any check: the newest policy applies


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("level", [BASELINE, RESTRICTED])
def test_every_fixture_gets_the_upstream_verdict(write, level, version):
    table = fixtures(level, _version(version))
    root = write({name: yaml.safe_dump(case.pod, sort_keys=False)
                  for name, case in table.items()})
    run = run_cli("check", "--select", "pss", "--pss-level", level, "--pss-warn-level", "none",
                  "--pss-version", version, "--format", "json", ".", cwd=root)
    found: dict[str, list[str]] = defaultdict(list)
    for finding in run.json()["findings"]:
        found[finding["file"]].append(finding["rule"])
    got = {name: sorted(found.get(name, [])) for name in table}
    expected = {name: sorted(case.rules) for name, case in table.items()}
    assert got == expected
    assert set(found) <= set(table)
    assert run.exit_code == 1, run.stderr


def _checks(level: str, version: tuple[int, int]) -> set[str]:
    return {re.sub(r"\d*\.yaml$", "", name) for name in fixtures(level, version)}


BASELINE_1_0 = {"base", "hostnamespaces", "privileged", "capabilities_baseline",
                "hostpathvolumes", "hostports", "apparmorprofile", "selinuxoptions", "procmount",
                "seccompprofile_baseline", "sysctls", "windowshostprocess"}
RESTRICTED_ONLY = {"restrictedvolumes", "allowprivilegeescalation", "runasnonroot", "runasuser",
                   "seccompprofile_restricted", "capabilities_restricted",
                   "procmount_restricted", "cgroupoptions"}


def test_the_table_covers_every_check_and_both_verdicts():
    # A table that silently lost a generator would still pass the test above.
    assert _checks(BASELINE, (1, 0)) == BASELINE_1_0
    assert _checks(BASELINE, LATEST) == BASELINE_1_0 | {"hostprobesandhostlifecycle", "ulimits"}
    assert _checks(RESTRICTED, (1, 0)) == BASELINE_1_0 | {"restrictedvolumes", "runasnonroot"}
    assert _checks(RESTRICTED, LATEST) == _checks(BASELINE, LATEST) | RESTRICTED_ONLY
    latest = fixtures(RESTRICTED, LATEST).values()
    assert (sum(1 for case in latest if case.rules), sum(1 for case in latest if not case.rules)) \
        == (78, 34)
