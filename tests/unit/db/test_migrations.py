"""The migrations build exactly the schema the models describe."""

import alembic.autogenerate
import alembic.migration

from consolehub.db import engine as db_engine
from consolehub.db import models


def test_models_match_migrations(database):
    with db_engine.get_engine().connect() as connection:
        context = alembic.migration.MigrationContext.configure(connection)
        diff = alembic.autogenerate.compare_metadata(context,
                                                     models.BASE.metadata)
    assert diff == []
