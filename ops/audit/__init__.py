"""``make audit``: reconcile order's, payment's and ticket's records through their audit RPCs.

Safe on a live system: it only reads, and it judges work in flight by looking twice.
A discrepancy counts only if the same one (kind and ids) is found again on a second,
complete reading ``recheck_seconds`` after the first; a clean first reading ends the
audit at once. See docs/operations.md, "Auditing money and seats".
"""
import time
import warnings

# operators read this output: keep eventlet's deprecation notice (nameko imports it) out of it
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from common.config import Settings  # noqa: E402
from ops.audit.fetch import Unreachable, fetch_records  # noqa: E402
from ops.audit.reconcile import Discrepancy, Records, Rules, reconcile, totals  # noqa: E402

__all__ = ["Audit", "Discrepancy", "Records", "Rules", "Unreachable", "audit", "audit_system",
           "default_recheck_seconds", "fetch_records", "reconcile", "rules_from", "totals"]

# beyond the sweep: a sweep that skipped a locked seat, the sweep's own run, clocks a little apart
HOLD_MARGIN_SECONDS = 10.0
RECHECK_MARGIN_SECONDS = 10.0
# the timers that finish what a crash left half-done (Settings fields; order's relay joins with issue 11)
RECOVERY_TIMERS = ("payment_announce_grace_seconds", "ticket_event_relay_seconds", "track_event_relay_seconds",
                   "order_event_relay_seconds")


def rules_from(settings, hold_margin_seconds=HOLD_MARGIN_SECONDS):
    return Rules(expiry_sweep_seconds=settings.expiry_sweep_seconds, hold_margin_seconds=hold_margin_seconds)


def default_recheck_seconds(settings):
    """Long enough for every in-flight step to finish, even one a crash interrupted: the
    longest recovery timer (or an event's retries before it is dead-lettered and compensated),
    then the sweep that acts on it, plus a margin."""
    retries = settings.event_retry_pause_seconds * (2 ** max(settings.event_max_attempts - 1, 0) - 1)
    waits = [getattr(settings, name) for name in RECOVERY_TIMERS if hasattr(settings, name)]
    return max([retries, *waits]) + settings.expiry_sweep_seconds + RECHECK_MARGIN_SECONDS


class Audit:
    """The outcome: the discrepancies that stayed, and the last reading (for its figures)."""

    def __init__(self, discrepancies, records, passes):
        self.discrepancies = discrepancies
        self.records = records
        self.passes = passes

    @property
    def clean(self):
        return not self.discrepancies


def audit(read, rules, recheck_seconds, sleep=time.sleep):
    """Reconcile ``read()`` (a function returning ``Records``); if anything is found, read
    again after ``recheck_seconds`` and keep only what is found both times."""
    records = read()
    first = reconcile(records, rules)
    if not first:
        return Audit([], records, passes=1)
    sleep(recheck_seconds)
    records = read()
    seen = {found.key for found in first}
    return Audit([found for found in reconcile(records, rules) if found.key in seen], records, passes=2)


def audit_system(config, recheck_seconds=None, hold_margin_seconds=HOLD_MARGIN_SECONDS, timeout=30):
    """The audit of the system ``config`` describes, with its own Settings' timers."""
    settings = Settings.from_config(config)
    recheck = default_recheck_seconds(settings) if recheck_seconds is None else recheck_seconds
    return audit(lambda: fetch_records(config, timeout=timeout), rules_from(settings, hold_margin_seconds), recheck)
