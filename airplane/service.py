from common.entrypoints import rpc
from common.sql import check
from airplane.dependencies import Database, RequestContext
from airplane.models import Base


class AirplaneService:
    name = "airplane"

    db = Database(Base)
    request_id = RequestContext()

    @rpc
    def health(self):
        check(self.db.session)
        return {"service": self.name, "status": "ok"}
