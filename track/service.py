from common.entrypoints import rpc
from common.sql import check
from track.dependencies import Database, RequestContext
from track.models import Base


class TrackService:
    name = "track"

    db = Database(Base)
    request_id = RequestContext()

    @rpc
    def health(self):
        check(self.db.session)
        return {"service": self.name, "status": "ok"}
