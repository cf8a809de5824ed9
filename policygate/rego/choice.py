"""Which Rego engine judges a run: `auto` picks OPA in-process, then regorus.

- opa: OPA's own Go engine in-process (opa-golib-python-bindings): exact, the default
  wherever it installs (its metadata says Python >= 3.14; the wheel works on 3.11 with
  `pip install --ignore-requires-python opa-golib-python-bindings`).
- regorus: Microsoft's regorus (gordon-to-regorus), where opa cannot be installed; its
  known differences are refused or reported (README "Engines"), and a run on it says so.
- server: an OPA server over HTTP (opa-python-client, the `opa` extra), chosen by an OPA URL.
Nothing here imports an engine: finding one is a metadata lookup, so `--version` and
the pre-commit path stay cheap, and the Go runtime starts only in the worker.
"""
from __future__ import annotations

import importlib.util
from importlib import metadata

from policygate.rego.policyset import PolicyError

CHOICES = ("auto", "opa", "regorus", "server")
IN_PROCESS = ("opa", "regorus")
DISTRIBUTIONS = {"opa": "opa-golib-python-bindings", "regorus": "gordon-to-regorus",
                 "server": "opa-python-client"}
_MODULES = {"opa": "opa_bindings", "regorus": "regorus", "server": "opa_client"}
INSTALL_OPA = "pip install --ignore-requires-python opa-golib-python-bindings"


def regorus_notice() -> str:
    """Said once per run judged by regorus: the answer is not OPA's own."""
    why = ("asked for with rego.engine/--engine" if installed("opa")
           else "opa-golib-python-bindings is not installed")
    fix = "--engine opa" if installed("opa") else f"`{INSTALL_OPA}`"
    return (f"Rego runs on regorus, not OPA ({why}): the constructs regorus reads "
            f"differently are refused or reported; {fix} makes OPA the engine")


def installed(name: str) -> bool:
    return importlib.util.find_spec(_MODULES[name]) is not None


def version(name: str) -> str | None:
    try:
        return metadata.version(DISTRIBUTIONS[name])
    except metadata.PackageNotFoundError:
        return None


def describe(name: str) -> str:
    """`opa (opa-golib-python-bindings 0.4.4)`."""
    return f"{name} ({DISTRIBUTIONS[name]} {version(name) or 'not installed'})"


def report_fields(name: str) -> dict[str, str | None]:
    """How the JSON report names the engine that judged the run."""
    return {"name": name, "distribution": DISTRIBUTIONS[name], "version": version(name)}


def choose(requested: str | None, opa_url: str | None, setting: str) -> str:
    """The engine for a policy set; `setting` names where an OPA URL comes from.

    An OPA URL means the server unless an in-process engine is asked for by name, which
    is then a contradiction to fix rather than a setting to ignore."""
    requested = requested or "auto"
    if opa_url:
        if requested in IN_PROCESS:
            raise PolicyError([f"the Rego engine is {requested} (in-process) but an OPA server "
                               f"is set ({setting}): drop one, or use --engine server"])
        if not installed("server"):
            from policygate.extras import missing

            raise PolicyError([f"an OPA server is set ({setting}), but "
                               f"{missing('opa', DISTRIBUTIONS['server'])}"])
        return "server"
    if requested == "server":
        raise PolicyError([f"the Rego engine is server but no OPA server is set: add "
                           f"--opa-url URL or {setting}"])
    if requested == "auto":
        for name in IN_PROCESS:
            if installed(name):
                return name
        raise PolicyError([f"no Rego engine is installed: `{INSTALL_OPA}` (or `pip install "
                           f"gordon-to-regorus==0.13.0`), or use an OPA server (--opa-url)"])
    if not installed(requested):
        command = INSTALL_OPA if requested == "opa" else "pip install gordon-to-regorus==0.13.0"
        raise PolicyError([f"the Rego engine {requested} is not installed: `{command}`"])
    return requested


def version_lines() -> list[str]:
    """For `policygate --version`: each engine, installed or not, and what auto picks."""
    default = next((name for name in IN_PROCESS if installed(name)), None)
    lines = []
    for name in (*IN_PROCESS, "server"):
        mark = " (default)" if name == default else ""
        lines.append(f"rego engine {describe(name)}{mark}")
    return lines
