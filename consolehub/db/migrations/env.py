"""Alembic environment: runs migrations on consolehub's configured engine."""

from alembic import context

from consolehub.db import engine
from consolehub.db import models


def _run(connection):
    context.configure(connection=connection,
                      target_metadata=models.BASE.metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = context.config.attributes.get('connection')
    if connection is not None:
        _run(connection)
        return
    with engine.get_engine().connect() as connection:
        _run(connection)


run_migrations_online()
