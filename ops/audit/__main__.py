"""``python -m ops.audit`` (``make audit``): print every discrepancy, exit 0 clean, 1 if any,
2 if a service could not be read. ``--json`` prints one JSON object per discrepancy."""
import argparse
import json
import sys

from common.config import Settings, load_config
from ops.audit import HOLD_MARGIN_SECONDS, Unreachable, audit_system, default_recheck_seconds, totals

CLEAN, DISCREPANCIES, UNREACHABLE = 0, 1, 2


def main(argv=None, out=sys.stdout, err=sys.stderr):
    config = load_config()
    parser = argparse.ArgumentParser(
        prog="python -m ops.audit",
        description="Reconcile order's, payment's and ticket's records through their audit RPCs (read-only).")
    parser.add_argument("--recheck-seconds", type=float, default=None,
                        help="pause before the second reading (default: from the system's timers, "
                             f"now {default_recheck_seconds(Settings.from_config(config)):g}s)")
    parser.add_argument("--hold-margin-seconds", type=float, default=HOLD_MARGIN_SECONDS,
                        help="how long past its expiry, beyond one EXPIRY_SWEEP_SECONDS, a hold may remain")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for each RPC page")
    parser.add_argument("--json", action="store_true", help="one JSON object per discrepancy")
    args = parser.parse_args(argv)
    try:
        result = audit_system(config, args.recheck_seconds, args.hold_margin_seconds, args.timeout)
    except Unreachable as exc:
        print(f"audit: could not read the records: {exc}", file=err)
        return UNREACHABLE
    for found in result.discrepancies:
        print(json.dumps({"kind": found.kind, "what": found.what, "ids": found.ids}) if args.json else found.line(),
              file=out)
    records = result.records
    print(f"audit: {len(records.orders)} orders, {len(records.payments)} payments, {len(records.tickets)} tickets, "
          f"{len(records.seats)} seats taken; {result.passes} reading(s); money {json.dumps(totals(records))}; "
          f"{len(result.discrepancies)} discrepancies", file=err)
    return DISCREPANCIES if result.discrepancies else CLEAN


if __name__ == "__main__":
    sys.exit(main())
