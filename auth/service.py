"""The auth service: accounts, credentials, sessions. Entry points only; the use
cases are in ``accounts.py``, the rules in ``domain.py``, the database work in ``store.py``."""
from nameko.timer import timer

from auth.accounts import Accounts
from auth.dependencies import Database, FirstAdmin, PasswordHashing, Redis, RequestContext, SettingsProvider
from auth.models import Base
from common.config import ProductionGuard
from common.entrypoints import rpc
from common.metrics import Metrics
from common.sql import check

PURGE_INTERVAL_SECONDS = 3600


class AuthService:
    name = "auth"

    settings = SettingsProvider()
    db = Database(Base)
    redis = Redis()
    hashing = PasswordHashing()
    request_id = RequestContext()
    metrics = Metrics()
    first_admin = FirstAdmin()
    production_guard = ProductionGuard()

    @property
    def accounts(self):
        return Accounts(self.db, self.redis, self.settings, self.hashing)

    @rpc
    def health(self):
        check(self.db.session)
        self.redis.ping()
        return {"service": self.name, "status": "ok"}

    @rpc
    def register(self, email, password, full_name, client_ip=None):
        return self.accounts.register(email, password, full_name, client_ip)

    @rpc
    def login(self, email, password, client_ip=None):
        return self.accounts.login(email, password, client_ip)

    @rpc
    def refresh(self, refresh_token):
        return self.accounts.refresh(refresh_token)

    @rpc
    def logout(self, user_id, jti, exp):
        self.accounts.logout(user_id, jti, exp)

    @rpc
    def get_user(self, user_id):
        return self.accounts.get_user(user_id)

    @rpc
    def get_user_by_email(self, email):
        """For staff views: the user whose orders an admin looks for by email."""
        return self.accounts.get_user_by_email(email)

    @rpc
    def list_users(self, limit=20, cursor=None):
        return self.accounts.list_users(limit, cursor)

    @rpc
    def set_role(self, user_id, role):
        return self.accounts.set_role(user_id, role)

    @rpc
    def grant_admin(self, email):
        """For operators: ``n.rpc.auth.grant_admin("ada@example.com")`` in ``nameko shell``."""
        return self.accounts.grant_admin(email)

    @timer(interval=PURGE_INTERVAL_SECONDS)
    def purge_expired_refresh_tokens(self):
        self.accounts.purge_expired_refresh_tokens()
