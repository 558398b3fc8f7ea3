"""Fixed-window counters in Redis, for every limit of the form "N per window":
failed logins and sign-ups (auth/throttle.py), orders placed (gateway/limits.py).

The first attempt starts a counter that lives the window's length. Each attempt is
counted *before* it is compared (INCR, then compare the count it returned), so
concurrent attempts each take their own number and no more than the limit are ever
let through, however many arrive at once. A check-then-increment would let every
concurrent attempt pass the check before any of them counted.
"""


def count(redis, counters, window):
    """INCR every key of ``counters`` (``[(key, limit)]``), giving a new key its expiry;
    ``[(key, limit, count, ttl)]`` with the counts after this attempt."""
    pipe = redis.pipeline(transaction=True)
    for key, _ in counters:
        # SET NX EX then INCR in one MULTI: the counter always has its expiry
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
    replies = pipe.execute()
    return [(key, limit, n, ttl) for (key, limit), n, ttl in zip(counters, replies[1::3], replies[2::3])]


# DECR only a counter that still exists: one that expired meanwhile must not come back
# as -1 with no expiry (a free attempt for ever)
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('DECR', key) end
end
"""


def give_back(redis, keys):
    """Take one attempt back out of each counter of ``keys`` that still exists."""
    if keys:
        redis.eval(_GIVE_BACK, len(keys), *keys)


def retry_after(counted):
    """Seconds until the counters over their limit expire (None: none is over)."""
    waits = [ttl for _, limit, n, ttl in counted if n > limit]
    return max(1, max(waits)) if waits else None
