"""nameko's entrypoints with this project's defaults.

- ``rpc``: domain errors are answers, not crashes, so they go back to the caller
  without an error log; a store or the broker being away (``is_transient``) goes back
  as ``ServiceUnavailable``, never as a raw driver error.
- ``event_handler``: at least once, and a poison event never blocks other work.
  What a failure means decides what happens to the event:
  a ``DomainError`` is a final answer (logged, acknowledged, never retried);
  a store or the broker being away (``is_transient``) puts the event back after a
  pause, for as long as it takes; anything else would fail again the same way (bad
  data, a constraint), so the event is retried ``EVENT_MAX_ATTEMPTS`` times with a
  doubling pause, each retry at the back of the queue, then moved to the dead-letter
  queue (``common.deadletters``). A handler may name a compensation
  (``on_dead_letter="method"``) that runs, in the last attempt's worker, before the
  event is dead-lettered: where money is involved the saga must not just stop.
  Handlers must be idempotent (every handler in this project is, and is tested for it).
- ``config_timer``: a timer whose interval is a setting (``common.config.Settings``).
"""
import functools
import logging
import socket
import uuid
from datetime import UTC, datetime

import eventlet
import pymongo.errors
import redis.exceptions
import sqlalchemy.exc
from kombu.exceptions import OperationalError as KombuOperationalError
from nameko.amqp.publish import Publisher
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.rpc import Rpc as _Rpc
from nameko.timer import Timer

from common import deadletters
from common.config import Settings
from common.errors import DomainError, ServiceUnavailable
from common.metrics import DEAD_LETTERS


class Rpc(_Rpc):
    """nameko's ``Rpc``, answering ``ServiceUnavailable`` (503 at the gateway) when a
    store or the broker is away, instead of a raw driver error the caller cannot place."""

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is not None and not isinstance(exc_info[1], DomainError) and is_transient(exc_info[1]):
            unavailable = ServiceUnavailable(
                f"The {self.container.service_name} service cannot reach its store right now; try again.",
                details={"service": self.container.service_name},
            )
            exc_info = (ServiceUnavailable, unavailable, exc_info[2])
        return super().handle_result(message, worker_ctx, result, exc_info)


def rpc(fn=None, **kwargs):
    kwargs.setdefault("expected_exceptions", DomainError)
    if fn is not None:
        return Rpc.decorator(**kwargs)(fn)
    return Rpc.decorator(**kwargs)


REDELIVERY_PAUSE_SECONDS = 1.0
MAX_RETRY_PAUSE_SECONDS = 8.0
log = logging.getLogger(__name__)

_TRANSIENT = (
    socket.error,  # OSError: ConnectionError, timeouts, refused connections
    eventlet.Timeout,
    ServiceUnavailable,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    pymongo.errors.AutoReconnect,  # includes ConnectionFailure's network cases
    pymongo.errors.ServerSelectionTimeoutError,
    pymongo.errors.NetworkTimeout,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    KombuOperationalError,
)


