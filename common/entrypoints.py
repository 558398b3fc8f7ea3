"""nameko's ``rpc`` with this project's default: domain errors are answers, not
crashes, so they are sent back to the caller without an error log."""
from nameko.rpc import rpc as _rpc

from common.errors import DomainError


def rpc(fn=None, **kwargs):
    kwargs.setdefault("expected_exceptions", DomainError)
    if fn is not None:
        return _rpc(**kwargs)(fn)
    return _rpc(**kwargs)
