"""The auth service: accounts, credentials, sessions. Entry points only; the
rules are in ``domain.py``, the database work in ``store.py``."""
from datetime import timedelta

from nameko.dependency_providers import Config
from nameko.timer import timer

from auth import store
from auth.dependencies import Database, FirstAdmin, Redis, RequestContext
from auth.domain import ADMIN, hash_password, needs_rehash, normalise_email, utcnow, verify_password
from auth.models import Base
from auth.schemas import (
    LoginSchema,
    RefreshSchema,
    RegisterSchema,
    RoleChangeSchema,
    UserListQuerySchema,
    dump_user,
)
from auth.throttle import LoginThrottle
from common.cache import key_prefix
from common.config import ProductionGuard
from common.entrypoints import rpc
from common.errors import Unauthorized, load_or_raise
from common.sql import check
from common.tokens import revoke_access_token

# Expired refresh tokens are kept a day (a replay then still ends its family) and
# then deleted, so the table holds live sessions, not history.
PURGE_INTERVAL_SECONDS = 3600
EXPIRED_TOKEN_GRACE = timedelta(days=1)


class AuthService:
    name = "auth"

    config = Config()
    db = Database(Base)
    redis = Redis()
    request_id = RequestContext()
    first_admin = FirstAdmin()
    production_guard = ProductionGuard()

    @rpc
    def health(self):
        check(self.db.session)
        self.redis.ping()
        return {"service": self.name, "status": "ok"}

    @rpc
    def register(self, email, password, full_name):
        data = load_or_raise(RegisterSchema(), {"email": email, "password": password, "full_name": full_name})
        with self.db.get_session() as session:
            user = store.create_user(session, data["email"], hash_password(data["password"]), data["full_name"])
            answer = dump_user(user)
        return answer

    @rpc
    def login(self, email, password, client_ip=None):
        data = load_or_raise(LoginSchema(), {"email": email, "password": password})
        throttle = LoginThrottle(self.redis, self.config)
        throttle.check(data["email"], client_ip)
        with self.db.get_session() as session:
            user = store.find_user_by_email(session, data["email"])
            if not verify_password(user.password_hash if user else None, data["password"]):
                throttle.record_failure(data["email"], client_ip)
                raise Unauthorized("Wrong email or password.", code="INVALID_CREDENTIALS")
            throttle.record_success(data["email"])
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(data["password"])
            return store.start_session(session, self.config, user)

    @rpc
    def refresh(self, refresh_token):
        data = load_or_raise(RefreshSchema(), {"refresh_token": refresh_token})
        with self.db.get_session() as session:
            return store.rotate_refresh_token(session, self.config, data["refresh_token"], self._deny)

    @rpc
    def logout(self, user_id, jti, exp):
        with self.db.get_session() as session:
            denied = store.end_session(session, user_id, jti)
        self._deny(denied + [(jti, exp)])

    @rpc
    def get_user(self, user_id):
        return dump_user(store.get_user(self.db.session, user_id))

    @rpc
    def list_users(self, limit=20, cursor=None):
        query = load_or_raise(UserListQuerySchema(), {"limit": limit, "cursor": cursor})
        users, next_cursor = store.list_users(self.db.session, query["limit"], query["cursor"])
        return {"items": [dump_user(user) for user in users], "next_cursor": next_cursor}

    @rpc
    def set_role(self, user_id, role):
        return self._change_role(lambda session: store.get_user(session, user_id, for_update=True), role)

    @rpc
    def grant_admin(self, email):
        """For operators: ``n.rpc.auth.grant_admin("ada@example.com")`` in ``nameko shell``."""
        email = normalise_email(str(email))
        return self._change_role(lambda session: store.user_by_email(session, email, for_update=True), ADMIN)

    def _change_role(self, find_user, role):
        data = load_or_raise(RoleChangeSchema(), {"role": role})
        with self.db.get_session() as session:
            user = find_user(session)
            denied = store.set_role(session, user, data["role"])
            answer = dump_user(user)
        self._deny(denied)
        return answer

    @timer(interval=PURGE_INTERVAL_SECONDS)
    def purge_expired_refresh_tokens(self):
        with self.db.get_session() as session:
            store.purge_refresh_tokens(session, utcnow() - EXPIRED_TOKEN_GRACE)

    def _deny(self, access_tokens):
        """Deny these access tokens at the gateway until they expire."""
        prefix = key_prefix(self.config)
        for jti, exp in access_tokens:
            revoke_access_token(self.redis, prefix, jti, exp)
