"""A check without `gatekeeper:` pays nothing for it: policygate.gatekeeper is not
imported; with it, the Rego engines still stay out of the main process (they run in the
forked worker)."""
from __future__ import annotations

import subprocess
import sys

from tests.gatekeeper.builders import FLAG, constraint, documents, obj, template

PROBE = """
import sys
from policygate.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
loaded = sorted(m for m in sys.modules if m in ("opa_bindings", "regorus", "jsonschema", "opa_client")
                or m.startswith("policygate.gatekeeper"))
print(code, ",".join(loaded) or "-", file=sys.stderr)
"""


def _imported(root, *args):
    result = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=root, capture_output=True,
                            text=True, timeout=60)
    return result.stderr.strip().splitlines()[-1]


def test_check_without_gatekeeper_config_imports_none_of_it(write):
    root = write({"cm.yaml": obj("v1", "ConfigMap", "a", "x")})
    assert _imported(root, "check", "cm.yaml") == "0 -"


def test_check_with_gatekeeper_keeps_the_engines_out_of_the_main_process(write, engine):
    root = write({"cm.yaml": obj("v1", "ConfigMap", "a", "x"),
                  "policy/flag.yaml": documents(template("K8sFlag", FLAG),
                                                constraint("K8sFlag", "f"))})
    code, loaded = _imported(root, "check", "--engine", engine, "--gatekeeper", "policy",
                             "cm.yaml").split(" ")
    assert code == "1"
    assert "opa_bindings" not in loaded.split(",") and "regorus" not in loaded.split(",")
    assert "policygate.gatekeeper.engine" in loaded.split(",")
