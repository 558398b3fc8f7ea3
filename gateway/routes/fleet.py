"""Airplane models, airplanes, maintenance, airports, flights, search, seat maps."""


class FleetRoutes:
    pass
