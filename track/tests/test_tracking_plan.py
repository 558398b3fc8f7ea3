"""Airport search and the boards on the real database: the ranking, and plans that
use their indexes (airports: all 7,884 of them are loaded by the migration)."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.sql import service_db_uri
from track import domain, store


@pytest.fixture(scope="module")
def engine(databases):
    engine = sa.create_engine(service_db_uri(databases, "track"), poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def search(engine, q, limit=5):
    with Session(engine) as session:
        return [(a.code, a.city) for a in store.search_airports(session, domain.search_text(q), limit)]


def test_search_ranks_the_exact_code_first_then_the_closest_words(engine):
    assert search(engine, "dps")[0][0] == "DPS"
    assert search(engine, "cgk")[0][0] == "CGK"
    assert {code for code, city in search(engine, "jakrta")[:3]} == {"CGK", "HLP", "PCB"}  # a typo
    assert search(engine, "zürich")[0][0] == search(engine, "zurich")[0][0] == "ZRH"  # accents either way
    assert search(engine, "São Paulo", 10)[0][1] == "Sao Paulo"
    assert search(engine, "sydny")[0][0] == "SYD"  # a city's international airport first
    assert "DPS" in {code for code, _ in search(engine, "bali")[:2]}  # a whole word of the city
    assert "SIN" in {code for code, _ in search(engine, "Changi")}  # a word of the name


def test_search_text_is_not_a_pattern(engine):
    assert search(engine, "%") == [] and search(engine, "_") == []


def test_no_text_lists_airports_by_code(engine):
    assert [code for code, _ in search(engine, "", 3)] == sorted(code for code, _ in search(engine, "", 3))


def explain(engine, query):
    with engine.begin() as conn:
        compiled = query.compile(dialect=conn.dialect)
        # tiny flight tables: forbid the seq scan so the plan shows the index a big table gets
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))


def test_airport_search_uses_the_trigram_index(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE airports"))
    with engine.begin() as conn:  # without forbidding anything: 7,884 rows, the planner's own choice
        compiled = store.airport_search_query("jakrta", 20).compile(dialect=conn.dialect)
        conn.execute(sa.text("SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', true)"))
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
    assert "ix_airports_search_trgm" in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize("board, index", [("departures", "ix_flights_departures_board"),
                                          ("arrivals", "ix_flights_arrivals_board")])
def test_a_board_page_uses_its_index_without_sorting(engine, board, index):
    starts = datetime(2026, 12, 1, 17, tzinfo=UTC)
    ends = datetime(2026, 12, 2, 17, tzinfo=UTC)
    plan = explain(engine, store.board_query("CGK", board, starts, ends, (starts, "0" * 32), 21))
    assert index in plan and "Sort" not in plan, plan
