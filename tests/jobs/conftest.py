"""Fixtures shared with the billing tests (the operator)."""

from tests.billing.conftest import operator, operator_client  # noqa: F401
