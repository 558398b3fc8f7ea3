from common.entrypoints import rpc
from order.dependencies import MongoDatabase, RequestContext
from order.models import create_indexes


class OrderService:
    name = "order"

    db = MongoDatabase(create_indexes)
    request_id = RequestContext()

    @rpc
    def health(self):
        self.db.command("ping")
        return {"service": self.name, "status": "ok"}
