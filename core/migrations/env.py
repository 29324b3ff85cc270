"""Alembic environment: the pod's engine and every model's metadata."""
from alembic import context

from core.db import Base
from core.migrations import import_models

import_models()
config = context.config
pod = config.attributes["pod"]


def run_migrations() -> None:
    with pod.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
