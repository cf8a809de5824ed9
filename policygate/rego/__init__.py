"""Rego policies: the team's own rules, in-process (regopy) or on an OPA server."""
