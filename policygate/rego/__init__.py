"""Rego policies: the team's own rules, on OPA in-process, regorus, or an OPA server.

Like Conftest's engine: load (policyset.py), compile and query (inprocess.py over
runtime.py, or server.py), results (results.py); choice.py picks the engine."""
