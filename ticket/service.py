from common.entrypoints import rpc
from common.sql import check
from ticket.dependencies import Database, RequestContext
from ticket.models import Base


class TicketService:
    name = "ticket"

    db = Database(Base)
    request_id = RequestContext()

    @rpc
    def health(self):
        check(self.db.session)
        return {"service": self.name, "status": "ok"}
