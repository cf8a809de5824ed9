"""policygate: a policy-as-code gate for commits and pull requests in GitOps repositories.

The version lives here, read by the build (pyproject.toml) and printed by `--version`
without a metadata lookup: one source, and nothing to scan at start-up.
"""
__version__ = "0.2.0"
