"""Where events go when their handler keeps failing, and how they are told apart.

An event whose handler fails the same way ``EVENT_MAX_ATTEMPTS`` times (bad data, a
constraint: anything but a store or broker being away) is published to the durable
``dead-letters`` queue, with headers naming the queue it came from, the error and the
attempts; only then is the original acknowledged, so nothing is lost between the two.
The operator tool (``python -m ops.deadletters``, ``make dlq``) lists, shows, replays
(back to the queue it came from, attempts reset) and drops them.

The project publishes dead letters itself rather than relying on a queue's
``x-dead-letter-exchange``: nameko declares its event queues without that argument,
changing it would make every existing queue fail to redeclare, and a broker policy is
one more thing a deployment could forget, which would silently drop money events.
"""
from kombu import Exchange, Queue

EXCHANGE = Exchange("dead-letters", type="fanout", durable=True)
QUEUE = Queue("dead-letters", exchange=EXCHANGE, durable=True)

# headers of an event message (not nameko context data: they must not travel on)
ATTEMPT = "x-event-attempt"
# headers of a dead letter
ID = "x-dead-letter-id"
ORIGINAL_QUEUE = "x-original-queue"
ORIGINAL_EXCHANGE = "x-original-exchange"
ORIGINAL_ROUTING_KEY = "x-original-routing-key"
SERVICE = "x-service"
ERROR = "x-error"
ATTEMPTS = "x-attempts"
FAILED_AT = "x-failed-at"
