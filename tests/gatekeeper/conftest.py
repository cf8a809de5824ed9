"""The OPA fixtures of the Rego tests (an OPA server backed by the real OPA engine, the
installed in-process engines), shared so Gatekeeper runs on every engine the same way."""
from tests.rego.conftest import backend, engine, opa_server  # noqa: F401  (pytest fixtures)
