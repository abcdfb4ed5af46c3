"""Alembic environment for our own tables (bot/store.py). Rasa's tracker-store table (`events`) is Rasa's:
it creates it itself, and it is left out of every comparison here.

Used by `python -m bot migrate` (which `make setup` and `python -m bot run` call) and by plain
`alembic upgrade head` / `alembic revision --autogenerate -m "..."` from the project folder.
"""
from alembic import context
from sqlalchemy import text

from bot import config, store

OWN_TABLES = set(store.Base.metadata.tables)
ADVISORY_LOCK = store.ADVISORY_LOCK  # serialises migrations run at the same moment on PostgreSQL


def include_name(name, type_, parent_names):
    return type_ != "table" or name in OWN_TABLES


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=store.Base.metadata, include_name=include_name,
                      compare_type=True, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with store.plain_engine(context.config.get_main_option("sqlalchemy.url") or config.database_url()).connect() as c:
        run(c)
