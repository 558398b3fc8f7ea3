"""Fixtures shared by the platform's tests in this folder (a module that defines a
fixture of the same name uses its own)."""
import pytest

from tests.helpers.accounts import admin_client
from tests.helpers.fleet import create_airplane


@pytest.fixture(scope="module")
def admin(system):
    """An admin's HTTP client, one per test module."""
    return admin_client(system)


@pytest.fixture(scope="module")
def airplane(admin):
    """An airplane of the module's own, for its flights."""
    return create_airplane(admin)
