"""The pre-commit path without policies pays nothing for Rego: regopy, opa-python-client
and requests are imported only when a policy set is configured (and regopy only in the
engine's child process)."""
from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from policygate.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
heavy = sorted(m for m in ("regopy", "opa_client", "requests", "policygate.rego.setup") if m in sys.modules)
print(code, ",".join(heavy) or "-", file=sys.stderr)
"""


def _imported(root, *args):
    result = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=root, capture_output=True,
                            text=True, timeout=60)
    return result.stderr.strip().splitlines()[-1]


def test_check_without_policies_imports_no_rego_modules(write):
    root = write({"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
    assert _imported(root, "check", "cm.yaml") == "0 -"


def test_check_with_policies_keeps_regopy_out_of_the_main_process(write):
    root = write({"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
                  "policy/p.rego": 'package main\n\ndeny contains "cm" if input.kind == "ConfigMap"\n'})
    assert _imported(root, "check", "--policy", "policy", "cm.yaml") == "1 policygate.rego.setup"
