"""Who is calling: bearer-token verification for ``route(auth=...)``.

The signature and expiry are checked locally (PyJWT); Redis is asked one thing,
whether the token's ``jti`` was revoked by a logout.
"""
from dataclasses import dataclass

from nameko.extensions import DependencyProvider
from redis import RedisError

from auth.domain import ADMIN, GATE_AGENT, ROLES
from common.cache import redis_client
from common.config import Settings
from common.errors import Forbidden, ServiceUnavailable, Unauthorized
from common.tokens import revocation_key, verify_access_token

# ``route(auth=...)``: the roles each level admits (``/openapi.json`` lists them as ``x-roles``)
# and what a caller with another role is told (403)
LEVELS = {
    "user": (ROLES, None),
    "gate": ((GATE_AGENT, ADMIN), "This needs a gate agent or an administrator."),
    "admin": ((ADMIN,), "This needs an administrator."),
}


def roles_of(level):
    return list(LEVELS[level][0])


@dataclass(frozen=True)
class Caller:
    id: str
    role: str
    jti: str
    exp: int


def bearer_token(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required.", code="UNAUTHORIZED")
    return token.strip()


class Guard:
    def __init__(self, settings, redis):
        self.settings = settings
        self.redis = redis

    def authenticate(self, request):
        claims = verify_access_token(self.settings, bearer_token(request))
        try:
            revoked = self.redis.exists(revocation_key(self.settings.redis_key_prefix, claims["jti"]))
        except RedisError:
            # fail closed: without Redis a logged-out token cannot be told apart
            raise ServiceUnavailable("Token revocation cannot be checked right now.")
        if revoked:
            raise Unauthorized("The access token has been revoked.", code="TOKEN_REVOKED")
        return Caller(claims["sub"], claims["role"], claims["jti"], claims["exp"])

    def require(self, request, level):
        caller = self.authenticate(request)
        roles, refusal = LEVELS[level]
        if caller.role not in roles:
            raise Forbidden(refusal or "This role may not do that.")
        return caller


class Security(DependencyProvider):
    def setup(self):
        settings = Settings.from_config(self.container.config)
        self.redis = redis_client(settings)
        self.guard = Guard(settings, self.redis)

    def stop(self):
        self.redis.close()

    def get_dependency(self, worker_ctx):
        return self.guard
