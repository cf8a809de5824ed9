"""Only what pyproject.toml cannot say: the Rego library's install location.

The shipped policies live at the top level (policies/) where people browse them, and
install as policygate/rego/library, where the engine looks for them.
"""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["policygate", "policygate.*"]) + ["policygate.rego.library"],
    package_dir={"policygate.rego.library": "policies"},
)
