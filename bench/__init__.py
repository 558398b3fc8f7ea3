"""`make bench`: load the running system with locust and compare it with baselines."""
