"""The auth service's rules as plain functions: no broker, no database.

Passwords are hashed with argon2id (argon2-cffi's defaults). Hashing runs in
eventlet's thread pool: argon2 is CPU-bound C code, and on the hub thread it would
stall every other request the service is handling for the duration of a hash.
"""
import base64
import binascii
import dataclasses
import hashlib
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

from common.errors import InvalidInput
from common.tokens import issue_access_token

CUSTOMER = "customer"
GATE_AGENT = "gate_agent"
ADMIN = "admin"
# Each role may do everything the roles before it may: a gate agent is a customer who
# may also board passengers and read a flight's lists; an admin may do everything.
ROLES = (CUSTOMER, GATE_AGENT, ADMIN)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
MAX_EMAIL_LENGTH = 254
MAX_FULL_NAME_LENGTH = 200
REFRESH_TOKEN_BYTES = 32
TOKEN_TYPE = "Bearer"
# Expired refresh tokens are kept a day (a replay then still ends its family) and
# then deleted, so the table holds live sessions, not history.
EXPIRED_TOKEN_GRACE = timedelta(days=1)

_hasher = PasswordHasher()
_dummy_hash = None


def utcnow():
    return datetime.now(UTC)


def normalise_email(email):
    return email.strip().lower()


def is_demotion(old_role, new_role):
    """The new role may do less than the old one: the user's sessions end at once."""
    return ROLES.index(new_role) < ROLES.index(old_role)


def password_problems(password, email):
    """Why ``password`` is not acceptable for ``email`` (empty list: it is)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Must be at most {MAX_PASSWORD_LENGTH} characters long.")
    if email and password.strip().lower() == normalise_email(email):
        problems.append("Must not be the email address.")
    return problems


def hash_password(password):
    return tpool.execute(_hasher.hash, password)


def _verify(stored_hash, password):
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(stored_hash, password):
    """True if ``password`` matches. ``stored_hash=None`` (no such user) still
    spends the time of a real verification, against a dummy hash, and fails: a
    wrong email and a wrong password must not be told apart by the clock."""
    global _dummy_hash
    if stored_hash is None:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
        tpool.execute(_verify, _dummy_hash, password)
        return False
    return tpool.execute(_verify, stored_hash, password)


def needs_rehash(stored_hash):
    return _hasher.check_needs_rehash(stored_hash)


def new_refresh_token():
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


@dataclasses.dataclass(frozen=True)
class TokenPair:
    """A session's credentials: the client gets them (``TokenPairSchema``), the store
    keeps the refresh token's hash and the access token's ``jti`` and expiry."""

    access_token: str
    access_jti: str
    access_expires_at: datetime
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime
    token_type: str = TOKEN_TYPE


def new_token_pair(settings, user_id, role, now, family_started_at=None):
    """The next pair of a session that began at ``family_started_at`` (default: now).
    The refresh token never outlives the session's ``REFRESH_FAMILY_MAX_AGE``."""
    family_ends_at = (family_started_at or now) + timedelta(seconds=settings.refresh_family_max_age)
    access_token, claims = issue_access_token(settings, user_id, role, now=now.timestamp())
    return TokenPair(
        access_token=access_token,
        access_jti=claims["jti"],
        access_expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
        expires_in=claims["exp"] - claims["iat"],
        refresh_token=new_refresh_token(),
        refresh_expires_at=min(now + timedelta(seconds=settings.refresh_token_ttl), family_ends_at),
    )


def family_too_old(family_started_at, now, max_age_seconds):
    return now >= family_started_at + timedelta(seconds=max_age_seconds)


def hash_refresh_token(token):
    # A refresh token has 256 random bits, so a fast hash is enough: nothing to
    # brute-force, and a leaked table holds no usable token.
    return hashlib.sha256(token.encode()).hexdigest()


def encode_cursor(created_at, user_id):
    raw = json.dumps([created_at.isoformat(), str(user_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """``(created_at, user_id)`` of a cursor made by ``encode_cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, user_id = json.loads(raw)
        return datetime.fromisoformat(created_at), uuid.UUID(user_id)
    except (binascii.Error, ValueError, TypeError, AttributeError, UnicodeDecodeError):
        raise InvalidInput("Invalid cursor.", details={"fields": {"cursor": ["Not a cursor from this API."]}})
