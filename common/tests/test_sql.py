"""``compiled_once``: a PostgreSQL ``INSERT … ON CONFLICT`` as a statement SQLAlchemy caches."""
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert

from common.sql import compiled_once

METADATA = sa.MetaData()
THINGS = sa.Table("things", METADATA, sa.Column("id", sa.Uuid, primary_key=True), sa.Column("name", sa.String(20)))


def statement():
    return compiled_once(
        insert(THINGS).values(id=sa.bindparam("id"), name=sa.bindparam("name"))
        .on_conflict_do_nothing(index_elements=[THINGS.c.id]).returning(THINGS.c.id, sa.true().label("created")))


def test_the_postgresql_insert_is_never_cached_but_its_compiled_form_is():
    plain = insert(THINGS).values(name=sa.bindparam("name")).on_conflict_do_nothing()
    assert plain._generate_cache_key() is None
    assert statement()._generate_cache_key() is not None


def test_every_parameter_is_kept_typed_casts_included():
    compiled = statement().compile(dialect=postgresql.dialect())
    thing_id = uuid.uuid4()
    params = compiled.construct_params({"id": thing_id, "name": "x"})
    assert params == {"id": thing_id, "name": "x"}
    assert "ON CONFLICT (id) DO NOTHING" in str(compiled)
    assert "::UUID" in str(compiled)
    assert [column.key for column in statement().selected_columns] == ["id", "created"]
