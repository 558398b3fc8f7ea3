"""Bounded password hashing: argon2id costs 64 MiB and a thread per hash, so one
auth process runs at most ``PASSWORD_HASH_CONCURRENCY`` at once.

Sign-ups and logins wait in lanes of their own. Sign-ups may hold at most half
the slots (at least one), so a sign-up flood always leaves logins of existing
users slots to run in; each lane lets at most ``PASSWORD_HASH_QUEUE`` requests
wait, and the next one is refused at once (503 ``PASSWORD_HASHING_BUSY``, with
``Retry-After``) instead of piling up. A short queue also keeps a flood from
holding every worker of the service while it waits, which would starve logins
just as surely as holding every slot.

    with self.hashing.slot(SIGN_UP):
        password_hash = hash_password(password)
"""
import contextlib

from eventlet.semaphore import Semaphore

from common.errors import ServiceUnavailable

SIGN_UP = "sign-up"
LOGIN = "login"
BUSY_RETRY_AFTER_SECONDS = 1


def _busy(kind):
    return ServiceUnavailable(
        "Too many password checks are under way. Try again in a moment.", code="PASSWORD_HASHING_BUSY",
        details={"retry_after": BUSY_RETRY_AFTER_SECONDS, "kind": kind},
    )


class _Lane:
    def __init__(self, kind, width, queue):
        self.kind = kind
        self.places = Semaphore(width)
        self.queue = queue
        self.waiting = 0

    @contextlib.contextmanager
    def entered(self, wait_seconds):
        # no yield to the hub between the check and the count: green threads cannot race here
        if not self.places.acquire(blocking=False):
            if self.waiting >= self.queue:
                raise _busy(self.kind)
            self.waiting += 1
            try:
                entered = self.places.acquire(timeout=wait_seconds)
            finally:
                self.waiting -= 1
            if not entered:
                raise _busy(self.kind)
        try:
            yield
        finally:
            self.places.release()


class HashGate:
    """``concurrency`` hashes at once; ``queue`` waiting per lane; nobody waits longer
    than ``wait_seconds``."""

    def __init__(self, concurrency, queue, wait_seconds):
        self.slots = Semaphore(concurrency)
        self.wait_seconds = wait_seconds
        self.lanes = {
            LOGIN: _Lane(LOGIN, concurrency, queue),
            SIGN_UP: _Lane(SIGN_UP, max(1, concurrency // 2), queue),
        }

    @contextlib.contextmanager
    def slot(self, kind):
        with self.lanes[kind].entered(self.wait_seconds):
            if not self.slots.acquire(timeout=self.wait_seconds):
                raise _busy(kind)
            try:
                yield
            finally:
                self.slots.release()

    @classmethod
    def from_settings(cls, settings):
        # half the RPC deadline: the caller must still be waiting when the hash is done,
        # and when it is not going to be, it gets a clear "busy" rather than a time-out
        return cls(settings.password_hash_concurrency, settings.password_hash_queue, settings.rpc_timeout / 2)
