"""What the platform told the caller (the notify service's messages)."""
from gateway.http import json_response, route
from notify.schemas import NotificationPageSchema, NotificationQuerySchema


class NotifyRoutes:
    @route("GET", "/me/notifications", summary="The emails sent to the caller about their bookings, newest first",
           tags=["booking"], auth="user", query=NotificationQuerySchema, responses={200: NotificationPageSchema})
    def list_notifications(self, request):
        return json_response(self.rpc.notify.list_notifications(
            request.caller.id, request.args.get("limit", 20), request.args.get("cursor"),
        ))
