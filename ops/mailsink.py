"""A local SMTP sink: accepts every message and keeps it as a file, so people (and tests)
can read what the platform sent. ``make up`` starts it on SMTP_URI when nothing answers
there; compose runs it as the ``smtp`` container.

    python -m ops.mailsink --host 127.0.0.1 --port 8025 --dir .run/mail

Each message is ``<dir>/<arrival in ns>-<random>.eml`` (RFC 5322, as received, with
``X-Envelope-To`` added): sorted by name they are in arrival order, and any mail reader
opens them. A file appears whole (written aside, then renamed), never half-written.

It runs in a plain Python process (aiosmtpd is asyncio; the services are eventlet).
"""
import argparse
import os
import signal
import threading
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller

SUFFIX = ".eml"


class FileSink:
    """aiosmtpd handler: every message accepted becomes a file in ``directory``."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        header = f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        partial = self.directory / f".{name}.part"
        partial.write_bytes(header + content)
        os.replace(partial, self.directory / f"{name}{SUFFIX}")
        return "250 Message accepted for delivery"


def messages(directory):
    """The files of the messages received so far, oldest first."""
    return sorted(Path(directory).glob(f"*{SUFFIX}"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ops.mailsink", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True, help="where each message is written")
    args = parser.parse_args(argv)
    controller = Controller(FileSink(args.dir), hostname=args.host, port=args.port)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    controller.start()
    print(f"SMTP sink on {args.host}:{args.port}, messages in {args.dir}", flush=True)
    try:
        stopping.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
