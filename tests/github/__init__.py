"""Tests of policygate.github (PyGithub against the local GitHub API fixture)."""
