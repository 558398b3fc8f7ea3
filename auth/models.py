"""Tables owned by the auth service."""
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
