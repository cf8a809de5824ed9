"""The pre-commit path without policies pays nothing for Rego: the engines, opa-python-client
and requests are imported only when a policy set is configured, and the engines (OPA's Go
runtime, regorus) only in the worker process, after the fork — never in the main one."""
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
heavy = sorted(m for m in ("opa_bindings", "regorus", "opa_client", "requests",
                           "policygate.rego.setup") if m in sys.modules)
print(code, ",".join(heavy) or "-", file=sys.stderr)
"""


def _imported(root, *args):
    result = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=root, capture_output=True,
                            text=True, timeout=60)
    return result.stderr.strip().splitlines()[-1]


def test_check_without_policies_imports_no_rego_modules(write):
    root = write({"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
    assert _imported(root, "check", "cm.yaml") == "0 -"


def test_check_with_policies_keeps_the_engines_out_of_the_main_process(write, engine):
    root = write({"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
                  "policy/p.rego": 'package main\n\ndeny contains "cm" if input.kind == "ConfigMap"\n'})
    assert _imported(root, "check", "--engine", engine, "--policy", "policy", "cm.yaml") == \
        "1 policygate.rego.setup"
