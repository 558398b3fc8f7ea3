"""Tables owned by the ticket service."""
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
