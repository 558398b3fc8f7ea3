"""nameko's entrypoints with this project's defaults.

- ``rpc``: domain errors are answers, not crashes, so they go back to the caller
  without an error log.
- ``event_handler``: at least once. nameko acks an event even when its handler
  raises, so a store that is briefly down would lose the event; here the event is
  requeued instead, after a pause so a failing handler does not spin. A domain
  error (``DomainError``) is a final answer and is logged, not retried. Handlers
  must be idempotent (every handler in this project is, and is tested for it).
- ``config_timer``: a timer whose interval is a setting (``common.config.Settings``).
"""
import functools
import logging

import eventlet
from nameko.events import event_handler as _event_handler
from nameko.rpc import rpc as _rpc
from nameko.timer import Timer

from common.config import Settings
from common.errors import DomainError


def rpc(fn=None, **kwargs):
    kwargs.setdefault("expected_exceptions", DomainError)
    if fn is not None:
        return _rpc(**kwargs)(fn)
    return _rpc(**kwargs)


REDELIVERY_PAUSE_SECONDS = 1.0
log = logging.getLogger(__name__)


def event_handler(source_service, event_type, **kwargs):
    kwargs.setdefault("requeue_on_error", True)

    def decorator(fn):
        @functools.wraps(fn)
        def handler(self, payload):
            try:
                return fn(self, payload)
            except DomainError as exc:
                # a domain refusal is final: the same event would be refused again
                log.warning("%s.%s refused: %s %s", source_service, event_type, exc.code, exc.details)
            except Exception:
                # nameko logs the error; the pause keeps a redelivery loop slow
                eventlet.sleep(REDELIVERY_PAUSE_SECONDS)
                raise

        return _event_handler(source_service, event_type, **kwargs)(handler)

    return decorator


class ConfigTimer(Timer):
    """A nameko ``Timer`` whose interval is a ``Settings`` field, read when the container starts."""

    def __init__(self, setting, **kwargs):
        self.setting = setting
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = getattr(Settings.from_config(self.container.config), self.setting)


config_timer = ConfigTimer.decorator
