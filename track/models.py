"""Tables owned by the track service."""
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
