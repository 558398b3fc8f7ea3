"""Operator tooling: the local stack (servers, processes, migrations, demo data) behind `make up`,
`make down` and friends. Never imported by a service."""
