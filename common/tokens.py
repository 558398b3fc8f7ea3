"""Access tokens: issued by the auth service, verified by the gateway without an RPC.

Both sides use these two functions, so the algorithm list, issuer and required
claims can never drift apart.
"""
import time
import uuid

import jwt

from common.errors import Unauthorized

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "iss", "role"]


def revocation_key(prefix, jti):
    return f"{prefix}revoked:{jti}"


def issue_access_token(config, user_id, role, now=None):
    now = int(now or time.time())
    ttl = int(config.get("ACCESS_TOKEN_TTL", 900))
    claims = {
        "sub": str(user_id),
        "role": role,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + ttl,
        "iss": config.get("JWT_ISSUER", "flight-platform"),
    }
    return jwt.encode(claims, config["JWT_SECRET"], algorithm=ALGORITHM), claims


def verify_access_token(config, token):
    """Return the claims of a valid token or raise Unauthorized (never anything else)."""
    try:
        return jwt.decode(
            token,
            config["JWT_SECRET"],
            algorithms=[ALGORITHM],  # explicit list: "none" and key-confusion tricks fail
            issuer=config.get("JWT_ISSUER", "flight-platform"),
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
