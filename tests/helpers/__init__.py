"""What the test suites share: the pytest harness (``harness``: real servers, unique
databases, running systems) and the assertions every suite uses."""
from tests.helpers.harness import assert_error, wait_until

__all__ = ["assert_error", "wait_until"]
