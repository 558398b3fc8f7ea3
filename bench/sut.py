"""The bench system: started here (and stopped at the end), or reused when its fingerprint matches.

A bench system left up (``--keep``) is reused only if it runs the same commit, the
same uncommitted service changes and the same settings as this run asks for;
otherwise it is stopped, its stores dropped and a fresh one started. The scenario
data is prepared anew either way, and every seat a booking run tried is remembered
so the next booking run (or the message count) never asks for a seat already taken.
"""
import json
import time

import requests

from bench import fixtures, provenance, system

SYSTEM_SETTINGS = {"SEARCH_CACHE_TTL": 0}  # uncached: every search reaches track and ticket
# the customers log in again before a run once their tokens are this old: a whole bench
# (the bulk growth included) outlasts ACCESS_TOKEN_TTL (900 s by default)
TOKENS_FRESH_SECONDS = 300


class SystemUnderTest:
    def __init__(self, needed, keep, code):
        self.needed = needed
        self.keep = keep
        self.code = code
        self.reused = False
        self.restarted_because = None
        self.data = {}
        self.tokens_at = 0.0
        self.tried = set()
        self.overrides = {}
        self.settings = provenance.settings(system.bench_config(**SYSTEM_SETTINGS))
        self.fingerprint = provenance.fingerprint(self.settings, code)

    def __enter__(self):
        if not self.needed:
            return self
        running = system.gateway_healthy()
        recorded = system.recorded_fingerprint()
        if running and recorded and recorded.get("fingerprint") == self.fingerprint:
            self.reused = True
            system.say(f"reusing the bench system already up at {system.gateway_url()} (same code and settings)")
        else:
            if running:
                self.restarted_because = ("its code or settings differ from this run's" if recorded
                                          else "it has no recorded fingerprint")
                system.say(f"restarting the bench system: {self.restarted_because}")
            system.down()  # whatever an interrupted or different bench run left behind
            system.drop_stores()
            system.up(**SYSTEM_SETTINGS)
            self._record()
        try:
            self.data = fixtures.prepare()
            self.tokens_at = time.monotonic()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _record(self):
        system.record_fingerprint({"fingerprint": self.fingerprint, "settings": self.settings,
                                   "code": self.code, "overrides": self.overrides})

    def describe(self):
        return {"reused": self.reused, "restarted_because": self.restarted_because,
                "fingerprint": self.fingerprint, "settings": dict(self.settings, overrides=dict(self.overrides))}

    def data_file(self, scenario):
        """The scenario data for locust; booking runs get only seats no run has tried yet."""
        if self.data.get("tokens") and time.monotonic() - self.tokens_at > TOKENS_FRESH_SECONDS:
            self.data["tokens"] = fixtures.customer_tokens(len(self.data["tokens"]))
            self.tokens_at = time.monotonic()
        data = dict(self.data)
        data["booking_seats"] = [seat for seat in self.data.get("booking_seats", []) if tuple(seat) not in self.tried]
        path = system.RUN_DIR / f"bench-data-{scenario}.json"
        path.write_text(json.dumps(data))
        return path

    def record_outcome(self, out_path):
        if out_path.exists():
            self.tried |= {tuple(seat) for seat in json.loads(out_path.read_text()).get("attempted", [])}

    def spare_seats(self, count):
        """Seats of the booking flights no booking run has tried; taken out of later runs' data."""
        free = [seat for seat in self.data.get("booking_seats", []) if tuple(seat) not in self.tried]
        chosen = free[-count:]
        self.tried |= {tuple(seat) for seat in chosen}
        return chosen

    def grown(self, sizes):
        """The stores now hold the bulk rows: a later run must not take them for demo size."""
        self.overrides["stores"] = {"flights": sizes["flights"], "tickets": sizes["tickets"]}
        self.fingerprint = provenance.fingerprint(dict(self.settings, overrides=self.overrides), self.code)
        self._record()

    def cache_on(self, ttl):
        """Restart the gateway with a search cache TTL and warm every route once."""
        system.restart_service("gateway", SEARCH_CACHE_TTL=ttl)
        # the system now differs from what its fingerprint says: a later run must not reuse it
        self.overrides["gateway"] = {"SEARCH_CACHE_TTL": ttl}
        self.fingerprint = provenance.fingerprint(dict(self.settings, overrides=self.overrides), self.code)
        self._record()
        for origin, destination, date in self.data["routes"]:
            requests.get(f"{system.gateway_url()}/flights", timeout=30, params={
                "origin": origin, "destination": destination, "date": date, "passengers": 1})

    def __exit__(self, *exc):
        if self.needed and not self.reused and not self.keep:
            system.down()
