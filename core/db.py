"""Database plumbing: the declarative base, engines, and ``request.dbsession``.

Requests get a session joined to their pyramid_tm transaction: views never commit,
the transaction commits when the view returns and aborts on any error.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import transaction
import zope.sqlalchemy
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Constraint names are fixed so alembic migrations are the same on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use core.db.utcnow()")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def insert_unless_present(dbsession: Session, model, **values) -> bool:
    """INSERT a row unless one with the same unique key exists (ON CONFLICT DO NOTHING, on
    SQLite and PostgreSQL alike); True when this call inserted it. Two transactions creating
    the same row at once (two jobs meeting the same new pod) then both succeed: the second
    waits for the first and finds its row."""
    if dbsession.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    dbsession.flush()
    # RETURNING rather than rowcount, which drivers may leave at -1 for this statement.
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(sa.literal(1))
    return dbsession.execute(statement).first() is not None


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, connect_args=connect_args)


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def tm_session(factory: sessionmaker, manager: transaction.TransactionManager) -> Session:
    """A session whose commit and rollback follow ``manager``'s transactions."""
    session = factory()
    zope.sqlalchemy.register(session, transaction_manager=manager)
    return session


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    # A 4xx or 5xx answer writes nothing: bad input changes nothing.
    settings["tm.commit_veto"] = "pyramid_tm.default_commit_veto"
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    def dbsession(request):
        session = request.environ.get("app.dbsession")
        if session is None:
            session = tm_session(request.registry.pod.session_factory, request.tm)
        return session

    config.add_request_method(dbsession, reify=True)
