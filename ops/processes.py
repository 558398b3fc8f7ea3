"""The processes ``make up`` starts: pid files and logs under RUN_DIR, spawn, stop.

Each process has a name: ``mongo``, ``mail`` (the SMTP sink), a service (``ticket``), or a further replica of a
service (``ticket.2``, ``ticket.3``); its files are ``RUN_DIR/<name>.pid`` and ``.log``.

A pid file counts only while its process is alive and is still the process we
started (its command line carries our signature), so a pid file left behind after a
reboot never makes ``down`` signal somebody else's process.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from common import registry
from common.config import ROOT
from ops.console import say

RUN_DIR = (ROOT / os.environ.get("RUN_DIR", ".run")).resolve()
BIN = Path(sys.executable).parent

# What a process that is not a service looks like in /proc/<pid>/cmdline
SIGNATURES = {"mongo": "nx-27017", "mail": "ops.mailsink"}

_children = {}  # name -> Popen, for what this invocation started


def process_name(service, replica):
    """``ticket`` for the first replica, ``ticket.2`` for the second: the first keeps the
    plain name, so a system started without replicas is the same system."""
    return service if replica == 1 else f"{service}.{replica}"


def service_of(name):
    return name.partition(".")[0]


def replica_of(name):
    _, _, replica = name.partition(".")
    return int(replica) if replica.isdigit() else 1


def recorded_names(service):
    """Every process name of ``service`` that has a pid file in RUN_DIR, first replica first."""
    names = (path.name.removesuffix(".pid") for path in RUN_DIR.glob(f"{service}*.pid"))
    return sorted((n for n in names if n == service or (service_of(n) == service and replica_of(n) > 1)),
                  key=replica_of)


def service_path(service):
    """``module:Class`` for ``nameko run``: given only a module it would also pick up any
    imported class with entrypoints (the gateway's route mixins)."""
    return registry.BY_NAME[service].class_path


def pid_file(name):
    return RUN_DIR / f"{name}.pid"


def log_file(name):
    return RUN_DIR / f"{name}.log"


def signature(name):
    return SIGNATURES[name] if name in SIGNATURES else service_path(service_of(name))


def is_ours(pid, name):
    # a process that is just exec-ing shows an empty cmdline for a moment
    for _ in range(40):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        if cmdline:
            return signature(name) in cmdline.replace(b"\0", b" ").decode(errors="replace")
        time.sleep(0.05)
    return False


def is_gone(pid):
    """True once the process has exited (a zombie nobody reaped yet counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def running_pid(name):
    """The pid from RUN_DIR/<name>.pid if that process is alive and still ours."""
    child = _children.get(name)
    if child is not None:  # started by this invocation: the OS tells for sure
        if child.poll() is None:
            return child.pid
        pid_file(name).unlink(missing_ok=True)
        return None
    path = pid_file(name)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
        return None
    if is_ours(pid, name) and not is_gone(pid):
        return pid
    path.unlink(missing_ok=True)
    return None


def spawn(name, argv, environ=None):
    """Start ``argv`` in its own session with its log in RUN_DIR; remember its pid.
    ``environ``: variables set for this process on top of ours.

    Returns the new pid, or None if ``name`` was already running."""
    pid = running_pid(name)
    if pid:
        say(f"{name} already running (pid {pid})")
        return None
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(log_file(name), "ab") as log:
        process = subprocess.Popen(
            argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, **(environ or {})},
        )
    pid_file(name).write_text(str(process.pid))
    _children[name] = process
    say(f"started {name} (pid {process.pid}, log {log_file(name)})")
    return process.pid


def stop(*names, grace=20):
    """SIGTERM each of ``names`` that runs, then wait for all of them together.

    Returns ``{name: pid}`` of what was stopped."""
    # nameko stops gracefully on SIGTERM: running workers finish, then it exits
    signalled = {}
    for name in names:
        pid = running_pid(name)
        pid_file(name).unlink(missing_ok=True)
        if pid:
            signal_group(pid, signal.SIGTERM)
            signalled[name] = pid
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and not all(is_gone(pid) for pid in signalled.values()):
        time.sleep(0.1)
    for name, pid in signalled.items():
        if not is_gone(pid):
            say(f"{name} (pid {pid}) ignored SIGTERM for {grace}s: killing it")
            signal_group(pid, signal.SIGKILL)
    return signalled


def signal_group(pid, signum):
    """Signal the process group ``spawn`` made for ``pid`` (or the process alone)."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        os.kill(pid, signum)


def how_it_ended(name):
    process = _children.get(name)
    code = process.poll() if process else None
    if code is None:
        return "exited"
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


def last_lines(path, count=15):
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-count:])
    except OSError:
        return "(no log)"


def died_while_starting(name):
    sys.exit(f"{name} {how_it_ended(name)} while starting. Last lines of {log_file(name)}:\n"
             f"{last_lines(log_file(name))}")


def wait_for(predicate, timeout, what, name=None):
    """Poll ``predicate``; exit with a clear message on timeout or if ``name`` dies meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if name and not running_pid(name):
            died_while_starting(name)
        time.sleep(0.3)
    sys.exit(f"Timed out after {timeout:.0f}s waiting for {what}.")
