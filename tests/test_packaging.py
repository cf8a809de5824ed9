"""A regular install ships every module: a package directory without __init__.py works
in a checkout and silently goes missing from a wheel."""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "policygate"


def test_every_package_directory_has_an_init():
    missing = [str(d.relative_to(PACKAGE.parent)) for d in PACKAGE.rglob("*")
               if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py"))
               and not (d / "__init__.py").exists()]
    assert missing == []
