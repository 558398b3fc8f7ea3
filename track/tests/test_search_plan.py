"""The search query is answered from the route index, in index order (no scan, no sort)."""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from common.sql import service_db_uri
from track.store import route_query


def plan_of(config, query):
    engine = sa.create_engine(service_db_uri(config, "track"), poolclass=sa.pool.NullPool)
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    try:
        with engine.begin() as conn:
            # the test table is tiny: forbid the seq scan so the plan shows what the
            # planner does with the index on a big table
            conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
            return "\n".join(row[0] for row in conn.execute(sa.text("EXPLAIN " + sql)))
    finally:
        engine.dispose()


def test_search_page_uses_the_route_index_without_sorting(databases):
    starts = datetime(2026, 12, 1, 17, tzinfo=UTC)
    ends = datetime(2026, 12, 2, 17, tzinfo=UTC)
    for after in (None, (starts, uuid.uuid4())):
        plan = plan_of(databases, route_query("CGK", "DPS", starts, ends, after, 21))
        assert "ix_flights_route_departure" in plan, plan
        assert "Sort" not in plan and "Seq Scan" not in plan, plan