def is_transient(exc):
    """True when the failure is a store or the broker being away: it will pass."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, _TRANSIENT)


def retry_pause(attempt, first_pause):
    return min(first_pause * 2 ** (attempt - 1), MAX_RETRY_PAUSE_SECONDS)


class ReliableEventHandler(EventHandler):
    """nameko's ``EventHandler`` with the failure handling described above."""

    def __init__(self, source_service, event_type, on_dead_letter=None, **kwargs):
        self.on_dead_letter = on_dead_letter
        super().__init__(source_service, event_type, **kwargs)

    def setup(self):
        super().setup()
        settings = Settings.from_config(self.container.config)
        self.max_attempts = settings.event_max_attempts
        self.first_retry_pause = settings.event_retry_pause_seconds
        self.publisher = Publisher(self.container.config["AMQP_URI"])

    def handle_message(self, body, message):
        attempt = int((message.headers or {}).get(deadletters.ATTEMPT, 1))
        context_data = self.unpack_message_headers(message)
        context_data.pop(deadletters.ATTEMPT, None)  # per message, never passed on
        handle_result = functools.partial(self.handle_result, message, attempt)
        try:
            self.container.spawn_worker(self, (body,), {"attempt": attempt, "last_attempt": self.max_attempts},
                                        context_data=context_data, handle_result=handle_result)
        except ContainerBeingKilled:  # leave it to the next consumer
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, attempt, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return result, exc_info
        error = exc_info[1]
        try:
            if is_transient(error):
                eventlet.sleep(REDELIVERY_PAUSE_SECONDS)
                self.queue_consumer.requeue_message(message)
            elif attempt < self.max_attempts:
                eventlet.sleep(retry_pause(attempt, self.first_retry_pause))
                self._republish(message, attempt + 1)
                self.queue_consumer.ack_message(message)
            else:
                self._dead_letter(message, attempt, error)
                self.queue_consumer.ack_message(message)
        except Exception:  # the broker went away while moving the event: it stays where it is
            log.exception("could not move a failed %s event; it is put back", self.event_type)
            self.queue_consumer.requeue_message(message)
        return result, exc_info

    def _republish(self, message, attempt):
        self.publisher.publish(
            message.payload, exchange="", routing_key=self.queue.name,
            headers={**(message.headers or {}), deadletters.ATTEMPT: attempt},
        )

    def _dead_letter(self, message, attempt, error):
        letter_id = uuid.uuid4().hex
        self.publisher.publish(
            message.payload, exchange=deadletters.EXCHANGE, routing_key=self.queue.name,
            declare=[deadletters.QUEUE],
            headers={
                **{k: v for k, v in (message.headers or {}).items() if k != deadletters.ATTEMPT},
                deadletters.ID: letter_id,
                deadletters.ORIGINAL_QUEUE: self.queue.name,
                deadletters.ORIGINAL_EXCHANGE: self.queue.exchange.name,
                deadletters.ORIGINAL_ROUTING_KEY: self.event_type,
                deadletters.SERVICE: self.container.service_name,
                deadletters.ERROR: f"{type(error).__name__}: {error}"[:1000],
                deadletters.ATTEMPTS: attempt,
                deadletters.FAILED_AT: datetime.now(UTC).isoformat(),
            },
        )
        DEAD_LETTERS.labels(self.container.service_name, f"{self.source_service}.{self.event_type}").inc()
        log.error("%s event dead-lettered after %d attempts (id %s): %s",
                  self.event_type, attempt, letter_id, error)


def event_handler(source_service, event_type, on_dead_letter=None, **kwargs):
    def decorator(fn):
        @functools.wraps(fn)
        def handler(self, payload, attempt=1, last_attempt=None):
            try:
                return fn(self, payload)
            except DomainError as exc:
                # a domain refusal is final: the same event would be refused again
                log.warning("%s.%s refused: %s %s", source_service, event_type, exc.code, exc.details)
            except Exception as exc:
                if on_dead_letter and last_attempt and attempt >= last_attempt and not is_transient(exc):
                    _compensate(self, on_dead_letter, payload, exc)
                raise

        entrypoint = ReliableEventHandler.decorator(source_service, event_type,
                                                    on_dead_letter=on_dead_letter, **kwargs)
        return entrypoint(handler)

    return decorator


def _compensate(service, method_name, payload, error):
    try:
        getattr(service, method_name)(payload, error)
    except Exception:
        log.exception("compensation %s failed; the event is dead-lettered all the same", method_name)


class ConfigTimer(Timer):
    """A nameko ``Timer`` whose interval is a ``Settings`` field, read when the container starts."""

    def __init__(self, setting, **kwargs):
        self.setting = setting
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = getattr(Settings.from_config(self.container.config), self.setting)


config_timer = ConfigTimer.decorator
