"""Small helpers shared by every service: config, errors, stores, logging, test harness."""
