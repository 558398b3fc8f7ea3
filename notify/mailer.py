"""Sending one message over SMTP (``SMTP_URI``: ``smtp://host:port`` or ``smtps://``,
with ``user:password@`` when the server wants a login)."""
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import unquote, urlsplit

SMTP_TIMEOUT_SECONDS = 10
SCHEMES = {"smtp": 25, "smtps": 465}


class Mailer:
    def __init__(self, smtp_uri, sender):
        parts = urlsplit(smtp_uri)
        if parts.scheme not in SCHEMES:
            raise ValueError(f"SMTP_URI must start with smtp:// or smtps://, not {parts.scheme}://")
        self.secure = parts.scheme == "smtps"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or SCHEMES[parts.scheme]
        self.login = (unquote(parts.username), unquote(parts.password or "")) if parts.username else None
        self.sender = sender
        self.domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"

    def message(self, notification):
        """The email of a stored notification (its Message-ID is derived from its id, so
        a message sent twice after a crash is recognisably the same message)."""
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = notification.recipient
        email["Subject"] = notification.subject
        email["Date"] = formatdate(notification.created_at.timestamp(), usegmt=True)
        email["Message-ID"] = f"<{notification.id}@{self.domain}>"
        email.set_content(notification.text_body)
        if notification.html_body:
            email.add_alternative(notification.html_body, subtype="html")
        return email

    def send(self, notification):
        """Hand the message to the SMTP server; raises if it did not take it."""
        smtp_class = smtplib.SMTP_SSL if self.secure else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if self.login:
                smtp.login(*self.login)
            smtp.send_message(self.message(notification))
