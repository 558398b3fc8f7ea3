from common.entrypoints import rpc
from payment.dependencies import MongoDatabase, RequestContext
from payment.models import create_indexes


class PaymentService:
    name = "payment"

    db = MongoDatabase(create_indexes)
    request_id = RequestContext()

    @rpc
    def health(self):
        self.db.command("ping")
        return {"service": self.name, "status": "ok"}
