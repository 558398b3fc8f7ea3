from common.entrypoints import rpc
from common.sql import check
from auth.dependencies import Database, RequestContext
from auth.models import Base


class AuthService:
    name = "auth"

    db = Database(Base)
    request_id = RequestContext()

    @rpc
    def health(self):
        check(self.db.session)
        return {"service": self.name, "status": "ok"}
