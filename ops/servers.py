"""The backing servers: does each answer, the local MongoDB stand-in, the SQL databases.

PostgreSQL, MariaDB, Redis and RabbitMQ must already run; when one does not answer,
the operator is told which, from which variable, and the command that starts it.
MongoDB is the exception: with nothing on a local MONGO_URI, ``up`` starts the
nx-27017 stand-in there. So is SMTP: with nothing on a local SMTP_URI, ``up`` starts
the mail sink (``ops.mailsink``), which keeps every message under RUN_DIR/mail/.
"""
import socket
import sys
from urllib.parse import urlsplit

from common import registry
from common.sql import ensure_database, redact, service_db_uri
from ops.console import say
from ops.processes import BIN, RUN_DIR, running_pid, spawn, wait_for

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "MariaDB": "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
    "Redis": "redis-server --daemonize yes --bind {host} --port {port} --save '' --appendonly no",
    "RabbitMQ": "rabbitmq-server -detached",
}
URI_VARIABLE = {"PostgreSQL": "POSTGRES_URI", "MariaDB": "MYSQL_URI", "Redis": "REDIS_URI", "RabbitMQ": "AMQP_URI"}
SQL_SERVER = {"postgresql": "PostgreSQL", "mariadb": "MariaDB"}


def host_port(uri, default_port):
    parts = urlsplit(uri)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def free_port():
    """A TCP port nothing listens on right now (for a private gateway, stand-in or sink)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def backing_servers(config):
    """``{server name: (host, port)}`` of every server that must already run."""
    servers = {}
    default_ports = {"postgresql": 5432, "mariadb": 3306}
    for spec in registry.SERVICES:
        if spec.is_sql:
            servers.setdefault(SQL_SERVER[spec.store], host_port(service_db_uri(config, spec.name),
                                                                 default_ports[spec.store]))
    servers["Redis"] = host_port(config["REDIS_URI"], 6379)
    servers["RabbitMQ"] = host_port(config["AMQP_URI"], 5672)
    return servers


def amqp_problem(uri):
    """None if RabbitMQ accepts ``uri`` (credentials, vhost), else the reason."""
    from kombu import Connection

    try:
        with Connection(uri, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # any refusal is reported to the operator as it is
        return f"{type(exc).__name__}: {exc}"
    return None


def check_servers(config):
    """Exit with one clear message per backing server that does not answer."""
    missing = []
    for name, (host, port) in backing_servers(config).items():
        if answers(host, port):
            say(f"{name} answers on {host}:{port}")
            continue
        missing.append(name)
        print(
            f"!!  {name} does not answer on {host}:{port} (from {URI_VARIABLE[name]}). Start it with:\n"
            f"      {HOW_TO_START[name].format(host=host, port=port)}\n"
            f"    or point {URI_VARIABLE[name]} at a running one.",
            flush=True,
        )
    if missing:
        sys.exit(f"Missing: {', '.join(missing)}. Start them and run `make up` again.")
    problem = amqp_problem(config["AMQP_URI"])
    if problem:
        sys.exit(f"RabbitMQ answers but refuses {redact(config['AMQP_URI'])}: {problem}\n"
                 "Check the user, password and vhost in AMQP_URI.")


def report_mongo(config):
    host, port = host_port(config["MONGO_URI"], 27017)
    say(f"MongoDB answers on {host}:{port}" if answers(host, port)
        else f"MongoDB does not answer on {host}:{port}: `make up` starts the local stand-in there")


def ensure_mongo(config):
    """A MongoDB on MONGO_URI: the one that answers there, else our stand-in, started now."""
    host, port = host_port(config["MONGO_URI"], 27017)
    if running_pid("mongo") or answers(host, port):
        say(f"MongoDB answers on {host}:{port}")
        return
    if host not in ("127.0.0.1", "localhost"):
        sys.exit(f"MongoDB does not answer on {host}:{port} (from MONGO_URI) and it is not local: start it first.")
    data_dir = RUN_DIR / "mongo-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    spawn("mongo", [str(BIN / "nx-27017"), "--host", host, "-p", str(port), "--data-dir", str(data_dir),
                    "--log-file", str(RUN_DIR / "mongo-server.log"),
                    "--pid-file", str(RUN_DIR / "mongo-server.pid")])
    wait_for(lambda: answers(host, port), 30, f"the MongoDB stand-in on {host}:{port}", "mongo")


MAIL_DIR = RUN_DIR / "mail"


def ensure_mail_sink(config):
    """An SMTP server on SMTP_URI: the one that answers there, else our sink, started now.
    A remote server that does not answer is only reported: notify keeps what it could not
    send and sends it once the server is back."""
    uri = str(config["SMTP_URI"])
    host, port = host_port(uri, 25)
    if running_pid("mail") or answers(host, port):
        say(f"SMTP answers on {host}:{port}")
        return
    if host not in ("127.0.0.1", "localhost") or urlsplit(uri).scheme != "smtp":
        say(f"SMTP does not answer on {host}:{port} (from SMTP_URI): mail waits until it does")
        return
    spawn("mail", [str(BIN / "python"), "-m", "ops.mailsink", "--host", host, "--port", str(port),
                   "--dir", str(MAIL_DIR)])
    wait_for(lambda: answers(host, port), 30, f"the SMTP sink on {host}:{port}", "mail")
    say(f"mail sent to SMTP_URI is kept in {MAIL_DIR}/")


def migrate(config):
    """Create each SQL service's database if missing and bring it to the latest migration."""
    from common.migrations import upgrade

    for service in registry.SQL_SERVICES:
        uri = service_db_uri(config, service)
        if ensure_database(uri):
            say(f"created database {redact(uri)}")
        upgrade(service, uri)
    say("migrations are at head")
