"""The mail the platform sent, read from an SMTP sink (``ops.mailsink``) the harness
started: each message is a file, parsed here into ``email.message.EmailMessage``."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from ops.mailsink import messages as message_files


class MailSink:
    """A private ``python -m ops.mailsink`` on ``port``; ``uri`` goes into SMTP_URI."""

    def __init__(self, port):
        self.port = port
        self.uri = f"smtp://127.0.0.1:{port}"
        self.directory = Path(tempfile.mkdtemp(prefix="mailsink-"))
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ops.mailsink", "--port", str(self.port), "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2],
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )
        deadline = time.monotonic() + 30
        while not self.answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("could not start the SMTP sink (python -m ops.mailsink)")
            time.sleep(0.1)
        return self

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def close(self):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def messages(self, to=None):
        """Every message received so far (to ``to`` only, if given), oldest first."""
        found = [message_from_bytes(path.read_bytes(), policy=default) for path in message_files(self.directory)]
        return [message for message in found if to is None or message["To"] == to]


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()
