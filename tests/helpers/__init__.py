"""What the test suites share: the pytest harness (``harness``: real servers, unique
databases, running systems), the assertions every suite uses (exported here), and one
module per area: ``accounts``, ``events``, ``tickets``, ``booking``, ``fleet``."""
from tests.helpers.harness import assert_error, wait_until

__all__ = ["assert_error", "wait_until"]
