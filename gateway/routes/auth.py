"""Register, login, refresh, logout, me, user administration."""


class AuthRoutes:
    pass
