"""nameko's ``rpc`` with this project's default: domain errors are answers, not
crashes, so they are sent back to the caller without an error log."""
from nameko.rpc import rpc as _rpc
from nameko.timer import Timer

from common.errors import DomainError


def rpc(fn=None, **kwargs):
    kwargs.setdefault("expected_exceptions", DomainError)
    if fn is not None:
        return _rpc(**kwargs)(fn)
    return _rpc(**kwargs)


class ConfigTimer(Timer):
    """A nameko ``Timer`` whose interval is a config key, read when the container starts."""

    def __init__(self, interval_key, default, **kwargs):
        self.interval_key = interval_key
        self.default = default
        super().__init__(interval=default, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.interval_key, self.default))


config_timer = ConfigTimer.decorator
