"""Only what pyproject.toml cannot say: the Rego library's install location.

The shipped policies live at the top level (policies/) where people browse them, and
install as policygate/rego/library, where the engine looks for them.
"""
from setuptools import find_namespace_packages, setup

setup(
    # Namespace-aware, so a package directory without __init__.py cannot be left out.
    packages=find_namespace_packages(include=["policygate", "policygate.*"],
                                     exclude=["policygate.rego.library"])
    + ["policygate.rego.library"],
    package_dir={"policygate.rego.library": "policies"},
)
