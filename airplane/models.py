"""Tables owned by the airplane service."""
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
