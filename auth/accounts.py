"""The auth service's use cases: register, log in, refresh, log out, change a role.

``Accounts`` gets what a worker has (database, Redis, settings) and combines the
rules of ``domain.py``, the login throttle and the database work of ``store.py``.
Answers are dumped by the schemas that document them (``schemas.py``).
"""
import uuid

from auth import store
from auth.domain import (
    ADMIN,
    EXPIRED_TOKEN_GRACE,
    hash_password,
    needs_rehash,
    new_token_pair,
    normalise_email,
    utcnow,
    verify_password,
)
from auth.hashing import LOGIN, SIGN_UP
from auth.schemas import (
    LoginSchema,
    RefreshSchema,
    RegisterSchema,
    RoleChangeSchema,
    TokenPairSchema,
    UserListQuerySchema,
    UserPageSchema,
    UserSchema,
)
from auth.throttle import LoginThrottle, RegistrationLimit
from common.errors import ServiceUnavailable, Unauthorized, load_or_raise
from common.tokens import revoke_access_token


class Accounts:
    def __init__(self, db, redis, settings, hashing):
        self.db = db
        self.redis = redis
        self.settings = settings
        self.hashing = hashing

    def register(self, email, password, full_name, client_ip=None):
        data = load_or_raise(RegisterSchema(), {"email": email, "password": password, "full_name": full_name})
        RegistrationLimit(self.redis, self.settings).attempt(client_ip)
        with self.hashing.slot(SIGN_UP):
            password_hash = hash_password(data["password"])
        with self.db.get_session() as session:
            user = store.create_user(session, data["email"], password_hash, data["full_name"])
            return UserSchema().dump(user)

    def login(self, email, password, client_ip=None):
        data = load_or_raise(LoginSchema(), {"email": email, "password": password})
        throttle = LoginThrottle(self.redis, self.settings)
        throttle.attempt(data["email"], client_ip)
        with self.db.get_session() as session:
            user = store.find_user_by_email(session, data["email"])
            try:
                with self.hashing.slot(LOGIN):
                    matches = verify_password(user.password_hash if user else None, data["password"])
                    if matches and needs_rehash(user.password_hash):
                        user.password_hash = hash_password(data["password"])
            except ServiceUnavailable:
                throttle.not_evaluated(data["email"], client_ip)
                raise
            if not matches:
                raise Unauthorized("Wrong email or password.", code="INVALID_CREDENTIALS")
            throttle.succeeded(data["email"], client_ip)
            return self._issue(session, user, family_id=uuid.uuid4(), family_started_at=utcnow())

    def refresh(self, refresh_token):
        data = load_or_raise(RefreshSchema(), {"refresh_token": refresh_token})
        with self.db.get_session() as session:
            user, family_id, family_started_at = store.rotate_refresh_token(
                session, data["refresh_token"], self.deny, max_family_age=self.settings.refresh_family_max_age,
            )
            return self._issue(session, user, family_id, family_started_at)

    def _issue(self, session, user, family_id, family_started_at):
        now = utcnow()
        pair = new_token_pair(self.settings, user.id, user.role, now, family_started_at)
        store.save_token_pair(session, user.id, family_id, pair, family_started_at, now)
        return TokenPairSchema().dump(pair)

    def logout(self, user_id, jti, exp):
        with self.db.get_session() as session:
            denied = store.end_session(session, user_id, jti)
        self.deny(denied + [(jti, exp)])

    def get_user(self, user_id):
        return UserSchema().dump(store.get_user(self.db.session, user_id))

    def get_user_by_email(self, email):
        """The user with this email (compared as at login); NotFound if none."""
        return UserSchema().dump(store.user_by_email(self.db.session, normalise_email(str(email))))

    def list_users(self, limit, cursor):
        query = load_or_raise(UserListQuerySchema(), {"limit": limit, "cursor": cursor})
        users, next_cursor = store.list_users(self.db.session, query["limit"], query["cursor"])
        return UserPageSchema().dump({"items": users, "next_cursor": next_cursor})

    def set_role(self, user_id, role):
        return self._change_role(lambda session: store.get_user(session, user_id, for_update=True), role)

    def grant_admin(self, email):
        email = normalise_email(str(email))
        return self._change_role(lambda session: store.user_by_email(session, email, for_update=True), ADMIN)

    def _change_role(self, find_user, role):
        data = load_or_raise(RoleChangeSchema(), {"role": role})
        with self.db.get_session() as session:
            user = find_user(session)
            denied = store.set_role(session, user, data["role"])
            answer = UserSchema().dump(user)
        self.deny(denied)
        return answer

    def purge_expired_refresh_tokens(self):
        with self.db.get_session() as session:
            store.purge_refresh_tokens(session, utcnow() - EXPIRED_TOKEN_GRACE)

    def deny(self, access_tokens):
        """Deny these access tokens (``[(jti, exp)]``) at the gateway until they expire."""
        for jti, exp in access_tokens:
            revoke_access_token(self.redis, self.settings.redis_key_prefix, jti, exp)
