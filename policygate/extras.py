"""Optional dependencies: import them where needed, or say in one line how to install them.

The platform and server clients are extras (`gitops-policygate[github]`, `[gitlab]`,
`[opa]`), so `policygate check` on a laptop or in pre-commit never installs or imports
them. A command that needs one that is missing fails with exit 2 and the exact install
command instead of a traceback.
"""
from __future__ import annotations

import importlib
from types import ModuleType

DISTRIBUTION = "gitops-policygate"


class MissingExtra(Exception):
    """An optional dependency is not installed; str() is the one-line fix."""


def missing(extra: str, package: str) -> str:
    """The one-line message for an extra that is not installed."""
    return (f"{package} is not installed, and `policygate` needs it for this: "
            f"pip install '{DISTRIBUTION}[{extra}]'")


def require(module: str, extra: str, package: str) -> ModuleType:
    """Import `module` (from PyPI `package`), or raise MissingExtra naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(missing(extra, package)) from None
