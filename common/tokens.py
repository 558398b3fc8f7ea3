"""Access tokens: issued by the auth service, verified by the gateway without an RPC.

Both sides use these functions, so the algorithm list, issuer and required claims
can never drift apart. ``settings`` is a ``common.config.Settings``.
"""
import time
import uuid

import jwt

from common.errors import Unauthorized

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "iss", "role"]


def revocation_key(prefix, jti):
    return f"{prefix}revoked:{jti}"


def issue_access_token(settings, user_id, role, now=None):
    now = int(now or time.time())
    claims = {
        "sub": str(user_id),
        "role": role,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + settings.access_token_ttl,
        "iss": settings.jwt_issuer,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM), claims


def verify_access_token(settings, token):
    """Return the claims of a valid token or raise Unauthorized (never anything else)."""
    try:
        return jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],  # explicit list: "none" and key-confusion tricks fail
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired.", code="TOKEN_EXPIRED")
    except jwt.InvalidTokenError:
        raise Unauthorized("The access token is invalid.", code="INVALID_TOKEN")


def revoke_access_token(redis, prefix, jti, exp, now=None):
    """Mark ``jti`` revoked until the token would have expired anyway (epoch ``exp``)."""
    ttl = max(1, int(exp) - int(now or time.time()) + 1)
    redis.set(revocation_key(prefix, jti), "1", ex=ttl)
