"""The auth service's database access: users, sessions (refresh token families).

Each function takes a SQLAlchemy session and leaves committing to the caller,
except where a security decision must outlive the error it raises (see
``rotate_refresh_token``).
"""
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from auth.domain import (
    ADMIN,
    CUSTOMER,
    decode_cursor,
    encode_cursor,
    family_too_old,
    hash_refresh_token,
    is_demotion,
    utcnow,
)
from auth.models import RefreshToken, User
from common.errors import Conflict, NotFound, Unauthorized

EMAIL_TAKEN = "EMAIL_TAKEN"


def _email_taken():
    return Conflict("An account with this email already exists.", code=EMAIL_TAKEN)


def _normalised_email_is(email):
    return sa.func.lower(sa.func.btrim(User.email)) == email


def find_user_by_email(session, email):
    return session.scalars(sa.select(User).where(_normalised_email_is(email))).one_or_none()


def user_by_email(session, email, for_update=False):
    query = sa.select(User).where(_normalised_email_is(email))
    user = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if user is None:
        raise NotFound("No user with this email.")
    return user


def get_user(session, user_id, for_update=False):
    try:
        key = uuid.UUID(str(user_id))
    except ValueError:
        key = None
    user = session.get(User, key, with_for_update=for_update) if key else None
    if user is None:
        raise NotFound("No such user.", details={"user_id": str(user_id)})
    return user


def create_user(session, email, password_hash, full_name, role=CUSTOMER):
    if find_user_by_email(session, email) is not None:
        raise _email_taken()
    user = User(email=email, password_hash=password_hash, full_name=full_name, role=role)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent registration won the unique index
        session.rollback()
        raise _email_taken()
    return user


def ensure_admin(session, email, password_hash_of, full_name="Administrator"):
    """Create ``email`` as an admin unless such a user exists. Returns True if created.

    ``password_hash_of`` is called only when the user is missing (hashing is slow).
    Safe when several instances start at once: the unique index decides, the
    losers' inserts do nothing.
    """
    if find_user_by_email(session, email) is not None:
        return False
    statement = insert(User).values(
        id=uuid.uuid4(), email=email, full_name=full_name, password_hash=password_hash_of(),
        role=ADMIN, created_at=utcnow(), updated_at=utcnow(),
    ).on_conflict_do_nothing()
    return session.execute(statement).rowcount == 1


# -- sessions ------------------------------------------------------------------------

def save_token_pair(session, user_id, family_id, pair, family_started_at=None, now=None):
    """Keep ``pair`` (a ``domain.TokenPair``) as the live token of ``family_id``, a
    session begun at ``family_started_at`` (default: now, a new login)."""
    now = now or utcnow()
    session.add(RefreshToken(
        user_id=user_id, family_id=family_id, token_hash=hash_refresh_token(pair.refresh_token),
        access_jti=pair.access_jti, access_expires_at=pair.access_expires_at,
        created_at=now, family_started_at=family_started_at or now, expires_at=pair.refresh_expires_at,
    ))
    session.flush()


def revoke_family(session, family_id, now=None):
    """Revoke every live token of a family. Returns ``[(access_jti, exp)]`` of
    the access tokens that may still be in use, for the caller to deny in Redis."""
    now = now or utcnow()
    live = session.scalars(
        sa.select(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .with_for_update()
    ).all()
    for token in live:
        token.revoked_at = now
    session.flush()
    return [(t.access_jti, int(t.access_expires_at.timestamp())) for t in live if t.access_expires_at > now]


def rotate_refresh_token(session, presented, on_revoked, now=None, max_family_age=None):
    """Mark a refresh token used; returns ``(user, family_id, family_started_at)`` the
    next pair is for. A family older than ``max_family_age`` seconds is over, however
    fresh its last token: 401 ``SESSION_TOO_OLD`` (log in again).

    A token that was already rotated is being replayed: whoever holds it, the
    family is compromised, so it is revoked (``on_revoked(access_tokens)`` is
    called after the commit) and the caller gets 401. That decision is committed
    before raising, or the error would roll it back.
    """
    now = now or utcnow()
    token = session.scalars(
        sa.select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(presented)).with_for_update()
    ).one_or_none()
    if token is None or token.revoked_at is not None:
        raise Unauthorized("The refresh token is invalid or revoked.", code="INVALID_REFRESH_TOKEN")
    if token.rotated_at is not None:
        revoked = revoke_family(session, token.family_id, now)
        session.commit()
        on_revoked(revoked)
        raise Unauthorized(
            "This refresh token was already used; the session has been ended everywhere.",
            code="REFRESH_TOKEN_REUSED",
        )
    if max_family_age is not None and family_too_old(token.family_started_at, now, max_family_age):
        raise Unauthorized("This session is too old to be refreshed: log in again.", code="SESSION_TOO_OLD")
    if token.expires_at <= now:
        raise Unauthorized("The refresh token has expired.", code="REFRESH_TOKEN_EXPIRED")
    token.rotated_at = now
    return get_user(session, token.user_id), token.family_id, token.family_started_at


def end_session(session, user_id, access_jti):
    """Logout: revoke the family the access token ``access_jti`` was issued with."""
    family_id = session.scalars(
        sa.select(RefreshToken.family_id).where(
            RefreshToken.access_jti == access_jti, RefreshToken.user_id == uuid.UUID(str(user_id))
        )
    ).first()
    return revoke_family(session, family_id) if family_id else []


def end_all_sessions(session, user_id):
    families = session.scalars(
        sa.select(RefreshToken.family_id).distinct().where(
            RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
        )
    ).all()
    return [access for family in families for access in revoke_family(session, family)]


def purge_refresh_tokens(session, expired_before):
    """Delete refresh tokens that expired before ``expired_before``. Returns how many."""
    result = session.execute(sa.delete(RefreshToken).where(RefreshToken.expires_at < expired_before))
    return result.rowcount


# -- administration ------------------------------------------------------------------

def list_users(session, limit, cursor=None):
    query = sa.select(User).order_by(User.created_at, User.id).limit(limit + 1)
    if cursor:
        created_at, user_id = decode_cursor(cursor)
        query = query.where(sa.tuple_(User.created_at, User.id) > sa.tuple_(created_at, user_id))
    users = session.scalars(query).all()
    page, more = users[:limit], len(users) > limit
    return page, (encode_cursor(page[-1].created_at, page[-1].id) if more else None)


def set_role(session, user, role):
    """Change a user's role. Returns the access tokens to deny (a demoted user, an
    admin or a gate agent, loses its sessions now, not when its access token expires)."""
    if user.role == role:
        return []
    if user.role == ADMIN:
        # locking every admin row serialises two demotions racing for the last one
        admins = session.scalars(sa.select(User.id).where(User.role == ADMIN).with_for_update()).all()
        if len(admins) <= 1:
            raise Conflict("The last administrator cannot be demoted.", code="LAST_ADMIN")
    old_role, user.role = user.role, role
    session.flush()
    return end_all_sessions(session, user.id) if is_demotion(old_role, role) else []
