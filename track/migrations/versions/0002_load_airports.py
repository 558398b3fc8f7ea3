"""Load every IATA airport of the pinned ``airportsdata`` package.

Idempotent (``ON CONFLICT`` updates the row), so a newer package version can be
loaded again by a later revision that calls ``load_airports()``.

Revision ID: 0002_load_airports
Revises: 0001_flights
Create Date: 2026-01-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import insert

revision = "0002_load_airports"
down_revision = "0001_flights"
branch_labels = None
depends_on = None


def airport_rows():
    import airportsdata

    for code, airport in sorted(airportsdata.load("IATA").items()):
        if len(code) == 3 and airport.get("tz") and airport.get("country"):
            yield {"code": code, "name": airport["name"][:128], "city": (airport.get("city") or "")[:128],
                   "country": airport["country"], "tz": airport["tz"]}


def load_airports():
    airports = sa.table("airports", *(sa.column(name) for name in ("code", "name", "city", "country", "tz")))
    rows = list(airport_rows())
    statement = insert(airports)
    statement = statement.on_conflict_do_update(
        index_elements=["code"],
        set_={name: statement.excluded[name] for name in ("name", "city", "country", "tz")},
    )
    op.get_bind().execute(statement, rows)


def upgrade():
    load_airports()


def downgrade():
    op.execute("DELETE FROM airports")
