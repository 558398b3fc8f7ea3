"""Dead letters, for operators: ``python -m ops.deadletters list|show|replay|drop`` (``make dlq``).

    make dlq                          # list: id, service, queue, attempts, error
    make dlq ARGS="show <id>"         # headers and payload of one
    make dlq ARGS="replay <id>"       # back to the queue it came from, attempts reset
    make dlq ARGS="replay --all"
    make dlq ARGS="drop <id>"         # gone for good (say why in your incident notes)

It speaks AMQP to ``AMQP_URI`` (the same variable as the services) and never reads a
service's database. Letters it does not act on go back to the queue unchanged.
"""
import argparse
import json
import sys

from kombu import Connection

from common import deadletters
from common.config import load_config

COLUMNS = (deadletters.ID, deadletters.SERVICE, deadletters.ORIGINAL_QUEUE, deadletters.ATTEMPTS,
           deadletters.FAILED_AT, deadletters.ERROR)


class DeadLetterQueue:
    """The ``dead-letters`` queue of one vhost, read message by message with manual acks."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        self.channel = self.connection.channel()
        self.queue = deadletters.QUEUE(self.channel)
        self.queue.declare()

    def close(self):
        self.connection.release()

    def take_all(self):
        """Every letter, unacknowledged: the caller acks or requeues each one."""
        taken = []
        while (message := self.queue.get(no_ack=False)) is not None:
            taken.append(message)
        return taken

    def replay(self, message):
        headers = {k: v for k, v in message.headers.items() if not k.startswith("x-")}  # nameko context stays
        with self.connection.Producer(self.channel) as producer:
            producer.publish(message.body, exchange="", routing_key=message.headers[deadletters.ORIGINAL_QUEUE],
                             headers=headers, content_type=message.content_type,
                             content_encoding=message.content_encoding, delivery_mode=2)


def summary(message):
    return {column: message.headers.get(column) for column in COLUMNS}


def run(command, letter_id, everything, amqp_uri, out=sys.stdout):
    """Returns how many letters matched; the rest are put back untouched."""
    dlq = DeadLetterQueue(amqp_uri)
    matched = 0
    try:
        for message in dlq.take_all():
            chosen = everything or message.headers.get(deadletters.ID) == letter_id
            if command == "list":
                print(json.dumps(summary(message)), file=out)
            elif chosen and command == "show":
                print(json.dumps({"headers": message.headers, "payload": message.payload}, indent=2, default=str),
                      file=out)
            elif chosen and command == "replay":
                dlq.replay(message)
                message.ack()
                print(f"replayed {message.headers.get(deadletters.ID)} to "
                      f"{message.headers.get(deadletters.ORIGINAL_QUEUE)}", file=out)
            elif chosen and command == "drop":
                message.ack()
                print(f"dropped {message.headers.get(deadletters.ID)}", file=out)
            matched += bool(chosen) or command == "list"
            if not message.acknowledged:
                message.requeue()
    finally:
        dlq.close()
    return matched


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ops.deadletters", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("list", "show", "replay", "drop"), nargs="?", default="list")
    parser.add_argument("id", nargs="?", help="a dead letter's id (x-dead-letter-id)")
    parser.add_argument("--all", action="store_true", help="replay or drop every dead letter")
    args = parser.parse_args(argv)
    if args.command != "list" and not (args.id or args.all):
        parser.error(f"{args.command} needs an id or --all")
    matched = run(args.command, args.id, args.all, load_config()["AMQP_URI"])
    if args.command == "list":
        print(f"{matched} dead letter(s)", file=sys.stderr)
    elif not matched:
        sys.exit(f"no dead letter with id {args.id}")


if __name__ == "__main__":
    main()
