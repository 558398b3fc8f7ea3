"""Endpoint groups. Each module is a mixin of ``route(...)`` methods; the gateway
service class combines them (see ``gateway/service.py``)."""
