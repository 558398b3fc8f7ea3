"""Typo- and accent-tolerant airport search: ``pg_trgm`` + ``unaccent``.

``airport_search_text(code, name, city)`` folds an airport to one lower-case,
unaccented string ("cgk jakarta soekarno-hatta international airport"); a GIN
trigram index on it answers ``<%`` (word similarity) and ``LIKE '%…%'``.
``unaccent()`` itself is only STABLE (its dictionary could change), so an IMMUTABLE
wrapper naming the dictionary is what an index may use (the usual PostgreSQL idiom).

Revision ID: 0005_airport_search
Revises: 0004_scheduled_times
Create Date: 2026-12-01
"""
from alembic import op

revision = "0005_airport_search"
down_revision = "0004_scheduled_times"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("""
        CREATE FUNCTION search_fold(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$
    """)
    op.execute("""
        CREATE FUNCTION airport_search_text(code text, name text, city text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT public.search_fold(code || ' ' || city || ' ' || name) $$
    """)
    op.execute("CREATE INDEX ix_airports_search_trgm ON airports "
               "USING gin (airport_search_text(code, name, city) gin_trgm_ops)")


def downgrade():
    op.execute("DROP INDEX ix_airports_search_trgm")
    op.execute("DROP FUNCTION airport_search_text(text, text, text)")
    op.execute("DROP FUNCTION search_fold(text)")
