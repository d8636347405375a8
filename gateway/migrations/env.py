"""Alembic environment: the connection comes from ``Database.upgrade`` (no alembic.ini)."""

from alembic import context

from gateway.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `sanshen db upgrade` (Database.upgrade)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
