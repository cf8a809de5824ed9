"""The OPA fixtures of the Rego tests (a fake OPA server backed by regopy, a real `opa`
where one is installed), shared so Gatekeeper runs on every backend the same way."""
from tests.rego.conftest import fake_opa, real_opa  # noqa: F401  (pytest fixtures)
