"""``make chaos``: real faults injected into a real system under booking load.

system.py starts and tears down the system under test (real ``nameko run``
processes, as ``make up`` starts them); load.py is the buyers; faults.py the
faults; checks.py the invariants; run.py ties them together. See docs/chaos.md.
"""
